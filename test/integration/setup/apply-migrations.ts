import { applyD1Migrations, env } from "cloudflare:test";

// The same migrations/ files `npm start` applies, into this run's D1.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
