import type { ChatTarget } from "./chat-exchange";
import { OpenAiStreamDecoder, readOpenAiWhole } from "./read-openai-answer";
import { compact, get, str, type Json } from "./fields";
import type { ChatRequest } from "./chat-model";
import { samplingFields } from "./write-openai-request";

/**
 * /api/generate is a chat unless the client turned the template off
 * (`raw: true`) or gave a `suffix` (fill-in-the-middle): those need a
 * text-completion endpoint, OpenAI's /completions, where the prompt is sent
 * as it is.
 */

export const wantsRawCompletion = (body: Json): boolean => get(body, "raw") === true || typeof str(body, "suffix") === "string";

export function generateTarget(body: Json): ChatTarget {
  return {
    kind: "openai",
    path: "/completions",
    write: (request: ChatRequest) =>
      compact({
        model: request.model,
        prompt: str(body, "prompt") ?? "",
        suffix: str(body, "suffix"),
        ...samplingFields(request),
      }),
    readWhole: readOpenAiWhole,
    decoder: () => new OpenAiStreamDecoder(),
  };
}
