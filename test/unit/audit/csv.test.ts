import { describe, expect, test } from "vitest";
import { csvCell, csvRow, neutralise } from "../../../src/audit/csv";

describe("CSV cells (RFC 4180)", () => {
  test("plain text and numbers pass unquoted; null is empty", () => {
    expect(csvRow(["abc", 42, true, null, undefined])).toBe("abc,42,true,,\r\n");
  });

  test("commas, quotes, CR and LF are quoted, quotes doubled", () => {
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("line 1\nline 2")).toBe('"line 1\nline 2"');
    expect(csvCell("line 1\r\nline 2")).toBe('"line 1\r\nline 2"');
  });

  test("UTF-8 text passes as it is", () => {
    expect(csvCell("héllo 😀 日本")).toBe("héllo 😀 日本");
  });
});

describe("formula neutralisation", () => {
  test.each(["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("http://x","y")'])("%j gets a leading apostrophe", (value) => {
    expect(neutralise(value)).toBe(`'${value}`);
    expect(csvCell(value).replace(/^"/, "")).toMatch(/^'/);
  });

  test("a neutralised cell that needs quoting is quoted around the apostrophe", () => {
    expect(csvCell('=cmd|"/c calc"!A1')).toBe(`"'=cmd|""/c calc""!A1"`);
    expect(csvCell("\rx")).toBe(`"'\rx"`);
  });

  test("text starting with anything else is left alone", () => {
    for (const value of ["a=1", " =1", "1-2", "email@example.com", "'quoted"]) expect(neutralise(value)).toBe(value);
  });
});
