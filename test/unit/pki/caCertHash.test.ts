import { execSync } from "node:child_process";
import { caCertHash } from "../../../src/pki/caCertHash";
import { TESTING_CERTIFICATE_PEM } from "../../../src/testing/certificate";

describe("caCertHash", () => {
  test("equals kubeadm's documented recipe: sha256 of the DER SubjectPublicKeyInfo (openssl)", () => {
    const expected = execSync("openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1", {
      input: TESTING_CERTIFICATE_PEM,
      encoding: "utf8",
    }).trim();
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(caCertHash(TESTING_CERTIFICATE_PEM)).toBe(`sha256:${expected}`);
  });

  test("is not the hash of the certificate itself", () => {
    const certificateDigest = execSync("openssl x509 -outform der | sha256sum | cut -d' ' -f1", { input: TESTING_CERTIFICATE_PEM, encoding: "utf8" }).trim();
    expect(caCertHash(TESTING_CERTIFICATE_PEM)).not.toBe(`sha256:${certificateDigest}`);
  });

  test("rejects text that is not a certificate", () => {
    expect(() => caCertHash("not a certificate")).toThrow();
  });
});
