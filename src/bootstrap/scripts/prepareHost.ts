import { aptFunctions } from "../apt";
import { paths } from "../paths";
import { bashScript } from "./shell";

/** Options of {@link prepareHostScript}. Only public values: they land in the command text. */
export interface PrepareHostOptions {
  /** Distro packages that must be installed (apt); only missing ones are installed. */
  packages: string[];
  /** Files to write first (e.g. the node preparation script and a policy-rc.d); rewritten only when changed. */
  files: { path: string; content: string; permissions: string }[];
  /**
   * Program to run after the packages are installed (the node preparation script, which writes the
   * preparation marker). It runs once per content of `files`: when the marker exists and nothing changed, the
   * step is skipped. `""` runs nothing and writes no marker.
   * @default ""
   */
  run?: string;
  /** Refuse machines without systemd (the node preparation scripts manage services with systemctl). @default false */
  requireSystemd?: boolean;
}

/**
 * Prepares a machine the user already has, the way cloud-init prepares a cloud machine: writes the files,
 * installs missing packages (refreshing the package lists only when something is missing; apt waits for the dpkg
 * lock, see `aptFunctions`), then runs the preparation program. Idempotent and safe to re-run.
 */
export function prepareHostScript(options: PrepareHostOptions): string {
  const files = options.files.map((f) => `${f.permissions} ${f.path} ${Buffer.from(f.content, "utf8").toString("base64")}`).join(" ");
  return bashScript(
    "prepare this machine (packages, files, preparation script; idempotent)",
    {
      PACKAGES: options.packages.join(" "),
      FILES: files,
      RUN: options.run ?? "",
      REQUIRE_SYSTEMD: options.requireSystemd ?? false,
      MARKER: paths.preparedMarker,
      CHECKSUM_FILE: `${paths.stateDir}/prepare.sha256`,
    },
    `
if [ "$REQUIRE_SYSTEMD" = true ] && [ ! -d /run/systemd/system ]; then
  echo "$(hostname) does not run systemd: prepare it yourself (see the README, "Machines you already have") and set prepareHosts: false" >&2
  exit 1
fi
checksum="$(printf '%s %s %s' "$PACKAGES" "$FILES" "$RUN" | sha256sum | cut -d' ' -f1)"
if [ -n "$RUN" ] && [ -f "$MARKER" ] && [ "$(cat "$CHECKSUM_FILE" 2>/dev/null || true)" = "$checksum" ]; then
  echo "$(hostname) already prepared"
  exit 0
fi

read -r -a items <<< "$FILES"
for ((i = 0; i + 2 < \${#items[@]}; i += 3)); do
  mode="\${items[i]}" path="\${items[i + 1]}" content="\${items[i + 2]}"
  mkdir -p "$(dirname "$path")"
  temporary="$(mktemp "$path.XXXXXX")"
  printf '%s' "$content" | base64 -d > "$temporary"
  chmod "$mode" "$temporary"
  if [ -f "$path" ] && cmp -s "$temporary" "$path"; then rm -f "$temporary"; else mv -f "$temporary" "$path"; echo "wrote $path"; fi
done

${aptFunctions()}
missing=()
for package in $PACKAGES; do
  dpkg-query -W -f='\${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "\${#missing[@]}" -gt 0 ]; then
  echo "installing \${missing[*]}"
  apt_update
  # A file written above may be a package's conffile (a runtime's config.toml): apt_install keeps ours.
  apt_install "\${missing[@]}"
else
  echo "packages present: \${PACKAGES:-none}"
fi

if [ -n "$RUN" ]; then
  "$RUN"
  mkdir -p "$(dirname "$CHECKSUM_FILE")"
  printf '%s\\n' "$checksum" > "$CHECKSUM_FILE"
fi
echo "$(hostname) prepared"
`,
  );
}
