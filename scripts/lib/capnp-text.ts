/**
 * Cap'n Proto text literals for the generated workerd config. A value can be
 * anything (a PEM key, a worker bundle, a setting from the environment), so
 * strings are written byte by byte: printable ASCII as it is, everything else
 * (newlines, quotes, control characters, UTF-8) as an escape. No value can
 * end the literal early or add a field to the config.
 */

/** A capnp string literal holding exactly `value`. */
export function capnpString(value: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(value)) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x0a) out += "\\n";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** A capnp value: strings quoted, booleans and numbers bare, arrays and structs recursively. */
export type CapnpValue = string | number | boolean | CapnpValue[] | { [field: string]: CapnpValue | undefined } | CapnpRaw;

/** A value written as it is (an enum name, `void`). */
export class CapnpRaw {
  constructor(readonly text: string) {}
}

export function capnpValue(value: CapnpValue, indent = ""): string {
  if (value instanceof CapnpRaw) return value.text;
  if (typeof value === "string") return capnpString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => `${inner}${capnpValue(item, inner)}`).join(",\n")}\n${indent}]`;
  }
  const fields = Object.entries(value).filter((entry): entry is [string, CapnpValue] => entry[1] !== undefined);
  if (fields.length === 0) return "()";
  return `(\n${fields.map(([name, field]) => `${inner}${name} = ${capnpValue(field, inner)}`).join(",\n")}\n${indent})`;
}
