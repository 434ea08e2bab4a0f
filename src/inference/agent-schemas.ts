import { z } from "zod";
import { foldedObject } from "../body/folded-object";
import { modelName } from "./schemas";

/**
 * Request bodies of the coding-agent dialects: Anthropic's Messages API
 * (Claude Code) and OpenAI's Responses API (Codex). Loose objects found under
 * Ollama's key folding, as on the other routes: what Gatehouse does not
 * govern passes through to Ollama; the fields it reads (model, stream, output
 * ceilings, tools, the stateful Responses fields) are typed here. `null` in
 * an optional field is Go's "unset".
 */

const maybe = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** A tool as both dialects send it; `type` names server-side tools (web_search_20250305, web_search_preview…). */
const tool = foldedObject({ type: maybe(z.string().max(128)), name: maybe(z.string().max(256)) });

const anthropicContent = z.union([z.string(), z.array(foldedObject({ type: z.string().min(1).max(64) })).max(100_000)]);

export const anthropicMessagesBody = foldedObject({
  model: modelName,
  messages: z.array(foldedObject({ role: z.string().min(1).max(64), content: anthropicContent })).min(1).max(100_000),
  max_tokens: maybe(z.number().int()),
  system: maybe(anthropicContent),
  stream: maybe(z.boolean()),
  tools: maybe(z.array(tool).max(1_000)),
});

/** count_tokens takes the same request minus the output settings. */
export const anthropicCountTokensBody = foldedObject({
  model: modelName,
  messages: z.array(foldedObject({ role: z.string().min(1).max(64), content: anthropicContent })).min(1).max(100_000),
  system: maybe(anthropicContent),
  tools: maybe(z.array(tool).max(1_000)),
});

export const responsesBody = foldedObject({
  model: modelName,
  input: z.union([z.string(), z.array(foldedObject({})).max(100_000)]),
  instructions: maybe(z.string()),
  stream: maybe(z.boolean()),
  max_output_tokens: maybe(z.number().int()),
  tools: maybe(z.array(tool).max(1_000)),
  // Stateful fields Ollama cannot honour: read (under folding) so policy can refuse them.
  previous_response_id: z.unknown().optional(),
  conversation: z.unknown().optional(),
  background: z.unknown().optional(),
});
