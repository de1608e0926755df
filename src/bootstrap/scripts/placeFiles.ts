import { bashScript } from "./shell";

/** Options of {@link placeFilesScript}. */
export interface PlaceFilesOptions {
  /** Directories under which files may be written; anything else in the bundle is refused. */
  allowedDirectories: string[];
}

/**
 * Writes the files of a bundle ({@link renderFileBundle}) read from standard input, atomically and only
 * when their content or mode changed. Prints the paths it changed, never the content.
 */
export function placeFilesScript(options: PlaceFilesOptions): string {
  return bashScript(
    "place files (certificates, keys, configuration) received on standard input",
    { ALLOWED_DIRECTORIES: options.allowedDirectories.join(" ") },
    `
umask 077
changed=0
unchanged=0
while read -r mode path content; do
  [ -n "$mode" ] || continue
  case "$mode" in 0[0-7][0-7][0-7]) ;; *) echo "refusing mode $mode for $path" >&2; exit 1 ;; esac
  case "$path" in *..*) echo "refusing path $path" >&2; exit 1 ;; esac
  allowed=0
  for directory in $ALLOWED_DIRECTORIES; do
    case "$path" in "$directory"/*) allowed=1 ;; esac
  done
  if [ "$allowed" -ne 1 ]; then
    echo "refusing $path: outside $ALLOWED_DIRECTORIES" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$path")"
  temporary="$(mktemp "$path.XXXXXX")"
  printf '%s' "$content" | base64 -d > "$temporary"
  chmod "$mode" "$temporary"
  if [ -f "$path" ] && cmp -s "$temporary" "$path" && [ "$(stat -c %a "$path")" = "\${mode#0}" ]; then
    rm -f "$temporary"
    unchanged=$((unchanged + 1))
  else
    mv -f "$temporary" "$path"
    echo "wrote $path"
    changed=$((changed + 1))
  fi
done
echo "$changed file(s) written, $unchanged unchanged"
`,
  );
}
