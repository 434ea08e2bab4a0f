import type { AdmissionQueue } from "../../../src/governance/admission-queue";

/** Polls until the queue shows `waiting` requests waiting (no fixed sleeps). */
export async function untilWaiting(stub: DurableObjectStub<AdmissionQueue>, waiting: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await stub.snapshot()).waiting === waiting) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never saw ${waiting} waiting`);
}
