/**
 * The words of issue 16 (many engines behind one gate), shared by the
 * catalog, routing, translation and governance. Nothing here imports anything.
 */

/** What a backend speaks: Ollama's API, any OpenAI-compatible server, or Anthropic's Messages API. */
export const backendKinds = ["ollama", "openai", "anthropic"] as const;
export type BackendKind = (typeof backendKinds)[number];

/** Where prompts go: this box, another box of ours, or outside the organisation. Ordered from nearest. */
export const dataBoundaries = ["local", "lan", "cloud"] as const;
export type DataBoundary = (typeof dataBoundaries)[number];

/** The name of the built-in backend: the upstream named by GATEHOUSE_OLLAMA. */
export const builtInBackendName = "local";

/** US dollars per million tokens. */
export interface BackendPrices {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** A backend as the catalog describes it: safe to list (no credential). */
export interface Backend {
  id: string;
  /** Unique (case-insensitive), `[a-z0-9][a-z0-9-]*`; the prefix in an explicit `backend/model`. */
  name: string;
  kind: BackendKind;
  /**
   * The base URL, as one gives it to that kind's own SDK: `http://box:11434`
   * (ollama), `http://box:8000/v1` or `https://api.openai.com/v1` (openai),
   * `https://api.anthropic.com` (anthropic). http(s) only; no user info,
   * query or fragment.
   */
  url: string;
  /** Requests in flight at once: that backend's GPU gate. */
  slots: number;
  /** Higher is tried first. */
  priority: number;
  enabled: boolean;
  boundary: DataBoundary;
  /** A fixed model list, or null: discovered from /api/tags or /v1/models. */
  models: string[] | null;
  prices: BackendPrices | null;
  /** Whether a credential is stored (its value is never listed). */
  hasCredential: boolean;
  /** "builtin" for `local`, "file" when declared in GATEHOUSE_BACKENDS_FILE, else "api". */
  source: "builtin" | "file" | "api";
}

/** Micro-dollars for a request's tokens at a backend's prices (null when it has none). */
export function costMicros(prices: BackendPrices | null, promptTokens: number, completionTokens: number): number | null {
  if (!prices) return null;
  return Math.round(promptTokens * prices.inputPerMTok + completionTokens * prices.outputPerMTok);
}
