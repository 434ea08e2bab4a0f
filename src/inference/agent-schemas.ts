import { z } from "zod";
import { modelName } from "./schemas";

/**
 * Request bodies of the coding-agent dialects: Anthropic's Messages API
 * (Claude Code) and OpenAI's Responses API (Codex). Loose objects, as on the
 * other routes: what Gatehouse does not govern passes through to Ollama; the
 * fields it reads (model, stream, output ceilings, tools) are typed here.
 */

/** A tool as both dialects send it; `type` names server-side tools (web_search_20250305, web_search_preview…). */
const tool = z.looseObject({ type: z.string().max(128).optional(), name: z.string().max(256).optional() });

const anthropicContent = z.union([z.string(), z.array(z.looseObject({ type: z.string().min(1).max(64) })).max(100_000)]);

export const anthropicMessagesBody = z.looseObject({
  model: modelName,
  messages: z.array(z.looseObject({ role: z.string().min(1).max(64), content: anthropicContent })).min(1).max(100_000),
  max_tokens: z.number().int().nullable().optional(),
  system: anthropicContent.optional(),
  stream: z.boolean().optional(),
  tools: z.array(tool).max(1_000).optional(),
});

/** count_tokens takes the same request minus the output settings. */
export const anthropicCountTokensBody = anthropicMessagesBody.omit({ max_tokens: true, stream: true });

export const responsesBody = z.looseObject({
  model: modelName,
  input: z.union([z.string(), z.array(z.looseObject({})).max(100_000)]),
  instructions: z.string().nullable().optional(),
  stream: z.boolean().optional(),
  max_output_tokens: z.number().int().nullable().optional(),
  tools: z.array(tool).max(1_000).optional(),
});
