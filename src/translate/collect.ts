import type { ChatEvent, Completion, EventDecoder, ToolCall } from "./chat-model";

/**
 * A stream gathered into one answer: for an engine that streams although
 * it was asked not to, so a client that asked for one answer gets one.
 */
export function collect(text: string, decoder: EventDecoder): Completion {
  const events: ChatEvent[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.replace(/\r$/, "");
    if (trimmed) events.push(...decoder.line(trimmed));
  }
  events.push(...decoder.end());
  const completion: Completion = { id: "", model: "", text: "", thinking: "", toolCalls: [], stop: null, usage: null };
  const calls: ToolCall[] = [];
  for (const event of events) {
    if (event.type === "start") Object.assign(completion, { id: event.id, model: event.model });
    else if (event.type === "text") completion.text += event.text;
    else if (event.type === "thinking") completion.thinking += event.text;
    else if (event.type === "tool_start") calls[event.index] = { id: event.id, name: event.name, arguments: "" };
    else if (event.type === "tool_args" && calls[event.index]) calls[event.index]!.arguments += event.json;
    else if (event.type === "finish") completion.stop = event.reason;
    else if (event.type === "usage") completion.usage = event.usage;
  }
  completion.toolCalls = calls.filter(Boolean);
  return completion;
}
