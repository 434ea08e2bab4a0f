import { z } from "zod";
import { modelName } from "../inference/schemas";
import { backendKinds, builtInBackendName, dataBoundaries } from "./types";

/**
 * What an admin may write into the catalog (admin API, CLI, console) and
 * what the declarative file may declare (scripts/lib/backends-file.ts): the
 * one set of rules for both. Messages name the rule, never the value (a
 * credential, or a URL with one in it, must not come back in an error).
 */

/** Lowercase, `[a-z0-9][a-z0-9-]*`, at most 63: the prefix of an explicit `backend/model`. */
export const backendName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and '-' (at most 63, not starting with '-')");

/** Printable ASCII without spaces: no whitespace or control character can split a URL or a header. */
const printableAscii = /^[\x21-\x7e]+$/;

/**
 * The base URL, normalised: http(s) only; no user info (a credential goes in
 * `credential`, sealed), query or fragment (they would be lost or misread
 * when a path is appended); trailing slashes removed, so `url + "/v1/models"`
 * is one path. Backslashes are refused: URL parsers disagree about them.
 */
export const backendUrl = z
  .string()
  .max(2048)
  .transform((text, ctx) => {
    const url = printableAscii.test(text) && !/[\\?#@]/.test(text) ? parsedUrl(text) : null;
    const problem =
      url === null
        ? "not an absolute http(s) URL without spaces, user info, query or fragment"
        : url.protocol !== "http:" && url.protocol !== "https:"
          ? "only http and https are allowed"
          : url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || url.hostname === ""
            ? "no user info, query or fragment"
            : null;
    if (url === null || problem !== null) {
      ctx.addIssue({ code: "custom", message: problem ?? "invalid URL" });
      return z.NEVER;
    }
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  });

function parsedUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** US dollars per million tokens; both present, finite, not negative. */
const price = z.number().min(0).max(1_000_000);
export const backendPrices = z.strictObject({ inputPerMTok: price, outputPerMTok: price });

/** A fixed model list (distinct names), or null: discovered from the engine. */
export const backendModels = z
  .array(modelName)
  .min(1)
  .max(1000)
  .refine((names) => new Set(names).size === names.length, "names must be distinct");

/**
 * The provider credential (an API key): write-only, printable ASCII, no
 * leading or trailing space — it becomes a header value, where CR/LF would
 * split the request.
 */
export const backendCredential = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/, "printable ASCII without leading or trailing spaces");

const notBuiltIn = (name: string) => name !== builtInBackendName;
const reservedMessage = `"${builtInBackendName}" is the built-in backend (GATEHOUSE_OLLAMA)`;

/** The fields every backend has, as a file declares them (no credential value: see the file's `credentialEnv`). */
export const backendFields = {
  name: backendName.refine(notBuiltIn, reservedMessage),
  kind: z.enum(backendKinds),
  url: backendUrl,
  slots: z.number().int().min(1).max(256).default(1),
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  enabled: z.boolean().default(true),
  /** Required: a cloud provider labelled `local` would let every user's prompts leave. */
  boundary: z.enum(dataBoundaries),
  models: backendModels.nullable().default(null),
  prices: backendPrices.nullable().default(null),
};

/** POST /admin/api/backends. */
export const newBackendBody = z.strictObject({ ...backendFields, credential: backendCredential.optional() });
export type NewBackendInput = z.infer<typeof newBackendBody>;

/** PATCH /admin/api/backends/:id: fields left out keep their value; `credential: null` clears it. */
export const backendPatchBody = z
  .strictObject({
    name: backendFields.name.optional(),
    kind: backendFields.kind.optional(),
    url: backendUrl.optional(),
    slots: z.number().int().min(1).max(256).optional(),
    priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
    enabled: z.boolean().optional(),
    boundary: backendFields.boundary.optional(),
    models: backendModels.nullable().optional(),
    prices: backendPrices.nullable().optional(),
    credential: backendCredential.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, "nothing to change");
export type BackendPatchInput = z.infer<typeof backendPatchBody>;
