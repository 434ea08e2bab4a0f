import { createApp } from "./app";
import type { Bindings } from "./env";

export { UserLimiter } from "./governance/user-limiter";
export { AdmissionQueue } from "./governance/admission-queue";
export { AttemptCounter } from "./auth/attempt-counter";
export { AuditLedger } from "./audit/ledger";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
