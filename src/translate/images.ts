import type { Part } from "./chat-model";

/**
 * Images in the three dialects: Ollama sends bare base64 (no media type),
 * OpenAI an `image_url` (a data URL or a web address), Anthropic a `source`
 * (base64 with its media type, or a URL). Base64 keeps its bytes; only the
 * wrapping changes.
 */

/** The media type from the first bytes of the base64 itself: what Ollama leaves out. */
export function sniffMediaType(data: string): string {
  if (data.startsWith("iVBOR")) return "image/png";
  if (data.startsWith("/9j/")) return "image/jpeg";
  if (data.startsWith("R0lGOD")) return "image/gif";
  if (data.startsWith("UklGR")) return "image/webp";
  return "image/jpeg";
}

const dataUrl = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+);base64,(.*)$/is;

/** An OpenAI image_url as a part: inline data stays data; a web address stays an address. */
export function partFromUrl(url: string): Part {
  const match = dataUrl.exec(url);
  return match ? { type: "image", mediaType: match[1]!.toLowerCase(), data: match[2]! } : { type: "image_url", url };
}

export const toDataUrl = (part: { mediaType: string; data: string }): string => `data:${part.mediaType};base64,${part.data}`;

/** Ollama's images are base64 only; a data URL some clients send is unwrapped. */
export function partFromOllama(image: string): Part {
  const part = partFromUrl(image);
  return part.type === "image" ? part : { type: "image", mediaType: sniffMediaType(image), data: image };
}
