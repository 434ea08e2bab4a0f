import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Two projects:
 * - workers: tests that run inside workerd with the real D1, Durable Objects
 *   and the OLLAMA binding pointed at the simulator (started in global setup);
 * - node: pure unit tests, the simulator's own test, and end-to-end tests that
 *   start `npm start` as a child process.
 * Files run one at a time: the machine has two cores, and the simulator is
 * shared, so parallel files would only fight over both.
 */
export default defineConfig({
  test: {
    root,
    fileParallelism: false,
    // The worker writes one JSON request line per request (for journald); the tests that care read them directly.
    onConsoleLog: (log: string) => !log.startsWith('{"time"'),
    projects: [
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: `${root}/wrangler.toml` },
            miniflare: {
              serviceBindings: {
                OLLAMA: { external: { address: `127.0.0.1:${inject<number>("ollamaPort")}`, http: {} } },
                // The catalog's other backends, as scripts/lib/workerd-config.ts declares them (simulators listen on loopback).
                ENGINES: { network: { allow: ["public", "private", "local"] } },
              },
              bindings: {
                GATEHOUSE_OLLAMA: `127.0.0.1:${inject<number>("ollamaPort")}`,
                SESSION_SECRET: "test-session-secret-that-is-long-enough-0123456789",
                // The smallest PBKDF2 count allowed: tests sign in hundreds of times (one test checks the default).
                GATEHOUSE_PBKDF2_ITERATIONS: "1000",
                // Small GPU gate so the governance tests reach "full" and the deadline quickly.
                GATEHOUSE_MAX_INFLIGHT: "2",
                GATEHOUSE_MAX_QUEUE: "16",
                GATEHOUSE_QUEUE_TIMEOUT: "4",
                // A breaker that half-opens within a test (governance/backend-queue.test.ts).
                GATEHOUSE_BREAKER_COOLDOWN: "1",
                // One probe round per test file (its first request or scrape): a probe mid-test would change counts.
                GATEHOUSE_PROBE_INTERVAL: "600",
                TEST_MIGRATIONS: await readD1Migrations(`${root}/migrations`),
                // The other simulators (test/integration/setup/ollama-simulator.ts): a second box, and a sentinel nothing may reach.
                TEST_SECOND_BOX: `127.0.0.1:${inject<number>("secondBoxPort")}`,
                TEST_SENTINEL: `127.0.0.1:${inject<number>("sentinelPort")}`,
              },
            },
          })),
        ],
        test: {
          name: "workers",
          root,
          include: ["test/integration/**/*.test.ts"],
          setupFiles: ["test/integration/setup/apply-migrations.ts", "test/integration/setup/fresh-simulator.ts"],
          globalSetup: ["test/integration/setup/ollama-simulator.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "node",
          root,
          include: ["test/unit/**/*.test.ts", "test/e2e/**/*.test.ts", "test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
