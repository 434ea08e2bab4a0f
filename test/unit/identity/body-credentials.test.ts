import { describe, expect, test } from "vitest";
import { findBodyAuth } from "../../../src/auth/body-credentials";

const auth = { username: "ana", password: "p{a}s\"s[" };

describe("findBodyAuth: POST /chat's credentials in a body's first slice", () => {
  test("auth first, and auth after other members, however they are written", () => {
    expect(findBodyAuth(JSON.stringify({ auth, messages: [] }))).toEqual({ found: true, value: auth });
    const before = { model: "m", note: 'a "quoted" {brace} [bracket] \\ back\\"slash', n: -1.5e3, ok: true, none: null, list: [{ auth: "nested" }, [1, [2]]] };
    expect(findBodyAuth(JSON.stringify({ ...before, auth }))).toEqual({ found: true, value: auth });
    expect(findBodyAuth(`  {\n "model" : "m" ,\t"\\u0061uth" : ${JSON.stringify(auth)} }`)).toEqual({ found: true, value: auth });
  });

  test("only the top-level key `auth`, exactly as JSON.parse reads it", () => {
    expect(findBodyAuth(JSON.stringify({ Auth: auth }))).toEqual({ found: false, why: "absent" });
    expect(findBodyAuth(JSON.stringify({ messages: [{ role: "user", content: "x", auth }], options: { auth } }))).toEqual({ found: false, why: "absent" });
    expect(findBodyAuth(JSON.stringify({ prompt: '"auth":{"username":"x","password":"y"}' }))).toEqual({ found: false, why: "absent" });
    expect(findBodyAuth("[1]")).toEqual({ found: false, why: "absent" });
    expect(findBodyAuth("{}")).toEqual({ found: false, why: "absent" });
  });

  test("a slice that ends before auth does is beyond the slice, wherever it is cut", () => {
    const text = JSON.stringify({ model: "m", prompt: "x".repeat(50), auth, n: 12 });
    const authEnd = text.indexOf(JSON.stringify(auth)) + JSON.stringify(auth).length;
    for (let cut = 0; cut < authEnd; cut++) expect(findBodyAuth(text.slice(0, cut)), text.slice(0, cut)).toEqual({ found: false, why: "beyond_slice" });
    for (let cut = authEnd; cut <= text.length; cut++) expect(findBodyAuth(text.slice(0, cut))).toEqual({ found: true, value: auth });
  });

  test("what is not JSON is malformed", () => {
    for (const text of ['{"a" 1, "auth": {}}', '{"a": 1 "auth": {}}', "{a: 1}", '{"a": , "auth": {}}', '{"auth": {"username": x}}']) {
      expect(findBodyAuth(text), text).toEqual({ found: false, why: "malformed" });
    }
  });

  test("agrees with JSON.parse on generated bodies", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['"', "\\", "{", "}", "[", "]", ",", ":", "auth", "é", "\u2028", " "];
    const text = () => Array.from({ length: Math.floor(random() * 8) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 2 ? 4 : 6));
      if (kind === 0) return text();
      if (kind === 1) return Math.floor(random() * 1e6) / 7;
      if (kind === 2) return random() < 0.5;
      if (kind === 3) return null;
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [text(), value(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const body = Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [text(), value(0)]));
      if (random() < 0.5) body.auth = value(0);
      const json = JSON.stringify(body);
      const parsed = JSON.parse(json) as Record<string, unknown>;
      expect(findBodyAuth(json), json).toEqual("auth" in parsed ? { found: true, value: parsed.auth } : { found: false, why: "absent" });
    }
  });
});
