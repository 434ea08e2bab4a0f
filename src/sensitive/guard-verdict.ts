import { z } from "zod";

/**
 * The shadow guard model's side, pure: its settings, how its answer is read
 * (Llama Guard 3 and Granite Guardian both answer "safe" or "unsafe", Llama
 * Guard with the violated categories on the next line), when it disagrees
 * with the regex detectors, and the circuit breaker that stops asking a
 * guard that keeps failing.
 */

export const guardSettingsSchema = z.object({
  /** Off by default: no model, no guard. */
  model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*(:[A-Za-z0-9._\-]+)?$/).max(200).nullable(),
  /** Hard timeout of one classification, ms. */
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
export type GuardSettings = z.infer<typeof guardSettingsSchema>;
export const guardOff: GuardSettings = { model: null, timeoutMs: 10_000 };
export const guardSettingKey = "sensitive.guard";

export interface GuardVerdict {
  verdict: "safe" | "unsafe" | "invalid";
  /** Llama Guard's category codes (S1…S14), when it names them. */
  categories: string[];
}

export function readVerdict(answer: string): GuardVerdict {
  const lines = answer.trim().split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const first = (lines[0] ?? "").toLowerCase();
  if (first === "safe" || first === "no") return { verdict: "safe", categories: [] };
  if (first === "unsafe" || first === "yes") {
    const codes = (lines[1] ?? "").split(/[,\s]+/).filter((code) => /^S\d{1,2}$/.test(code));
    return { verdict: "unsafe", categories: codes };
  }
  return { verdict: "invalid", categories: [] };
}

/**
 * The guard and the regex detectors disagree when one flags the exchange and
 * the other does not. The regex side "flags" on injection signals and on
 * secrets (what a content-safety model is about), not on a plain email.
 */
export function disagrees(verdict: GuardVerdict, regexFlagged: boolean): boolean {
  if (verdict.verdict === "invalid") return false;
  return (verdict.verdict === "unsafe") !== regexFlagged;
}

/** Consecutive failures open the breaker for a while; one success closes it. Per isolate: it only spares a sick guard. */
export class Breaker {
  private failures = 0;
  private openUntil = 0;
  constructor(private readonly threshold = 3, private readonly coolMs = 60_000) {}

  allows(now = Date.now()): boolean {
    return now >= this.openUntil;
  }

  record(ok: boolean, now = Date.now()): void {
    if (ok) {
      this.failures = 0;
      return;
    }
    this.failures += 1;
    if (this.failures >= this.threshold) {
      this.openUntil = now + this.coolMs;
      this.failures = 0;
    }
  }
}
