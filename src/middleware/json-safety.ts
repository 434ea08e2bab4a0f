import { GatehouseError } from "../errors";

/**
 * Checks a parsed JSON body for what no honest client sends and no schema
 * should have to think about: nesting deeper than any API here uses, keys
 * that pollute prototypes when copied (`__proto__`, `constructor`,
 * `prototype`), NUL characters, and unpaired UTF-16 surrogates (which
 * re-encode as something other than what was sent). Iterative, so a hostile
 * nesting depth cannot blow the stack.
 */
const maxDepth = 32;
const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

export function assertSafeJson(root: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: "body", depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === "string") {
      checkString(value, path);
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth >= maxDepth) reject(path, `nested deeper than ${maxDepth} levels`);
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}.${index}`, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (forbiddenKeys.has(key)) reject(path, `the key "${key}" is not accepted`);
      checkString(key, `${path} key`);
      stack.push({ value: item, path: path === "body" ? key : `${path}.${key}`, depth: depth + 1 });
    }
  }
}

function checkString(value: string, path: string): void {
  if (value.includes("\u0000")) reject(path, "contains a NUL character");
  if (!value.isWellFormed()) reject(path, "contains an unpaired UTF-16 surrogate");
}

function reject(path: string, problem: string): never {
  // The message names where, never echoes the value.
  throw new GatehouseError("invalid_request", { message: `${path.replace(/^body\./, "")}: ${problem}` });
}
