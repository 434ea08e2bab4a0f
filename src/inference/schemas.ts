import { z } from "zod";

/**
 * Request bodies of the Ollama-native routes. Objects are loose: fields we do
 * not govern pass through to Ollama untouched (adapters pass parameters
 * through); the fields we read or police are typed here.
 */

/** Ollama model names: name[:tag], optionally namespaced (library/llama3). */
export const modelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*(:[A-Za-z0-9._\-]+)?$/, "not a valid model name");

const options = z.record(z.string(), z.unknown());
const keepAlive = z.union([z.string().max(32), z.number()]);

const chatMessage = z.looseObject({
  role: z.string().min(1).max(64),
  content: z.string().optional(),
  images: z.array(z.string()).optional(),
});

export const chatBody = z.looseObject({
  model: modelName,
  messages: z.array(chatMessage).max(100_000).optional(),
  stream: z.boolean().optional(),
  options: options.optional(),
  keep_alive: keepAlive.optional(),
});

export const generateBody = z.looseObject({
  model: modelName,
  prompt: z.string().optional(),
  suffix: z.string().optional(),
  system: z.string().optional(),
  images: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  options: options.optional(),
  keep_alive: keepAlive.optional(),
});

export type ChatBody = z.infer<typeof chatBody>;
export type GenerateBody = z.infer<typeof generateBody>;

const embedInput = z.union([z.string(), z.array(z.string()).max(10_000)]);

export const embedBody = z.looseObject({
  model: modelName,
  input: embedInput,
  options: options.optional(),
  keep_alive: keepAlive.optional(),
});

export const embeddingsBody = z.looseObject({
  model: modelName,
  prompt: z.string(),
  options: options.optional(),
  keep_alive: keepAlive.optional(),
});

/** /api/show: `model`, or the older `name`. */
export const showBody = z
  .looseObject({ model: modelName.optional(), name: modelName.optional() })
  .refine((body) => body.model !== undefined || body.name !== undefined, { message: "model is required", path: ["model"] });

/** Admin model management: the model (or source/destination) names are checked, the rest passes. */
export const pullBody = z.looseObject({ model: modelName.optional(), name: modelName.optional() });
export const copyBody = z.looseObject({ source: modelName, destination: modelName });
export const deleteBody = z.looseObject({ model: modelName.optional(), name: modelName.optional() });

const openAiMessage = z.looseObject({ role: z.string().min(1).max(64) });

export const openAiChatBody = z.looseObject({
  model: modelName,
  messages: z.array(openAiMessage).min(1).max(100_000),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().nullable().optional(),
  max_completion_tokens: z.number().int().nullable().optional(),
});

export const openAiCompletionBody = z.looseObject({
  model: modelName,
  prompt: z.union([z.string(), z.array(z.string())]),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().nullable().optional(),
});

export const openAiEmbeddingsBody = z.looseObject({
  model: modelName,
  input: z.union([z.string(), z.array(z.string()).max(10_000), z.array(z.number()), z.array(z.array(z.number()))]),
});

/** The original script API: credentials in the body, the model optional. */
export const legacyChatBody = z.looseObject({
  auth: z.strictObject({ username: z.string().min(1).max(320), password: z.string().min(1).max(1024) }).optional(),
  model: modelName.optional(),
  messages: z.array(chatMessage).min(1).max(100_000),
  options: options.optional(),
  keep_alive: keepAlive.optional(),
});
