/** A file the program places on a machine. */
export interface BundledFile {
  /** Absolute path on the machine. */
  path: string;
  /** Octal mode, e.g. `0600` for keys, `0644` for certificates. */
  mode: string;
  /** File content (may be a secret: the bundle travels on the command's standard input only). */
  content: string;
}

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
const MODE = /^0[0-7]{3}$/;

/**
 * Encodes files for the `place-files` step's standard input: one line per file, `MODE PATH BASE64`.
 * Secrets never enter the command text this way; the script checks every path and mode again.
 */
export function renderFileBundle(files: BundledFile[]): string {
  const seen = new Set<string>();
  return files
    .map((file) => {
      if (!SAFE_PATH.test(file.path) || file.path.split("/").includes("..")) {
        throw new Error(`bundled file path ${JSON.stringify(file.path)} must be absolute and plain`);
      }
      if (!MODE.test(file.mode)) {
        throw new Error(`bundled file ${file.path}: mode ${JSON.stringify(file.mode)} must look like 0600`);
      }
      if (seen.has(file.path)) {
        throw new Error(`bundled file ${file.path} appears twice`);
      }
      seen.add(file.path);
      return `${file.mode} ${file.path} ${Buffer.from(file.content, "utf8").toString("base64")}\n`;
    })
    .join("");
}
