/** A strict RFC 4180 reader for tests: fails on anything malformed rather than guessing. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let cell = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) throw new Error("unterminated quoted field");
        cell += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          cell += '"';
          i += 1;
        } else break;
      }
    } else {
      const end = text.slice(i).search(/[,\r\n"]/);
      const stop = end < 0 ? text.length : i + end;
      if (text[stop] === '"') throw new Error(`stray quote at ${stop}`);
      cell = text.slice(i, stop);
      i = stop;
    }
    row.push(cell);
    if (text[i] === ",") {
      i += 1;
      continue;
    }
    if (text.startsWith("\r\n", i)) {
      rows.push(row);
      row = [];
      i += 2;
      if (i === text.length) return rows;
      continue;
    }
    if (i === text.length) throw new Error("last record not ended by CRLF");
    throw new Error(`unexpected character at ${i}: ${JSON.stringify(text[i])}`);
  }
}
