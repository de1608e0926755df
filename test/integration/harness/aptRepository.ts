/**
 * A stand-in for pkgs.k8s.io on the test bed: kubeadm, kubelet and kubectl .deb packages of the cached Kubernetes
 * builds, laid out like pkgs.k8s.io's flat per-minor repositories (`<base>v1.34/deb/` with `Packages`, a signed
 * `InRelease`, `Release`, `Release.key` and the packages), served over HTTPS on the test bridge by the test's own
 * server. The library's upgrade installs from it exactly as it would from pkgs.k8s.io (kubernetesAptRepository
 * pointed here): apt fetches, checks the signature against the key it was given, installs and holds.
 *
 * The packages carry what pkgs.k8s.io's do for a control plane (the binary; kubelet's unit; kubeadm's kubelet
 * drop-in) and their versions (`1.34.2-1.1`), without the dependencies on cri-tools and kubernetes-cni (the test
 * hosts' machine image has crictl and the CNI plugins as plain files). Built once per version into the upstream
 * cache (`debs-v<version>`), rebuilt when a binary changed; a throwaway signing key per repository.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { KUBEADM_DROP_IN, KUBELET_SERVICE } from "./kubeNodeImage";
import type { ServedFile } from "./manifestServer";
import { TESTBED_CACHE, upstreamBinary } from "./upstreamCache";

/** pkgs.k8s.io's Debian revision of a release (`1.34.2-1.1`). */
const DEBIAN_REVISION = "1.1";

/** The files of one package: path inside the package -> [content or binary to copy, mode]. */
type PackageFiles = Record<string, { text?: string; from?: string; mode: number }>;

function packageFiles(version: string): Record<string, PackageFiles> {
    const bin = (name: string) => ({ from: upstreamBinary("kubernetes", `v${version}`, name), mode: 0o755 });
    return {
        kubelet: { "usr/bin/kubelet": bin("kubelet"), "usr/lib/systemd/system/kubelet.service": { text: KUBELET_SERVICE, mode: 0o644 } },
        kubeadm: { "usr/bin/kubeadm": bin("kubeadm"), "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": { text: KUBEADM_DROP_IN, mode: 0o644 } },
        kubectl: { "usr/bin/kubectl": bin("kubectl") },
    };
}

/** What decides whether a cached package is current: the binaries' size and mtime, and this file's package layout. */
function packageKey(files: PackageFiles): string {
    const parts = Object.entries(files).map(([p, f]) => (f.from ? `${p}:${statSync(f.from).size}:${statSync(f.from).mtimeMs}` : `${p}:${createHash("sha256").update(f.text ?? "").digest("hex")}`));
    return createHash("sha256").update(parts.join("\n")).digest("hex");
}

/** Builds (or reuses) the three packages of `version`; returns their paths. */
export function kubernetesDebs(version: string): string[] {
    const dir = path.join(TESTBED_CACHE, `debs-v${version}`);
    mkdirSync(dir, { recursive: true });
    return Object.entries(packageFiles(version)).map(([name, files]) => {
        const deb = path.join(dir, `${name}_${version}-${DEBIAN_REVISION}_amd64.deb`);
        const keyFile = `${deb}.key`;
        const key = packageKey(files);
        if (existsSync(deb) && existsSync(keyFile) && readFileSync(keyFile, "utf8") === key) return deb;
        const staging = mkdtempSync(path.join(tmpdir(), `pkh-deb-${name}-`));
        try {
            mkdirSync(path.join(staging, "DEBIAN"));
            writeFileSync(
                path.join(staging, "DEBIAN/control"),
                [
                    `Package: ${name}`,
                    `Version: ${version}-${DEBIAN_REVISION}`,
                    "Architecture: amd64",
                    "Maintainer: pulumi-k8s-ha test bed <testbed@invalid>",
                    "Section: admin",
                    "Priority: optional",
                    `Description: ${name} ${version} built from the Kubernetes Go modules (test bed stand-in for pkgs.k8s.io)`,
                    "",
                ].join("\n"),
            );
            for (const [file, spec] of Object.entries(files)) {
                const target = path.join(staging, file);
                mkdirSync(path.dirname(target), { recursive: true });
                writeFileSync(target, spec.from ? readFileSync(spec.from) : (spec.text ?? ""), { mode: spec.mode });
            }
            execFileSync("dpkg-deb", ["--root-owner-group", "-Zgzip", "-z1", "--build", staging, `${deb}.tmp`], { stdio: "pipe" });
            renameSync(`${deb}.tmp`, deb);
            writeFileSync(keyFile, key);
        } finally {
            rmSync(staging, { recursive: true, force: true });
        }
        return deb;
    });
}

/** The files of the repositories (URL path -> served file) and the key they are signed with. */
export interface KubernetesAptRepositories {
    /** URL path -> what it serves, for every minor's channel: `/v1.34/deb/InRelease`, ... */
    readonly files: Record<string, ServedFile>;
    /** Removes the signing key's directory. */
    cleanup(): void;
}

/**
 * The flat repositories of `versions` (one channel per minor, e.g. `/v1.33/deb/` and `/v1.34/deb/`), signed with a
 * throwaway ed25519 key (gpg, a private GNUPGHOME). Serve `files` under the base URL whose `v{minor}/deb/` is the
 * library's `kubernetesAptRepository`.
 */
export function kubernetesAptRepositories(versions: readonly string[]): KubernetesAptRepositories {
    const gnupg = mkdtempSync(path.join(tmpdir(), "pkh-apt-gpg-"));
    const gpg = (args: string[], input?: string): string =>
        execFileSync("gpg", ["--homedir", gnupg, "--batch", "--yes", ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    const files: Record<string, ServedFile> = {};
    try {
        gpg(["--passphrase", "", "--pinentry-mode", "loopback", "--quick-gen-key", "pulumi-k8s-ha test bed apt <testbed@invalid>", "ed25519", "sign", "1d"]);
        const publicKey = gpg(["--armor", "--export"]);
        const byMinor = new Map<string, string[]>();
        for (const version of versions) {
            const minor = version.split(".").slice(0, 2).join(".");
            byMinor.set(minor, [...(byMinor.get(minor) ?? []), ...kubernetesDebs(version)]);
        }
        for (const [minor, debs] of byMinor) {
            const base = `/v${minor}/deb/`;
            const stanzas = debs.map((deb) => {
                const control = execFileSync("dpkg-deb", ["--field", deb], { encoding: "utf8" }).trimEnd();
                const bytes = readFileSync(deb);
                files[`${base}${path.basename(deb)}`] = { file: deb };
                return `${control}\nFilename: ${path.basename(deb)}\nSize: ${bytes.length}\nSHA256: ${createHash("sha256").update(bytes).digest("hex")}\n`;
            });
            const packages = `${stanzas.join("\n")}`;
            const release = [
                `Origin: pulumi-k8s-ha test bed`,
                `Label: kubernetes core stable v${minor}`,
                "Architectures: amd64",
                `Date: ${new Date().toUTCString().replace("GMT", "UTC")}`,
                "SHA256:",
                ` ${createHash("sha256").update(packages).digest("hex")} ${Buffer.byteLength(packages)} Packages`,
                "",
            ].join("\n");
            files[`${base}Packages`] = packages;
            files[`${base}Release`] = release;
            files[`${base}InRelease`] = gpg(["--clearsign", "--digest-algo", "SHA256"], release);
            files[`${base}Release.key`] = publicKey;
        }
    } catch (e) {
        rmSync(gnupg, { recursive: true, force: true });
        throw e;
    }
    return {
        files,
        cleanup() {
            try {
                execFileSync("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"], { stdio: "pipe" });
            } catch {
                // no agent left running
            }
            rmSync(gnupg, { recursive: true, force: true });
        },
    };
}
