import { z } from "zod";
import { foldKey, isRecord } from "./fold";

/**
 * A zod object whose fields are found the way Ollama's decoder finds them:
 * `"Model"`, `"MODEL"` or `"\u212Aeep_alive"` is read as the field it folds
 * to (src/body/fold.ts), so the schema checks — and policy reads — what the
 * engine will use. Unknown fields pass through (adapters pass parameters
 * through). The parsed result spells each known field canonically; it is a
 * view for checking and reading, never what is forwarded.
 */
export function foldedObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const canonical = new Map(Object.keys(shape).map((name) => [foldKey(name), name]));
  return z.preprocess((value) => (isRecord(value) ? canonicalKeys(value, canonical) : value), z.looseObject(shape));
}

function canonicalKeys(record: Record<string, unknown>, canonical: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    // Duplicates under folding were refused when the body was read, so renaming cannot collide.
    const name = canonical.get(foldKey(key)) ?? key;
    out[name] = value;
  }
  return out;
}
