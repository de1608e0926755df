import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** A kubeadm bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`, made with @pulumi/random. Always a secret. */
export function createBootstrapToken(name: string, parent: pulumi.Resource): pulumi.Output<string> {
  const part = (suffix: string, length: number) =>
    new random.RandomString(`${name}-${suffix}`, { length, upper: false, special: false, lower: true, numeric: true }, { parent });
  const id = part("id", 6);
  const secret = part("secret", 16);
  return pulumi.secret(pulumi.interpolate`${id.result}.${secret.result}`);
}
