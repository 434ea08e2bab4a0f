import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { loopbackOnlyCheck } from "../../../scripts/cli/doctor-checks";
import { parseProcNetTcp } from "../../../scripts/cli/proc-net";

const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
const v4 = [
  header,
  "   0: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 1001 1 0 100 0 0 10 0",
  "   1: 00000000:1B58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0 100 0 0 10 0",
  "   2: 0A00000A:2CAA 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0 100 0 0 10 0",
].join("\n");
const v6 = [
  header,
  "   0: 00000000000000000000000001000000:2CAA 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
  "   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
  "   2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
  "   3: 0000000000000000FFFF00000A01A8C0:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1",
].join("\n");

describe("parseProcNetTcp", () => {
  test("reads IPv4 LISTEN sockets (little-endian addresses, big-endian ports) and skips other states", () => {
    expect(parseProcNetTcp(v4, 4)).toEqual([
      { address: "127.0.0.1", port: 11434, loopback: true },
      { address: "0.0.0.0", port: 7000, loopback: false },
    ]);
  });
  test("reads IPv6, including IPv4-mapped addresses", () => {
    expect(parseProcNetTcp(v6, 6)).toEqual([
      { address: "::1", port: 11434, loopback: true },
      { address: "::", port: 22, loopback: false },
      { address: "::ffff:127.0.0.1", port: 8080, loopback: true },
      { address: "::ffff:192.168.1.10", port: 8081, loopback: false },
    ]);
  });
});

describe("doctor's loopback-only check", () => {
  const env = (port: number) => ({ GATEHOUSE_OLLAMA: `127.0.0.1:${port}` });
  const proc = (four: string, six: string) => async (family: 4 | 6) => (family === 4 ? four : six);

  test("ok when the port listens on loopback only", async () => {
    const result = await loopbackOnlyCheck({ env: env(11434), readProcNet: proc(v4, header) });
    expect(result).toMatchObject({ verdict: "ok" });
  });
  test("warns, naming the address, when the port also listens on every interface", async () => {
    const result = await loopbackOnlyCheck({ env: env(7000), readProcNet: proc(v4, v6) });
    expect(result.verdict).toBe("warn");
    expect(result.reason).toContain("0.0.0.0:7000");
  });
  test("warns when IPv6 exposes it even though IPv4 is loopback", async () => {
    const exposed = `${header}\n   0: 00000000000000000000000000000000:2CAA 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 1 1`;
    const result = await loopbackOnlyCheck({ env: env(11434), readProcNet: proc(v4, exposed) });
    expect(result.verdict).toBe("warn");
    expect(result.reason).toContain("[::]:11434");
  });
  test("warns when it cannot look (no /proc)", async () => {
    const result = await loopbackOnlyCheck({ env: env(11434), readProcNet: async () => null });
    expect(result).toMatchObject({ verdict: "warn" });
  });
});

describe("against this machine's real /proc/net/tcp", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function listen(host: string): Promise<number> {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, host, () => resolve()));
    return (server.address() as { port: number }).port;
  }

  test("a server on 127.0.0.1 is loopback-only", async () => {
    const port = await listen("127.0.0.1");
    expect((await loopbackOnlyCheck({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${port}` } })).verdict).toBe("ok");
  });
  test("a server on 0.0.0.0 is reported", async () => {
    const port = await listen("0.0.0.0");
    const result = await loopbackOnlyCheck({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${port}` } });
    expect(result.verdict).toBe("warn");
    expect(result.reason).toContain(`0.0.0.0:${port}`);
  });
});
