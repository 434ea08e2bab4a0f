import { arr, compact, get, isRecord, num, obj, str, type Json } from "./fields";

/**
 * Ollama's embedding routes on an OpenAI-compatible /embeddings:
 * /api/embed (`input`: one text or many → `embeddings`, with the prompt
 * count) and the older /api/embeddings (`prompt` → one `embedding`).
 * Vectors are asked for as floats, which is what Ollama's clients read.
 */

export function embedRequest(body: Json, model: string): Json {
  const dimensions = num(body, "dimensions");
  return compact({ model, input: get(body, "input") ?? "", encoding_format: "float", dimensions: dimensions !== undefined && dimensions > 0 ? dimensions : undefined });
}

export function embeddingsRequest(body: Json, model: string): Json {
  return { model, input: str(body, "prompt") ?? "", encoding_format: "float" };
}

function vectors(answer: Json): number[][] {
  return arr(answer, "data")
    .filter(isRecord)
    .sort((a, b) => (num(a, "index") ?? 0) - (num(b, "index") ?? 0))
    .map((item) => arr(item, "embedding").filter((value): value is number => typeof value === "number"));
}

export function embedAnswer(answer: Json, requestedModel: string): Json {
  return {
    model: str(answer, "model") ?? requestedModel,
    embeddings: vectors(answer),
    total_duration: 0,
    load_duration: 0,
    prompt_eval_count: num(obj(answer, "usage"), "prompt_tokens") ?? 0,
  };
}

export function embeddingsAnswer(answer: Json): Json {
  return { embedding: vectors(answer)[0] ?? [] };
}
