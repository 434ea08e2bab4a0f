/**
 * Aligned plain-text tables for a terminal: a header row, then one row per
 * item, columns padded to their widest cell. Numbers are right-aligned so
 * they line up by magnitude.
 */
export type Cell = string | number | boolean | null | undefined;

export interface Column<T> {
  header: string;
  value: (row: T) => Cell;
  align?: "left" | "right";
}

export function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return "-";
  return String(cell).replace(/[\r\n\t]+/g, " ");
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => cellText(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]!.length)));
  const line = (texts: string[]) =>
    texts
      .map((text, i) => (columns[i]!.align === "right" ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...cells.map(line)].join("\n");
}

/** "name: value" lines with the names padded, for one record. */
export function renderFields(fields: ReadonlyArray<readonly [string, Cell]>): string {
  const width = Math.max(...fields.map(([name]) => name.length));
  return fields.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${cellText(value)}`).join("\n");
}

/** A time in ms since the epoch as an ISO minute, or "-". */
export function shortTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
