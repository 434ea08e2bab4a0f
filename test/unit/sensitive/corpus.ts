import type { BuiltinCategory } from "../../../src/sensitive/categories";

/**
 * Positives (each must be found as its category) and hard negatives (must
 * produce no finding of that category) per category, each embedded in a
 * sentence. Values are public test values or made up; checksums computed.
 */

const b64 = (n: number, seed: string) => (seed.repeat(Math.ceil(n / seed.length))).slice(0, n);

export const corpus: Record<BuiltinCategory, { positives: string[]; negatives: string[] }> = {
  email: {
    positives: ["alice@example.com", "bob.smith+tag@mail.example.co.uk", "first_last@sub-domain.example.org", "x@y.io", "Ops.Team@corp.example.de"],
    negatives: ["@handle on social media", "foo@bar", "a@b.c", "v1.2.3@4.5", "see 2024-01-15@10:00", "user at example dot com"],
  },
  phone: {
    positives: ["+1 415 555 2671", "+44 20 7946 0958", "+49 30 901820", "+33 1 42 68 53 00", "(415) 555-2671", "415-555-2671", "0049 30 12345678", "+41-44-668-18-00", "+81 3-1234-5678", "415.555.2671"],
    negatives: ["version 1.2.3", "2024-01-15 10:30:00", "+1", "call 12345", "ISBN 978-3-16-148410-0", "1.0.0-rc.1", "127.0.0.1:8080", "2024-01-15"],
  },
  payment_card: {
    positives: ["4111111111111111", "4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "6011111111111117", "3530111333300000", "4012888888881881", "5105 1051 0510 5100", "3714 496353 98431"],
    negatives: ["4111111111111112", "1234567890123456", "1700000000000", "order 5555 5555 5555 4445", "tel 0049301234567890", "9783161484100", "1234 5678 9012 3456"],
  },
  iban: {
    positives: ["DE89370400440532013000", "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300", "CH9300762011623852957", "be68 5390 0754 7034"],
    negatives: ["DE89370400440532013001", "AB12 CDEF GHIJ KLMN", "GB82WEST1234569876543", "XX00 0000 0000 0000 00"],
  },
  us_ssn: {
    positives: ["123-45-6789", "078-05-1120", "219 09 9999"],
    negatives: ["000-12-3456", "666-12-3456", "123-00-4567", "2024-01-15", "123-45-0000", "a build 123-45-67890"],
  },
  ip_address: {
    positives: ["192.168.1.20", "10.0.0.1", "8.8.8.8", "255.255.255.0", "2001:db8:0:0:1:0:0:1", "2001:db8::1", "fe80::1ff:fe23:4567:890a", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::1"],
    negatives: ["version 1.2.3.4", "v10.0.19041.1", "1.2.3", "999.1.1.1", "10:30:00", "00:1a:2b:3c:4d:5e", "std::vector<int>", "a :: b", "550e8400-e29b-41d4-a716-446655440000"],
  },
  private_key: {
    positives: [
      `-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA${b64(64, "q3Zx")}\n${b64(64, "Ab9/")}\n-----END RSA PRIVATE KEY-----`,
      `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI${b64(40, "Hk2p")}\n-----END PRIVATE KEY-----`,
      `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${b64(60, "x7Qe")}`,
    ],
    negatives: ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", "the PRIVATE KEY header"],
  },
  jwt: {
    positives: ["eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."],
    negatives: ["eyJhbGciOiJIUzI1NiJ9", "the eyJ prefix", "a.b.c", "eyJzdWIi.eyJ"],
  },
  aws_key: {
    positives: ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
    negatives: ["AKIA", "AKIAiosfodnn7example", "XAKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPL"],
  },
  github_token: {
    positives: [`ghp_${b64(36, "aB3x")}`, `gho_${b64(36, "Zq81")}`, `github_pat_11ABCDEFG0${b64(72, "aZ_9")}`],
    negatives: ["ghp_short", "ghp_", `ghx_${b64(36, "aB3x")}`],
  },
  gitlab_token: {
    positives: [`glpat-${b64(20, "Xy7_")}`, `glpat-${b64(26, "k2Lm")}`],
    negatives: ["glpat-short", "gitlab token glpat"],
  },
  slack_token: {
    positives: ["xoxb-2934567890123-2934567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxp-1234567890-abcdefghij", `https://hooks.slack.com/services/T0123ABCD/B0123ABCD/${b64(24, "aZ09")}`],
    negatives: ["xoxb-", "xox-123456789012", "hooks.slack.com/services"],
  },
  openai_key: {
    positives: [`sk-proj-${b64(48, "Ab3_")}`, `sk-${b64(48, "T3Bl")}`],
    negatives: ["sk-learn", "sk-abcdefghijklmnopqrstuvwxyz", "risk-assessment-document-for-q3-planning"],
  },
  anthropic_key: {
    positives: [`sk-ant-api03-${b64(93, "Qw3-")}AA`, `sk-ant-admin01-${b64(40, "zX9_")}`],
    negatives: ["sk-ant-", "sk-ant-api03-short"],
  },
  gatehouse_key: {
    positives: [`gh_0123456789ab_${b64(43, "Ab9-")}`, `gh_deadbeefcafe_${b64(43, "x_Z1")}`],
    negatives: [`gh_0123456789ab_${b64(42, "Ab9-")}`, `gh_0123456789AB_${b64(43, "Ab9-")}`, "gh_prefix"],
  },
};

/** Hard negatives that must produce no finding at all, of any category. */
export const globalNegatives = [
  "The quick brown fox jumps over the lazy dog.",
  "Upgrade from 1.2.3 to 1.10.0 and node 22.12.0; release 2024.11.02.",
  "Logged at 2026-12-03T09:21:12.123Z and 1733217672, took 12:34:56.789.",
  "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "commit 4f0625e9c3b2a1d0e8f7a6b5c4d3e2f1a0b9c8d7 and 12cfb9f",
  "uuid 550e8400-e29b-41d4-a716-446655440000, 123e4567-e89b-12d3-a456-426614174000",
  "Total: 1,234,567.89 EUR; invoice 2024-000123; PO 4500012345.",
  "Coordinates 52.5200, 13.4050 at 08:15:30 on 03.12.2026.",
  "The array [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] sums to 105.",
  "Use std::vector<int> and Foo::bar() in C++; a::b is a path.",
  "git@ is not an address; neither is user@host",
  "MAC 00:1a:2b:3c:4d:5e on eth0, port 8080, pid 31337.",
];
