import { stringify } from "yaml";

/**
 * Stringifies one plain object as a YAML document. Long strings are never folded (`lineWidth: 0`), so a
 * shell command or an apt source line comes out on one line, exactly as given.
 *
 * @param value - A plain object (no class instances, no `undefined` values that matter).
 * @returns The YAML text, ending in a newline.
 */
export function toYaml(value: object): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0 });
}

/**
 * Stringifies several objects as one multi-document YAML stream, separated by `---` lines, as kubeadm reads
 * from a single `--config` file.
 *
 * @param documents - The documents, in order.
 * @returns The YAML stream, ending in a newline.
 */
export function toYamlDocuments(documents: readonly object[]): string {
  return documents.map(toYaml).join("---\n");
}
