import type { ChatEvent, EventEncoder, StopReason, Usage } from "./chat-model";

/**
 * What every stream writer keeps the same way: the model to name (the
 * backend's, once it says), the stop reason and usage for the closing
 * chunk, and nothing more after the stream's end or an error.
 */
export abstract class EventWriter implements EventEncoder {
  protected model: string;
  protected stop: StopReason | null = null;
  protected usage: Usage | null = null;
  private done = false;

  constructor(requestedModel: string) {
    this.model = requestedModel;
  }

  write(event: ChatEvent): string {
    if (this.done) return "";
    switch (event.type) {
      case "start":
        if (event.model) this.model = event.model;
        return this.emit(event);
      case "finish":
        this.stop = event.reason;
        return this.finished(event.reason);
      case "usage":
        this.usage = event.usage;
        return this.counted(event.usage);
      case "error":
      case "end":
        this.done = true;
        return this.emit(event);
      default:
        return this.emit(event);
    }
  }

  /** The dialect's text for an event (finish and usage go to the hooks below). */
  protected abstract emit(event: Exclude<ChatEvent, { type: "finish" | "usage" }>): string;

  /** Written when the stop reason arrives; most dialects keep it for their closing chunk. */
  protected finished(_reason: StopReason): string {
    return "";
  }

  /** Written when the usage arrives; most dialects keep it for their closing chunk. */
  protected counted(_usage: Usage): string {
    return "";
  }

  close(): string {
    return "";
  }
}
