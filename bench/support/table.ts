/** A plain-text table: a title, a header row and right-aligned numeric columns (left-aligned first column). */
export function formatTable(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ").trimEnd();
  return [title, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), ""].join("\n");
}
