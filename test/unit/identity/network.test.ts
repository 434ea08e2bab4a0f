import { describe, expect, test } from "vitest";
import { addressInAny, parseCidrList, parseIp } from "../../../src/auth/cidr";
import { resolveClientAddress, servedOverHttps } from "../../../src/auth/client-address";
import { parseConfig } from "../../../src/config";

describe("CIDR ranges", () => {
  test.each([
    ["10.1.2.3", ["10.0.0.0/8"], true],
    ["11.1.2.3", ["10.0.0.0/8"], false],
    ["192.168.1.130", ["192.168.1.128/25"], true],
    ["192.168.1.127", ["192.168.1.128/25"], false],
    ["::ffff:10.0.0.5", ["10.0.0.0/24"], true],
    ["fd00::1", ["fd00::/8"], true],
    ["fe80::1", ["fd00::/8"], false],
    ["10.0.0.1", ["::/0"], false],
    ["unknown", ["0.0.0.0/0"], false],
    ["127.0.0.1", ["127.0.0.1"], true],
  ])("%s in %j: %s", (address, ranges, expected) => {
    expect(addressInAny(address, ranges)).toBe(expected);
  });

  test.each(["1.2.3", "1.2.3.256", "01.2.3.4", "1::2::3", "g::1", "10.0.0.0/33"])("%s is not an address or range", (text) => {
    expect(() => parseCidrList(text)).toThrow();
  });

  test("IPv6 with an embedded IPv4 tail", () => {
    expect(parseIp("64:ff9b::192.0.2.1")).toHaveLength(16);
  });
});

describe("the client address", () => {
  const proxies = ["10.0.0.0/24"];
  test("is the socket's unless the socket is a trusted proxy", () => {
    expect(resolveClientAddress("192.168.1.5", "1.2.3.4", [])).toBe("192.168.1.5");
    expect(resolveClientAddress("192.168.1.5", "1.2.3.4", proxies)).toBe("192.168.1.5");
    expect(resolveClientAddress(undefined, undefined, [])).toBe("unknown");
  });

  test("through a trusted proxy: the rightmost untrusted hop, so a client cannot prepend its own", () => {
    expect(resolveClientAddress("10.0.0.2", "6.6.6.6, 192.168.1.9", proxies)).toBe("192.168.1.9");
    expect(resolveClientAddress("10.0.0.2", "192.168.1.9, 10.0.0.3", proxies)).toBe("192.168.1.9");
    expect(resolveClientAddress("10.0.0.2", "10.0.0.3", proxies)).toBe("10.0.0.2");
  });

  test("HTTPS is believed from the URL, or from a trusted proxy's X-Forwarded-Proto only", () => {
    expect(servedOverHttps("https://g.test/", undefined, "1.1.1.1", [])).toBe(true);
    expect(servedOverHttps("http://g.test/", "https", "1.1.1.1", proxies)).toBe(false);
    expect(servedOverHttps("http://g.test/", "https", "10.0.0.2", proxies)).toBe(true);
  });

  test("GATEHOUSE_TRUSTED_PROXIES is checked at startup", () => {
    expect(parseConfig({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).GATEHOUSE_TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "::1"]);
    expect(() => parseConfig({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.0/40" })).toThrow(/GATEHOUSE_TRUSTED_PROXIES/);
    expect(() => parseConfig({ GATEHOUSE_PBKDF2_ITERATIONS: "10" })).toThrow(/GATEHOUSE_PBKDF2_ITERATIONS/);
  });
});
