import type { ChatRequest, Part, ToolChoice, ToolSpec, Turn } from "./chat-model";
import { arr, get, isRecord, num, obj, str, stopList, type Json } from "./fields";

/**
 * Anthropic's /v1/messages body read into the shared chat shape: `system`
 * becomes the first turn; a message's blocks split into text and image
 * parts, tool_use calls (input object → JSON text) and tool_result answers,
 * which become `tool` turns of their own (OpenAI wants each answer as its
 * own message). Thinking blocks are the model's own past reasoning and are
 * not sent on.
 */

export function readAnthropic(body: Json): ChatRequest {
  const turns: Turn[] = [];
  const system = textOf(get(body, "system"));
  if (system) turns.push({ role: "system", parts: [{ type: "text", text: system }], toolCalls: [] });
  for (const message of arr(body, "messages").filter(isRecord)) turns.push(...readMessage(message));
  const request: ChatRequest = {
    model: str(body, "model") ?? "",
    turns,
    stream: get(body, "stream") === true,
    maxTokens: num(body, "max_tokens") ?? null,
    temperature: num(body, "temperature"),
    topP: num(body, "top_p"),
    topK: num(body, "top_k"),
    stop: stopList(get(body, "stop_sequences")),
    format: null,
    tools: arr(body, "tools").map(readTool).filter((tool): tool is ToolSpec => tool !== null),
  };
  const choice = readChoice(obj(body, "tool_choice"));
  if (choice) request.toolChoice = choice;
  return request;
}

/** Text of a string or of text blocks. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return arr({ content }, "content")
    .filter((block) => str(block, "type") === "text")
    .map((block) => str(block, "text") ?? "")
    .join("\n");
}

function readTool(tool: unknown): ToolSpec | null {
  const name = str(tool, "name");
  // Server tools (web_search_…) carry a versioned type and run at Anthropic: nothing to translate.
  const type = str(tool, "type");
  if (!name || (type !== undefined && type !== "custom")) return null;
  const description = str(tool, "description");
  return { name, ...(description !== undefined ? { description } : {}), parameters: get(tool, "input_schema") ?? { type: "object", properties: {} } };
}

function readChoice(choice: Json | undefined): ToolChoice | undefined {
  const type = str(choice, "type");
  if (type === "auto" || type === "none") return type;
  if (type === "any") return "required";
  const name = str(choice, "name");
  return type === "tool" && name ? { name } : undefined;
}

function readMessage(message: Json): Turn[] {
  const role = str(message, "role") === "assistant" ? "assistant" : "user";
  const content = get(message, "content");
  const turn: Turn = { role, parts: [], toolCalls: [] };
  if (typeof content === "string") {
    if (content) turn.parts.push({ type: "text", text: content });
    return [turn];
  }
  const answers: Turn[] = [];
  for (const block of Array.isArray(content) ? content : []) {
    const type = str(block, "type");
    if (type === "tool_result") {
      const answer: Turn = { role: "tool", parts: resultParts(get(block, "content")), toolCalls: [], toolCallId: str(block, "tool_use_id") ?? "" };
      if (get(block, "is_error") === true) answer.isError = true;
      answers.push(answer);
    } else if (type === "tool_use") {
      turn.toolCalls.push({ id: str(block, "id") ?? "", name: str(block, "name") ?? "", arguments: JSON.stringify(get(block, "input") ?? {}) });
    } else {
      const part = blockPart(block);
      if (part) turn.parts.push(part);
    }
  }
  // Tool answers first: they answer the assistant turn just before this one.
  return turn.parts.length > 0 || turn.toolCalls.length > 0 || answers.length === 0 ? [...answers, turn] : answers;
}

function blockPart(block: unknown): Part | null {
  const type = str(block, "type");
  if (type === "text") {
    const text = str(block, "text");
    return text ? { type: "text", text } : null;
  }
  if (type !== "image") return null;
  const source = obj(block, "source");
  if (str(source, "type") === "base64") return { type: "image", mediaType: str(source, "media_type") ?? "image/png", data: str(source, "data") ?? "" };
  const url = str(source, "url");
  return url ? { type: "image_url", url } : null;
}

function resultParts(content: unknown): Part[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return (Array.isArray(content) ? content : []).map(blockPart).filter((part): part is Part => part !== null);
}
