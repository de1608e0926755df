/** Keyring of the Kubernetes apt repository (pkgs.k8s.io's, or the one given instead). */
export const KUBERNETES_APT_KEYRING = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg";

/**
 * pkgs.k8s.io's flat apt repository of one minor channel; `{minor}` stands for the minor (`1.34`). Its signing key
 * is `Release.key` under it.
 */
export const DEFAULT_KUBERNETES_APT_REPOSITORY = "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/";

/** The repository URL of a minor channel: `{minor}` in `template` replaced by `minorVersion` (e.g. `1.34`). */
export function kubernetesAptRepository(minorVersion: string, template: string = DEFAULT_KUBERNETES_APT_REPOSITORY): string {
  return template.split("{minor}").join(minorVersion);
}

/** Why `template` cannot be a Kubernetes apt repository template, or undefined when it can. */
export function kubernetesAptRepositoryProblem(template: unknown): string | undefined {
  if (typeof template !== "string" || !/^https?:\/\/[^\s'"\\]+\/$/.test(template)) {
    return `${JSON.stringify(template)} is not an http(s) URL ending in "/" without spaces or quotes`;
  }
  if (!template.includes("{minor}")) {
    return `"${template}" has no {minor}: each minor has its own channel (e.g. "https://pkgs.k8s.io/core:/stable:/v{minor}/deb/")`;
  }
  return undefined;
}
