/**
 * Reads a Gatehouse error in any of its dialects (API.md "Errors"): the
 * control plane's `{"error":{code,message,request_id}}`, Ollama's
 * `{"error":"<message>",code,request_id}` on /api/* and POST /chat, OpenAI's
 * `{"error":{message,type,param,code}}` on /v1/*.
 */
export interface ErrorShape {
  code: string | undefined;
  message: string | undefined;
  requestId: string | undefined;
}

export function errorOf(body: unknown): ErrorShape {
  const record = (body ?? {}) as Record<string, unknown>;
  if (typeof record.error === "string") {
    return { code: record.code as string | undefined, message: record.error, requestId: record.request_id as string | undefined };
  }
  const nested = (record.error ?? {}) as Record<string, unknown>;
  return { code: nested.code as string | undefined, message: nested.message as string | undefined, requestId: nested.request_id as string | undefined };
}

export const errorCode = (body: unknown) => errorOf(body).code;
