/**
 * Running a bootstrap step script for real on this machine without touching its real paths: every absolute path
 * parameter of the script (`readonly NAME='/...'`) is moved under a temporary root, and the pinned etcdctl is
 * replaced by a stand-in. Unit tests that run kubeadm step scripts go through this, so that a script that grows a
 * new path parameter cannot write to the test machine's /etc or /var.
 */

/** Replaces the script's `readonly NAME='...'` parameters (each must exist). */
export function withParameters(script: string, values: Record<string, string | number>): string {
  return Object.entries(values).reduce((text, [name, value]) => {
    const line = new RegExp(`^readonly ${name}='[^']*'$`, "m");
    if (!line.test(text)) throw new Error(`no parameter ${name}`);
    return text.replace(line, `readonly ${name}='${value}'`);
  }, script);
}

/**
 * The script with every absolute path parameter not yet under `root` moved under it (`/etc/x` -> `<root>/etc/x`),
 * then `overrides` applied, and `/usr/local/bin/etcdctl ` calls sent to `etcdctl` (a stand-in on PATH).
 */
export function sandboxed(script: string, root: string, overrides: Record<string, string | number> = {}): string {
  const moved = script.replace(/^readonly ([A-Z][A-Z0-9_]*)='(\/[^']*)'$/gm, (line, name: string, value: string) =>
    value.startsWith(`${root}/`) ? line : `readonly ${name}='${root}${value}'`,
  );
  return withParameters(moved, overrides).replaceAll("/usr/local/bin/etcdctl ", "etcdctl ");
}
