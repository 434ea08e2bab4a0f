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
