import { describe, expect, test } from "vitest";
import { resolveClientAddress, socketAddressOf } from "../../../src/auth/client-address";

/** The client address comes from workerd's request.cf.clientIp (the socket), never from a header. */

const from = (clientIp: unknown, headers: Record<string, string> = {}) => {
  const request = new Request("http://gatehouse.test/", { headers });
  Object.defineProperty(request, "cf", { value: clientIp === undefined ? undefined : { clientIp } });
  return request;
};

describe("socketAddressOf", () => {
  test.each([
    ["127.0.0.1:48034", "127.0.0.1"],
    ["[::1]:34370", "::1"],
    ["[::ffff:127.0.0.1]:48044", "127.0.0.1"],
    ["[::ffff:10.20.1.2]:40000", "10.20.1.2"],
    ["[FD00::2]:1", "fd00::2"],
    ["192.0.2.2", "192.0.2.2"],
  ])("%s is %s", (clientIp, address) => {
    expect(socketAddressOf(from(clientIp))).toBe(address);
  });

  test("no socket, or something that is not an address: undefined, whatever the headers say", () => {
    const headers = { "CF-Connecting-IP": "127.0.0.1", "X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", Forwarded: "for=127.0.0.1" };
    expect(socketAddressOf(from(undefined, headers))).toBeUndefined();
    for (const bogus of ["", "localhost:80", "not an ip", 42, null, "[zz::1]:1"]) expect(socketAddressOf(from(bogus, headers))).toBeUndefined();
  });

  test("no socket address resolves to unknown, which no scope or loopback range contains", () => {
    expect(resolveClientAddress(undefined, "127.0.0.1", ["127.0.0.0/8"])).toBe("unknown");
  });
});
