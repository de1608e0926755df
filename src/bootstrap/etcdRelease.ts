import { paths } from "./paths";

/**
 * The upstream etcd release every machine runs (etcd on external members, etcdctl for the quorum gates everywhere):
 * the version kubeadm for Kubernetes 1.34 uses itself (`DefaultEtcdVersion` 3.6.5-0). kubeadm refuses an external
 * etcd older than 3.5.24 at preflight, and the distro packages are older (Ubuntu 24.04 `etcd-server` 3.4.30,
 * Debian 12 3.4.23), so the release tarball is installed instead.
 */
export const ETCD_VERSION = "v3.6.5";

/** CPU architectures etcd release tarballs are pinned for (`uname -m` x86_64 and aarch64). */
export type EtcdArchitecture = "amd64" | "arm64";

/**
 * SHA-256 of `etcd-<version>-linux-<arch>.tar.gz` per release, from the release's published `SHA256SUMS`. A version
 * missing here cannot be installed: add its sums (never a guess) before using it.
 *
 * v3.6.5: could not be fetched from github.com where this was written; both sums agree across independent pins of
 * the same release asset (OpenStack kolla's `kolla/image/sources.py`, the Arch Linux `etcd-bin` PKGBUILD for amd64).
 */
export const ETCD_RELEASE_SHA256: Readonly<Record<string, Readonly<Record<EtcdArchitecture, string>>>> = {
  "v3.6.5": {
    amd64: "66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3",
    arm64: "7010161787077b07de29b15b76825ceacbbcedcb77fe2e6832f509be102cab6b",
  },
};

/** Where etcd publishes its release tarballs (`<base>/<version>/etcd-<version>-linux-<arch>.tar.gz`). */
export const ETCD_RELEASE_BASE_URL = "https://github.com/etcd-io/etcd/releases/download";

/** The programs a release tarball brings, installed side by side. */
const ETCD_PROGRAMS = ["etcd", "etcdctl", "etcdutl"] as const;

/** URL of an etcd release tarball. */
export function etcdReleaseUrl(version: string, arch: EtcdArchitecture, baseUrl: string = ETCD_RELEASE_BASE_URL): string {
  return `${baseUrl}/${version}/etcd-${version}-linux-${arch}.tar.gz`;
}

/** Options of {@link etcdInstallFunction}. */
export interface EtcdInstallOptions {
  /**
   * etcd release to install, with its leading `v`; must be a key of {@link ETCD_RELEASE_SHA256} unless `sha256` is given.
   * @default ETCD_VERSION ("v3.6.5")
   */
  version?: string;
  /**
   * Directory the three programs go to; the etcd unit and every script call them there.
   * @default "/usr/local/bin" (the directory of `paths.etcdBinary`)
   */
  binDir?: string;
  /**
   * Where the release tarballs are downloaded from: an `https://` mirror keeping the upstream layout, or a `file://`
   * directory of tarballs.
   * @default "https://github.com/etcd-io/etcd/releases/download"
   */
  downloadBaseUrl?: string;
  /**
   * SHA-256 of the tarball per architecture, for a version (or a mirror's repackaging) not in {@link ETCD_RELEASE_SHA256}.
   * @default ETCD_RELEASE_SHA256[version]
   */
  sha256?: Readonly<Record<EtcdArchitecture, string>>;
}

const SHA256 = /^[0-9a-f]{64}$/;
const VERSION = /^v\d+\.\d+\.\d+$/;
const PLAIN = /^[A-Za-z0-9._:/@%+-]+$/;

/**
 * The bash function `install_etcd` (for a script in `set -euo pipefail`): installs `etcd`, `etcdctl` and `etcdutl` of
 * one upstream release into `binDir`. It skips everything when all three already report that version; otherwise it
 * downloads the tarball for the machine's architecture with `curl` (retried), verifies its pinned SHA-256 before
 * unpacking anything, and replaces each program by a rename (safe while the old one runs). A mismatch or download
 * error installs nothing and fails the script.
 *
 * @throws Error on a version without pinned checksums, a malformed checksum, or a path or URL unusable in a script.
 */
export function etcdInstallFunction(options: EtcdInstallOptions = {}): string {
  const version = options.version ?? ETCD_VERSION;
  const binDir = options.binDir ?? dirname(paths.etcdBinary);
  const baseUrl = options.downloadBaseUrl ?? ETCD_RELEASE_BASE_URL;
  if (!VERSION.test(version)) {
    throw new Error(`etcd install: version must look like v3.6.5, got ${JSON.stringify(version)}`);
  }
  const sums = options.sha256 ?? ETCD_RELEASE_SHA256[version];
  if (sums === undefined) {
    throw new Error(
      `etcd install: no pinned SHA-256 for etcd ${version} (known: ${Object.keys(ETCD_RELEASE_SHA256).join(", ")}); ` +
        "add the release's published sums to ETCD_RELEASE_SHA256 or pass sha256",
    );
  }
  for (const arch of ["amd64", "arm64"] as const) {
    if (!SHA256.test(sums[arch] ?? "")) {
      throw new Error(`etcd install: sha256.${arch} must be 64 lower-case hex digits, got ${JSON.stringify(sums[arch])}`);
    }
  }
  if (!binDir.startsWith("/") || !PLAIN.test(binDir)) {
    throw new Error(`etcd install: binDir must be an absolute plain path, got ${JSON.stringify(binDir)}`);
  }
  if (!/^(https|file):\/\//.test(baseUrl) || !PLAIN.test(baseUrl)) {
    throw new Error(`etcd install: downloadBaseUrl must be an https:// or file:// URL without spaces or quotes, got ${JSON.stringify(baseUrl)}`);
  }
  const versionChecks = ETCD_PROGRAMS.map((program) => {
    const [args, prefix] = program === "etcd" ? ["--version", "etcd Version: "] : ["version", `${program} version: `];
    return `[ "$("$bin_dir/${program}" ${args} 2>/dev/null | sed -n 's/^${prefix}//p')" = "\${version#v}" ]`;
  }).join(" &&\n    ");
  return `# Installs upstream etcd ${version} (${ETCD_PROGRAMS.join(", ")}) into ${binDir}, SHA-256 verified; skipped when installed.
install_etcd() {
  local version='${version}' bin_dir='${binDir}' base_url='${baseUrl}' arch sha256 tmp program
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 sha256='${sums.amd64}' ;;
    aarch64 | arm64) arch=arm64 sha256='${sums.arm64}' ;;
    *) echo "etcd $version: no pinned release for $(uname -m)" >&2; return 1 ;;
  esac
  if ${versionChecks}; then
    echo "etcd $version already installed in $bin_dir"
    return 0
  fi
  tmp="$(mktemp -d)"
  if ! curl -fsSL --retry 5 --retry-delay 5 --retry-all-errors --connect-timeout 20 \\
    -o "$tmp/etcd.tar.gz" "$base_url/$version/etcd-$version-linux-$arch.tar.gz"; then
    rm -rf "$tmp"
    echo "etcd $version: download from $base_url failed; nothing installed" >&2
    return 1
  fi
  if ! printf '%s  %s\\n' "$sha256" "$tmp/etcd.tar.gz" | sha256sum --check --status; then
    echo "etcd-$version-linux-$arch.tar.gz: SHA-256 $(sha256sum "$tmp/etcd.tar.gz" | cut -d' ' -f1), expected $sha256; nothing installed" >&2
    rm -rf "$tmp"
    return 1
  fi
  tar -xzf "$tmp/etcd.tar.gz" -C "$tmp" --no-same-owner --strip-components=1 \\
    ${ETCD_PROGRAMS.map((program) => `"etcd-$version-linux-$arch/${program}"`).join(" ")}
  install -d -m 0755 "$bin_dir"
  for program in ${ETCD_PROGRAMS.join(" ")}; do
    install -m 0755 "$tmp/$program" "$bin_dir/.$program.new"
    mv -f "$bin_dir/.$program.new" "$bin_dir/$program"
  done
  rm -rf "$tmp"
  echo "etcd $version installed in $bin_dir"
}`;
}

/** The directory part of an absolute path. */
function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}
