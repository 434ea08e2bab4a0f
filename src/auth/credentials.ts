/**
 * What a request presents as proof of identity, read from the Authorization
 * header. Parsing only: checking happens in src/auth/identify.ts.
 */

export type PresentedCredential =
  | { kind: "bearer"; token: string }
  | { kind: "basic"; username: string; password: string };

/** Longest Authorization value considered; anything longer is refused unread. */
const maxHeaderLength = 4096;

/**
 * The credential in an Authorization header; null when there is none;
 * "malformed" when there is one we cannot read (answered 401, like a wrong one).
 */
export function parseAuthorization(header: string | undefined): PresentedCredential | null | "malformed" {
  if (header === undefined || header.trim() === "") return null;
  if (header.length > maxHeaderLength) return "malformed";
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match) return "malformed";
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === "bearer") return { kind: "bearer", token: value };
  if (scheme === "basic") return parseBasic(value);
  return "malformed";
}

/**
 * The credential of a request that may also carry Anthropic's `x-api-key`
 * header (Claude Code and the Anthropic SDKs send the key there). The key in
 * x-api-key counts as a bearer key; when both headers are sent they must
 * name the same key, so one request never presents two identities.
 */
export function parseCredentialHeaders(authorization: string | undefined, apiKey: string | undefined): PresentedCredential | null | "malformed" {
  const fromAuthorization = parseAuthorization(authorization);
  if (apiKey === undefined || apiKey.trim() === "") return fromAuthorization;
  if (apiKey.length > maxHeaderLength || !/^\S+$/.test(apiKey.trim())) return "malformed";
  const token = apiKey.trim();
  if (fromAuthorization === null) return { kind: "bearer", token };
  if (fromAuthorization !== "malformed" && fromAuthorization.kind === "bearer" && fromAuthorization.token === token) return fromAuthorization;
  return "malformed";
}

function parseBasic(encoded: string): PresentedCredential | "malformed" {
  let decoded: string;
  try {
    const bytes = Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0));
    // RFC 7617: UTF-8 is what clients send when asked (charset="UTF-8").
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return "malformed";
  }
  const colon = decoded.indexOf(":");
  if (colon <= 0) return "malformed";
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username.length > 320 || password.length === 0 || password.length > 1024) return "malformed";
  return { kind: "basic", username, password };
}
