import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gatewayChecks } from "../../../scripts/cli/doctor-checks";

/** `gatehouse doctor` against a gateway that is still starting: a warning that says so, not a failure. */
describe("doctor while the gateway starts", () => {
  let status = 503;
  const server = createServer((_request, response) => {
    response.writeHead(status, { "Content-Type": "application/json", "Retry-After": "1", Date: new Date().toUTCString() });
    response.end(status === 503 ? JSON.stringify({ status: "starting" }) : JSON.stringify({ error: { code: "internal_error" } }));
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("503 starting is a warning naming it", async () => {
    const [gateway] = await gatewayChecks({ env: { GATEHOUSE_URL: url } });
    expect(gateway).toMatchObject({ name: "gateway", verdict: "warn" });
    expect(gateway!.reason).toContain("is starting");
  });

  test("any other 5xx is still a failure", async () => {
    status = 500;
    const [gateway] = await gatewayChecks({ env: { GATEHOUSE_URL: url } });
    expect(gateway).toMatchObject({ name: "gateway", verdict: "fail" });
  });
});
