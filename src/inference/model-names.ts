/**
 * How model names compare: Ollama's `:latest` default and the globs that
 * users' and keys' model lists are written in (`*` any run of characters,
 * `?` one). Plain functions with no imports, shared by the model policy
 * (src/inference/model-policy.ts), key scopes and the usage statistics.
 */

export function globMatches(glob: string, name: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`, "i").test(name);
}

/** `name@sha256:<hex>` pins a digest; policy applies to the name it pins. */
export function withoutDigest(name: string): string {
  return name.replace(/@sha256[:-][0-9a-f]{64}$/i, "");
}

/** Ollama resolves a bare name to `:latest`; policy must see the same name. */
export function canonicalModel(name: string): string {
  const bare = withoutDigest(name);
  return bare.includes(":") ? bare : `${bare}:latest`;
}
