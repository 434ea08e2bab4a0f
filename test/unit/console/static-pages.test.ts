import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

/**
 * Static checks over every console page and script in public/, so a page
 * added later keeps the rules the Content-Security-Policy relies on (no
 * inline script, style or event handler; nothing loaded from elsewhere),
 * and user-written text can only ever reach the page as text.
 * The browser tests catch what a page does at run time; this catches what
 * a file says before anyone opens it.
 */

const publicDir = fileURLToPath(new URL("../../../public/", import.meta.url));

async function filesEndingWith(suffix: string, under: string): Promise<string[]> {
  const entries = await readdir(under, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.includes(`${publicDir}vendor/`));
}

/** The markup without comments, and each start tag (name and attribute text). */
function startTags(html: string): { name: string; attributes: string; raw: string }[] {
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, "");
  return [...withoutComments.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>/g)].map((match) => ({
    name: match[1]!.toLowerCase(),
    attributes: match[2] ?? "",
    raw: match[0],
  }));
}

/** The problems a page has; an empty list when it keeps every rule. */
export function pageProblems(html: string): string[] {
  const problems: string[] = [];
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, "");
  for (const tag of startTags(html)) {
    if (tag.name === "style") problems.push(`inline <style>: ${tag.raw}`);
    if (/\sstyle\s*=/i.test(tag.attributes)) problems.push(`style attribute: ${tag.raw}`);
    if (/\son[a-z]+\s*=/i.test(tag.attributes)) problems.push(`inline event handler: ${tag.raw}`);
    if (/=\s*["']?\s*javascript:/i.test(tag.attributes)) problems.push(`javascript: URL: ${tag.raw}`);
    if (tag.name === "script" && !/\ssrc\s*=/i.test(tag.attributes)) problems.push(`<script> without src: ${tag.raw}`);
    const external = /\s(?:src|href)\s*=\s*["']?((?:https?:)?\/\/[^"'\s>]+)/i.exec(tag.attributes);
    if (external && (tag.name === "script" || tag.name === "link" || tag.name === "img")) problems.push(`loaded from elsewhere: ${tag.raw}`);
  }
  for (const script of withoutComments.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) {
    if (script[1]!.trim() !== "") problems.push(`inline script body: ${script[0].slice(0, 80)}`);
  }
  return problems;
}

/** Form controls with neither a <label for=…> nor a <label> around them, and ids used twice. */
export function labelProblems(html: string): string[] {
  const tags = startTags(html);
  const insideLabels = [...html.replace(/<!--[\s\S]*?-->/g, "").matchAll(/<label\b[^>]*>([\s\S]*?)<\/label>/gi)].map((match) => match[1]!).join("\n");
  const ids = tags.map((tag) => /\sid\s*=\s*"([^"]+)"/.exec(tag.attributes)?.[1]).filter((id): id is string => id !== undefined);
  const labelled = new Set(tags.filter((tag) => tag.name === "label").map((tag) => /\sfor\s*=\s*"([^"]+)"/.exec(tag.attributes)?.[1]));
  const problems = ids.filter((id, index) => ids.indexOf(id) !== index).map((id) => `duplicate id ${id}`);
  for (const tag of tags) {
    if (!["input", "select", "textarea"].includes(tag.name) || /type\s*=\s*"hidden"/.test(tag.attributes)) continue;
    const id = /\sid\s*=\s*"([^"]+)"/.exec(tag.attributes)?.[1];
    const wrapped = insideLabels.includes(tag.raw);
    if (!wrapped && (!id || !labelled.has(id))) problems.push(`no label: ${tag.raw}`);
  }
  return problems;
}

/** Ways a script could turn text into markup or code. */
const unsafeSinks = [/\.innerHTML\s*=/, /\.outerHTML\s*=/, /insertAdjacentHTML\s*\(/, /document\.write\s*\(/, /\beval\s*\(/, /new\s+Function\s*\(/, /setAttribute\(\s*["'](style|on[a-z]+)["']/];

export function scriptProblems(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return unsafeSinks.filter((sink) => sink.test(code)).map((sink) => `uses ${sink.source}`);
}

describe("the checks themselves", () => {
  test("catch each kind of inline code, style and handler", () => {
    expect(pageProblems('<script src="/a.js"></script><p>ok</p>')).toEqual([]);
    expect(pageProblems("<script>alert(1)</script>")).toHaveLength(2);
    expect(pageProblems('<script type="module">import "/a.js"</script>')).toHaveLength(2);
    expect(pageProblems("<style>p{}</style>")).toHaveLength(1);
    expect(pageProblems('<p style="color:red">x</p>')).toHaveLength(1);
    expect(pageProblems('<button onclick="go()">x</button>')).toHaveLength(1);
    expect(pageProblems('<a href="javascript:go()">x</a>')).toHaveLength(1);
    expect(pageProblems('<script src="https://cdn.example/x.js"></script>')).toHaveLength(1);
    expect(pageProblems("<!-- <script>commented out</script> -->")).toEqual([]);
  });

  test("catch unlabelled inputs, duplicate ids and unsafe sinks", () => {
    expect(labelProblems('<label for="a">A</label><input id="a">')).toEqual([]);
    expect(labelProblems('<input id="a">')).toHaveLength(1);
    expect(labelProblems('<label><input type="radio" name="r"> R</label>')).toEqual([]);
    expect(labelProblems('<label>R</label><input type="radio" name="r">')).toHaveLength(1);
    expect(labelProblems('<label for="a">A</label><input id="a"><p id="a"></p>')).toHaveLength(1);
    expect(scriptProblems("el.textContent = text;")).toEqual([]);
    expect(scriptProblems("el.innerHTML = text;")).toHaveLength(1);
    expect(scriptProblems("el.setAttribute('onclick', x)")).toHaveLength(1);
    expect(scriptProblems("// innerHTML = is mentioned in a comment only")).toEqual([]);
  });
});

describe("console pages in public/", () => {
  test("there are pages to check (the sign-in and account pages at least)", async () => {
    const pages = (await filesEndingWith(".html", publicDir)).map((path) => relative(publicDir, path));
    expect(pages).toEqual(expect.arrayContaining(["index.html", "account.html"]));
  });

  test("no HTML file has inline script, inline style, an inline handler, or a resource from elsewhere", async () => {
    const found: Record<string, string[]> = {};
    for (const path of await filesEndingWith(".html", publicDir)) {
      const problems = pageProblems(await readFile(path, "utf8"));
      if (problems.length > 0) found[relative(publicDir, path)] = problems;
    }
    expect(found).toEqual({});
  });

  test("every form control has a label, and no id is used twice", async () => {
    const found: Record<string, string[]> = {};
    for (const path of await filesEndingWith(".html", publicDir)) {
      const problems = labelProblems(await readFile(path, "utf8"));
      if (problems.length > 0) found[relative(publicDir, path)] = problems;
    }
    expect(found).toEqual({});
  });

  test("no console script writes markup or code from strings (user text goes in as text)", async () => {
    const found: Record<string, string[]> = {};
    for (const path of await filesEndingWith(".js", `${publicDir}assets/`)) {
      const problems = scriptProblems(await readFile(path, "utf8"));
      if (problems.length > 0) found[relative(publicDir, path)] = problems;
    }
    expect(found).toEqual({});
  });
});
