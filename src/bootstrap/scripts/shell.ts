import { paths } from "../paths";

/** Quotes a value for POSIX shells: the result is one word whatever the value holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `readonly NAME='value'` lines for a script's parameters (never secrets: they end up in the command text). */
export function shellAssignments(values: Record<string, string | number | boolean>): string {
  return Object.entries(values)
    .map(([name, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
        throw new Error(`shell variable name ${JSON.stringify(name)} must be UPPER_SNAKE_CASE`);
      }
      return `readonly ${name}=${shellQuote(String(value))}`;
    })
    .join("\n");
}

/**
 * A complete bash script: strict mode, a description comment, parameters, then the body.
 * Every step script is built with it so all share the same header.
 */
export function bashScript(description: string, parameters: Record<string, string | number | boolean>, body: string): string {
  const header = ["#!/usr/bin/env bash", `# pulumi-k8s-ha: ${description}`, "set -euo pipefail"];
  const assignments = shellAssignments(parameters);
  return [...header, ...(assignments ? [assignments] : []), body.trim(), ""].join("\n");
}

/**
 * The text a remote command runs: the script as root, through `sudo -n` when the SSH user is not root.
 * Standard input (where secrets travel) is passed through untouched to the script.
 */
export function asRootCommand(script: string): string {
  const quoted = shellQuote(script);
  return [
    `PKH_SCRIPT=${quoted}`,
    `if [ "$(id -u)" -eq 0 ]; then exec bash -c "$PKH_SCRIPT"; else exec sudo -n bash -c "$PKH_SCRIPT"; fi`,
    "",
  ].join("\n");
}

/**
 * Long script bodies live in `String.raw` literals, where bash's `${...}` would be TypeScript interpolation:
 * they write `@{...}` instead, turned into `${...}` here.
 */
export function bashBraces(body: string): string {
  return body.replace(/@\{/g, "${");
}

/** The script inside a command text made by {@link asRootCommand} (for tests and mocks that read parameters). */
export function scriptOfRootCommand(command: string): string {
  const match = /^PKH_SCRIPT='((?:[^']|'\\'')*)'$/m.exec(command);
  return match ? match[1].replace(/'\\''/g, "'") : command;
}

/**
 * Bash function `etcdctl_at ENDPOINTS ARGS...`: the pinned upstream etcdctl (`paths.etcdctlBinary`, v3 API, the
 * only API since 3.4; `ETCDCTL_API` is not set, etcdctl 3.6 warns about it) against the comma-separated client URLs
 * with the script's `CA_FILE`, `CERT_FILE` and `KEY_FILE`, short timeouts (dial 1 s, command 2 s). A caller that
 * needs longer passes its own `--command-timeout` among ARGS: the later flag wins.
 */
export const ETCDCTL_AT = `etcdctl_at() {
  local endpoints="$1"
  shift
  ${paths.etcdctlBinary} --endpoints="$endpoints" --cacert="$CA_FILE" --cert="$CERT_FILE" --key="$KEY_FILE" \\
    --dial-timeout=1s --command-timeout=2s "$@"
}`;

/**
 * Bash function `any_listening URLS`: whether any of the comma-separated `https://host:port` URLs accepts a TCP
 * connection. Instant when refused, where etcdctl would retry until its timeout: on a first bring-up nobody may
 * be listening yet.
 */
export const ANY_LISTENING = bashBraces(String.raw`any_listening() {
  local url hostport
  for url in @{1//,/ }; do
    hostport="@{url#https://}"
    if timeout 1 bash -c ": </dev/tcp/@{hostport%:*}/@{hostport##*:}" 2>/dev/null; then return 0; fi
  done
  return 1
}`);

/** Bash function `url_address URL`: the address in `https://<address>:<port>`, without an IPv6 address's brackets. */
export const URL_ADDRESS = bashBraces(String.raw`url_address() {
  local host="@{1#https://}"
  host="@{host%:*}"
  host="@{host#[}"
  printf '%s' "@{host%]}"
}`);

/**
 * Bash function `preflight_gate ACTION`: before ACTION (e.g. `upgrading cp-1`), runs the quorum gate script the step
 * carries base64-encoded in `PREFLIGHT_GATE_B64` (none when empty); when it does not pass, prints the gate's problems
 * and stops through the script's own `fail`, with `step` naming the gate.
 */
export const PREFLIGHT_GATE = bashBraces(String.raw`preflight_gate() {
  local problems
  [ -n "$PREFLIGHT_GATE_B64" ] || return 0
  step="quorum gate before $1"
  if ! problems="$(bash -c "$(printf '%s' "$PREFLIGHT_GATE_B64" | base64 -d)" 2>&1 >/dev/null)"; then
    printf '%s\n' "$problems" >&2
    fail "the cluster is not healthy enough for $1 (the quorum gate above)"
  fi
  echo "quorum gate passed before $1"
}`);
