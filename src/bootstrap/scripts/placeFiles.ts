import { bashScript } from "./shell";

/** Options of {@link placeFilesScript}. */
export interface PlaceFilesOptions {
  /** Directories under which files may be written; anything else in the bundle is refused. */
  allowedDirectories: string[];
  /**
   * Also keep a pristine copy of every placed file under this root-only directory (at `<dir><absolute path>`,
   * same mode), for the kubeadm steps to restore after `kubeadm reset` deleted them. `""` keeps none.
   * @default "" (control planes use `paths.placedFilesDir`)
   */
  pristineCopyDir?: string;
}

/**
 * Writes the files of a bundle ({@link renderFileBundle}) read from standard input, atomically and only
 * when their content or mode changed, and (with `pristineCopyDir`) keeps a pristine copy of each. Prints the paths
 * it changed, never the content.
 */
export function placeFilesScript(options: PlaceFilesOptions): string {
  const pristine = options.pristineCopyDir ?? "";
  if (pristine !== "" && !/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(pristine)) {
    throw new Error(`place files: pristineCopyDir must be an absolute plain path, got ${JSON.stringify(pristine)}`);
  }
  return bashScript(
    "place files (certificates, keys, configuration) received on standard input",
    { ALLOWED_DIRECTORIES: options.allowedDirectories.join(" "), PRISTINE_DIR: pristine },
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
  if [ -n "$PRISTINE_DIR" ]; then
    copy="$PRISTINE_DIR$path"
    if ! { [ -f "$copy" ] && cmp -s "$path" "$copy" && [ "$(stat -c %a "$copy")" = "\${mode#0}" ]; }; then
      mkdir -p "$(dirname "$copy")"
      cp -p "$path" "$copy.tmp"
      mv -f "$copy.tmp" "$copy"
    fi
  fi
done
echo "$changed file(s) written, $unchanged unchanged"
`,
  );
}
