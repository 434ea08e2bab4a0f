import { arr, isRecord, num, str, type Json } from "./fields";

/**
 * Model listings from the other kinds, in the route's listing shape:
 * OpenAI's `GET /models` (`data[].id`, `created` in seconds) and
 * Anthropic's `GET /v1/models` (`data[].id`, `created_at` as a date) become
 * Ollama's /api/tags or OpenAI's /v1/models. Sizes and digests are not
 * known for a remote engine's models: 0 and "".
 */

interface Entry {
  id: string;
  created: number;
}

export function entriesOf(answer: Json): Entry[] {
  return arr(answer, "data")
    .filter(isRecord)
    .map((item) => {
      const at = str(item, "created_at");
      const created = num(item, "created") ?? (at ? Math.floor(Date.parse(at) / 1000) : 0);
      return { id: str(item, "id") ?? "", created: Number.isFinite(created) ? created : 0 };
    })
    .filter((entry) => entry.id !== "");
}

export function tagsListing(answer: Json): Json {
  return {
    models: entriesOf(answer).map((entry) => ({
      name: entry.id,
      model: entry.id,
      modified_at: new Date(entry.created * 1000).toISOString(),
      size: 0,
      digest: "",
      details: {},
    })),
  };
}

/** One of Anthropic's model objects (GET /v1/models/:id) as OpenAI's. */
export function openAiModel(answer: Json, ownedBy: string): Json {
  const [entry] = entriesOf({ data: [answer] });
  return { id: entry?.id ?? "", object: "model", created: entry?.created ?? 0, owned_by: ownedBy };
}

export function openAiListing(answer: Json, ownedBy: string): Json {
  return { object: "list", data: entriesOf(answer).map((entry) => ({ id: entry.id, object: "model", created: entry.created, owned_by: ownedBy })) };
}
