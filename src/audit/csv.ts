/**
 * CSV as RFC 4180 writes it (comma-separated, CRLF line ends, a field quoted
 * when it holds a quote, comma, CR or LF, quotes doubled), UTF-8, with cells
 * that a spreadsheet would run as a formula neutralised: a cell starting with
 * = + - @ TAB or CR gets a leading apostrophe (OWASP's CSV injection advice).
 * Audit cells carry prompts and model answers, which anyone can steer.
 */

export type CsvValue = string | number | boolean | null | undefined;

const formulaStart = /^[=+\-@\t\r]/;

export function neutralise(text: string): string {
  return formulaStart.test(text) ? `'${text}` : text;
}

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  const text = neutralise(typeof value === "string" ? value : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
