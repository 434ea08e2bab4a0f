import { describe, expect, test } from "vitest";
import { BodyEdits } from "../../../src/body/edits";
import { foldKey, foldRune, foldedGet } from "../../../src/body/fold";
import { foldedLayout } from "../../../src/body/received";
import { scanJson } from "../../../src/body/scan";

/**
 * Keys as Ollama's Go decoder matches them, duplicates JSON.parse hides, and
 * edits that keep the client's bytes.
 */

describe("folding as Go's encoding/json does it", () => {
  test("ASCII case and the two runes that fold into ASCII", () => {
    expect(foldKey("Model")).toBe(foldKey("model"));
    expect(foldKey("MAX_TOKENS")).toBe(foldKey("max_tokens"));
    expect(foldKey("\u212Aeep_alive")).toBe(foldKey("keep_alive")); // KELVIN SIGN
    expect(foldKey("\u017Ftream")).toBe(foldKey("stream")); // LONG S
    expect(foldKey("model")).not.toBe(foldKey("modell"));
    // Go's caseOrbit keeps dotted and dotless i apart from i.
    expect(foldKey("\u0131nput")).not.toBe(foldKey("input"));
    expect(foldKey("\u0130nput")).not.toBe(foldKey("input"));
  });

  test("every rune folds to a rune equal to it under Unicode simple case folding", () => {
    for (let rune = 0x80; rune < 0x10000; rune++) {
      if (rune >= 0xd800 && rune <= 0xdfff) continue;
      const folded = foldRune(rune);
      if (folded === rune) continue;
      const pattern = new RegExp(`^${String.fromCodePoint(folded).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "iu");
      expect(pattern.test(String.fromCodePoint(rune)), rune.toString(16)).toBe(true);
    }
  });

  test("orbits of more than two runes fold to one rune", () => {
    expect(new Set(["\u03B8", "\u0398", "\u03D1", "\u03F4"].map((c) => foldKey(c))).size).toBe(1); // θ Θ ϑ ϴ
    expect(new Set(["\u00E5", "\u00C5", "\u212B"].map((c) => foldKey(c))).size).toBe(1); // å Å Å
    expect(new Set(["\u00DF", "\u1E9E"].map((c) => foldKey(c))).size).toBe(1); // ß ẞ
  });

  test("foldedGet prefers the exact key, then the folded one", () => {
    expect(foldedGet({ Model: "a" }, "model")).toBe("a");
    expect(foldedGet({ model: "b" }, "model")).toBe("b");
    expect(foldedGet({ other: 1 }, "model")).toBeUndefined();
  });
});

describe("duplicate keys under folding are refused, at any depth", () => {
  test.each([
    ['{"model":"a","model":"b"}', "model repeats model"],
    ['{"model":"llama3.2","Model":"secret"}', "Model repeats model"],
    ['{"options":{"num_ctx":1},"Options":{}}', "Options repeats options"],
    ['{"options":{"num_ctx":1,"NUM_CTX":2}}', "options.NUM_CTX repeats options.num_ctx"],
    ['{"stream":true,"\u017Ftream":false}', "\u017Ftream repeats stream"],
    ['{"keep_alive":1,"\u212Aeep_alive":-1}', "\u212Aeep_alive repeats keep_alive"],
    ['{"messages":[{"role":"user","content":"a","Content":"b"}]}', "messages.0.Content repeats messages.0.content"],
    ['{"a":[[{"x":{"y":1,"Y":2}}]]}', "a.0.0.x.Y repeats a.0.0.x.y"],
    ['{"\\u006dodel":"a","model":"b"}', "model repeats model"],
  ])("%s", (text, where) => {
    expect(scanJson(text).duplicate).toBe(where);
    expect(() => foldedLayout(text)).toThrow(where);
  });

  test("distinct keys, keys inside strings and escaped quotes pass", () => {
    const text = '{"a":"{\\"a\\":1,\\"A\\":2}","b":{"c":[1,"x\\\\",{"d":null}]},"models":1,"model":2}';
    expect(scanJson(text).duplicate).toBeNull();
    expect(scanJson("[1,2]")).toEqual({ duplicate: null, root: null });
  });

  test("the layout records the top-level members and those of top-level objects", () => {
    const text = ' { "model" : "m", "options": {"seed": 1 } } ';
    const root = scanJson(text).root!;
    expect(root.members.map((m) => [m.key, text.slice(m.keyStart, m.valueEnd)])).toEqual([
      ["model", '"model" : "m"'],
      ["options", '"options": {"seed": 1 }'],
    ]);
    expect(root.members[1]!.child!.members.map((m) => text.slice(m.valueStart, m.valueEnd))).toEqual(["1"]);
  });
});

describe("edits", () => {
  const apply = (text: string, edit: (edits: BodyEdits) => void) => {
    const edits = new BodyEdits();
    edit(edits);
    return edits.apply(text, scanJson(text).root!);
  };

  test("set replaces in place (canonical spelling), appends when absent, creates a missing parent", () => {
    expect(apply('{"a":1,"MAX_TOKENS":5,"b":2}', (e) => e.set(["max_tokens"], 9))).toBe('{"a":1,"max_tokens":9,"b":2}');
    expect(apply('{"a":1}', (e) => e.set(["max_tokens"], 9))).toBe('{"a":1,"max_tokens":9}');
    expect(apply("{}", (e) => e.set(["options", "num_predict"], 9))).toBe('{"options":{"num_predict":9}}');
    expect(apply('{"options":null,"x":1}', (e) => e.set(["options", "num_predict"], 9))).toBe('{"options":{"num_predict":9},"x":1}');
  });

  test("remove drops the member under any spelling; nothing else moves", () => {
    expect(apply('{"Auth":{"password":"p"},"model":"m"}', (e) => e.remove(["auth"]))).toBe('{"model":"m"}');
    expect(apply('{"model":"m","auth":{}}', (e) => e.remove(["auth"]))).toBe('{"model":"m"}');
    expect(apply('{"model":"m"}', (e) => e.remove(["options", "x"]))).toBe('{"model":"m"}');
  });

  test("an empty edit list changes nothing and says so", () => {
    expect(new BodyEdits().size).toBe(0);
  });
});
