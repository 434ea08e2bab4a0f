import { z } from "zod";
import { foldedObject } from "../body/folded-object";

/**
 * Request bodies of the Ollama-native routes. Objects are loose: fields we do
 * not govern pass through to Ollama untouched (adapters pass parameters
 * through); the fields we read or police are typed here, found under
 * Ollama's key folding (foldedObject). `null` in an optional field is what
 * Go's decoder makes of it: the field left unset, as if absent.
 */

/**
 * Model names as engines advertise them: Ollama's `[host/][namespace/]name[:tag]`,
 * optionally pinned `@sha256:<64 hex>`, and llama.cpp's server, which reports
 * the model's file path (`/models/qwen2.5-7b-instruct-q4_k_m.gguf`, `qwen.gguf`).
 * A name is sent upstream only inside a JSON body or as one percent-encoded
 * path segment; "." and ".." segments and empty segments are refused so that
 * no name can walk an upstream path (GET /v1/models/:id).
 */
const modelPattern = /^\/?[A-Za-z0-9_][A-Za-z0-9._\-/]*(:[A-Za-z0-9._\-]+)?(@sha256[:-][0-9a-f]{64})?$/;

export const modelName = z
  .string()
  .min(1)
  .max(512)
  .regex(modelPattern, "not a valid model name")
  .refine((name) => !name.replace(/^\//, "").split("/").some((segment) => segment === "" || segment === "." || segment === ".."), "not a valid model name");

/** Optional in Ollama's structs: absent or null mean the same. */
const maybe = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** Ollama's options map; the governed ones are typed (Ollama refuses a non-number too). */
const options = foldedObject({ num_ctx: maybe(z.number()), num_predict: maybe(z.number()) });
const keepAlive = z.union([z.string().max(32), z.number()]);

const chatMessage = foldedObject({
  role: z.string().min(1).max(64),
  content: maybe(z.string()),
  images: maybe(z.array(z.string())),
});

export const chatBody = foldedObject({
  model: modelName,
  messages: maybe(z.array(chatMessage).max(100_000)),
  stream: maybe(z.boolean()),
  options: maybe(options),
  keep_alive: maybe(keepAlive),
});

export const generateBody = foldedObject({
  model: modelName,
  prompt: maybe(z.string()),
  suffix: maybe(z.string()),
  system: maybe(z.string()),
  images: maybe(z.array(z.string())),
  stream: maybe(z.boolean()),
  options: maybe(options),
  keep_alive: maybe(keepAlive),
});

export type ChatBody = z.infer<typeof chatBody>;
export type GenerateBody = z.infer<typeof generateBody>;

const embedInput = z.union([z.string(), z.array(z.string()).max(10_000)]);

export const embedBody = foldedObject({
  model: modelName,
  input: embedInput,
  options: maybe(options),
  keep_alive: maybe(keepAlive),
});

export const embeddingsBody = foldedObject({
  model: modelName,
  prompt: z.string(),
  options: maybe(options),
  keep_alive: maybe(keepAlive),
});

/** /api/show: `model`, or the older `name`. */
export const showBody = foldedObject({ model: maybe(modelName), name: maybe(modelName) }).refine(
  (body) => typeof body.model === "string" || typeof body.name === "string",
  { message: "model is required", path: ["model"] },
);

/** Admin model management: the model (or source/destination) names are checked, the rest passes. */
export const pullBody = foldedObject({ model: maybe(modelName), name: maybe(modelName) });
export const copyBody = foldedObject({ source: modelName, destination: modelName });
export const deleteBody = foldedObject({ model: maybe(modelName), name: maybe(modelName) });

const openAiMessage = foldedObject({ role: z.string().min(1).max(64) });
const streamOptions = maybe(foldedObject({ include_usage: maybe(z.boolean()) }));

export const openAiChatBody = foldedObject({
  model: modelName,
  messages: z.array(openAiMessage).min(1).max(100_000),
  stream: maybe(z.boolean()),
  stream_options: streamOptions,
  max_tokens: maybe(z.number().int()),
  max_completion_tokens: maybe(z.number().int()),
});

export const openAiCompletionBody = foldedObject({
  model: modelName,
  prompt: z.union([z.string(), z.array(z.string())]),
  stream: maybe(z.boolean()),
  stream_options: streamOptions,
  max_tokens: maybe(z.number().int()),
});

export const openAiEmbeddingsBody = foldedObject({
  model: modelName,
  input: z.union([z.string(), z.array(z.string()).max(10_000), z.array(z.number()), z.array(z.array(z.number()))]),
});

/** The original script API: credentials in the body, the model optional. */
export const legacyChatBody = foldedObject({
  auth: z.strictObject({ username: z.string().min(1).max(320), password: z.string().min(1).max(1024) }).optional(),
  model: maybe(modelName),
  messages: z.array(chatMessage).min(1).max(100_000),
  stream: maybe(z.boolean()),
  options: maybe(options),
  keep_alive: maybe(keepAlive),
});
