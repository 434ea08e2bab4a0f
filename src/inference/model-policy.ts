import { GatehouseError } from "../errors";
import type { Principal } from "../auth/principal";

/**
 * Which models a caller may use. The allowed list is a set of globs (`*`
 * any run of characters, `?` one), from the user's limits narrowed by the
 * key's scope. Models that run off the box (Ollama's `:cloud` and `-cloud`
 * tags send prompts to ollama.com) are refused unless an admin allowed them.
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

/**
 * As Ollama decides it (internal/modelref parseSourceSuffix): the text after
 * the last `:`, trimmed and in any case, is `cloud` or ends in `-cloud`.
 */
export function isCloudModel(name: string): boolean {
  const bare = withoutDigest(name).trim();
  const colon = bare.lastIndexOf(":");
  if (colon < 0) return false;
  const suffix = bare.slice(colon + 1).trim().toLowerCase();
  return suffix === "cloud" || (!suffix.includes("/") && suffix.endsWith("-cloud"));
}

export function modelAllowed(principal: Principal, name: string): boolean {
  if (isCloudModel(name) && !principal.allowCloudModels) return false;
  const allowed = principal.limits.models;
  if (allowed === null) return true;
  const canonical = canonicalModel(name);
  const bare = withoutDigest(name);
  return allowed.some((glob) => globMatches(glob, bare) || globMatches(glob, canonical));
}

export function assertModelAllowed(principal: Principal, name: string): void {
  if (!modelAllowed(principal, name)) {
    throw new GatehouseError("model_not_allowed", { message: `The model "${name}" is not allowed for you.` });
  }
}
