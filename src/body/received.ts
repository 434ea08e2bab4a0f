import { GatehouseError } from "../errors";
import type { BodyEdits } from "./edits";
import { scanJson, type ObjectSpan } from "./scan";

/**
 * A JSON request body as the client sent it: its bytes, their text, the
 * parsed value and the layout of its top-level members. Parsed once, when it
 * is read; what is forwarded is built from it (outgoingBody).
 */
export interface ReceivedJson {
  bytes: Uint8Array;
  text: string;
  value: unknown;
  layout: ObjectSpan | null;
}

/** What is sent upstream: the client's own bytes, or its text with policy's edits spliced in. */
export interface OutgoingBody {
  bytes: Uint8Array;
  text: string;
  /** The edited paths ("options.num_predict", "-auth"); empty when the client's bytes go as sent. */
  edited: string[];
}

/**
 * The layout of a JSON text that JSON.parse accepted, after one scan that
 * refuses two keys of one object that Ollama reads as the same field (400
 * naming them): JavaScript would keep one of them, Go the last (or both
 * objects merged), and the two would disagree about what the body asks for.
 */
export function foldedLayout(text: string): ObjectSpan | null {
  const { duplicate, root } = scanJson(text);
  if (duplicate !== null) {
    throw new GatehouseError("invalid_request", {
      message: `${duplicate}: keys are matched regardless of case by the model server, so one object may not repeat a key`,
    });
  }
  return root;
}

const hasBom = (bytes: Uint8Array) => bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

export function outgoingBody(received: ReceivedJson, edits: BodyEdits): OutgoingBody {
  // A byte-order mark is not JSON to Go's decoder: dropping it is the one change made unasked.
  if (edits.size === 0 && !hasBom(received.bytes)) return { bytes: received.bytes, text: received.text, edited: [] };
  if (!received.layout) throw new Error("outgoingBody: edits need an object body"); // schemas only accept objects
  const text = edits.size === 0 ? received.text : edits.apply(received.text, received.layout);
  return { bytes: new TextEncoder().encode(text), text, edited: edits.paths };
}
