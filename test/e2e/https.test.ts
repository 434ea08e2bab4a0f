import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { adminPassword, firstAdminPassword } from "./helpers/accounts";
import { projectRoot, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";

/**
 * GATEHOUSE_TLS_CERT/KEY: workerd itself serves HTTPS on the listener.
 * Trusting the certificate gets answers, plain HTTP on the same port gets
 * none, session cookies become __Host- and Secure, and the CLI works over
 * https with NODE_EXTRA_CA_CERTS. Bad TLS settings stop `npm start` naming
 * the variable. With GATEHOUSE_TLS_CLIENT_CA, workerd requires a client
 * certificate signed by that CA (mTLS): none, or one from another CA, and
 * the handshake fails.
 */

const run = promisify(execFile);

let simulator: OllamaSimulator;
let gatehouse: GatehouseProcess | undefined;
let certDir: string;
let cert: string;
let key: string;
let origin: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request trusting only our certificate (or nothing, with ca undefined). */
function https(path: string, options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string | null } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${origin}${path}`,
      { method: options.method ?? "GET", headers: options.headers, ca: options.ca === null ? undefined : (options.ca ?? readFileSync(cert, "utf8")) },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

function json(method: string, path: string, body: unknown, cookie?: string): Promise<Answer> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Origin: origin };
  if (cookie) headers.Cookie = cookie;
  return https(path, { method, headers, body: JSON.stringify(body) });
}

const cookieOf = (answer: Answer) => String((answer.headers["set-cookie"] as string[] | undefined)?.[0] ?? "");

beforeAll(async () => {
  simulator = await startSimulator();
  certDir = await mkdtemp(join(tmpdir(), "gatehouse-tls-"));
  cert = join(certDir, "cert.pem");
  key = join(certDir, "key.pem");
  // A self-signed certificate for 127.0.0.1 and localhost (openssl is part of the toolchain this test needs).
  await run("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=gatehouse-test",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_TLS_CERT: cert, GATEHOUSE_TLS_KEY: key } });
  origin = `https://127.0.0.1:${gatehouse.port}`;
}, 90_000);

afterAll(async () => {
  await gatehouse?.stop();
  await gatehouse?.cleanup();
  await simulator?.close();
  await rm(certDir, { recursive: true, force: true });
});

describe("HTTPS on the listener", () => {
  test("says so at start, and /health answers over https when the certificate is trusted", async () => {
    expect(gatehouse!.output()).toContain(`listening on https://127.0.0.1:${gatehouse!.port}`);
    const health = await https("/health");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: "ok", upstream: { ollama: "up" } });
  });

  test("a client that does not trust the certificate refuses the connection", async () => {
    await expect(https("/health", { ca: null })).rejects.toThrow(/self[- ]signed|unable to verify/i);
  });

  test("plain HTTP on the same port gets no answer", async () => {
    const plain = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`http://127.0.0.1:${gatehouse!.port}/health`, (res) => resolve(res.statusCode ?? 0));
      req.on("error", reject);
      req.end();
    });
    await expect(plain).rejects.toThrow(/socket hang up|ECONNRESET|parse error/i);
  });

  test("the session cookie is __Host- prefixed and Secure", async () => {
    const login = await json("POST", "/auth/login", { username: "admin", password: firstAdminPassword });
    expect(login.status).toBe(200);
    const setCookie = cookieOf(login);
    expect(setCookie).toMatch(/^__Host-gatehouse_session=[^;]+;/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/Domain=/i);
  });

  test("the CLI works over https with NODE_EXTRA_CA_CERTS", async () => {
    let cookie = cookieOf(await json("POST", "/auth/login", { username: "admin", password: firstAdminPassword })).split(";")[0]!;
    const changed = await json("POST", "/auth/password", { currentPassword: firstAdminPassword, newPassword: adminPassword }, cookie);
    expect(changed.status).toBe(204);
    cookie = cookieOf(await json("POST", "/auth/login", { username: "admin", password: adminPassword })).split(";")[0]!;
    const created = await json("POST", "/account/api/keys", { name: "cli-over-https" }, cookie);
    expect(created.status).toBe(201);
    const adminKey = (JSON.parse(created.body) as { secret: string }).secret;

    const env = { ...process.env, GATEHOUSE_URL: origin, GATEHOUSE_ADMIN_KEY: adminKey, NODE_EXTRA_CA_CERTS: cert };
    const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", "users", "list"], { cwd: projectRoot, env });
    expect(stdout).toMatch(/^admin +admin +active /m);
    // Without the CA the CLI cannot connect, and says so without printing the key.
    const untrusted = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", "users", "list"], {
      cwd: projectRoot,
      env: { ...env, NODE_EXTRA_CA_CERTS: "" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(untrusted).toMatchObject({ code: 2 });
    expect((untrusted as { stderr: string }).stderr).toMatch(/cannot reach the gateway at https:\/\/127\.0\.0\.1:\d+ \((SELF_SIGNED|DEPTH_ZERO_SELF_SIGNED_CERT)/);
    expect((untrusted as { stderr: string }).stderr).not.toContain(adminKey);
  });
});

describe("TLS settings are checked at start", () => {
  const startWith = (env: Record<string, string>) => startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, ...env }, timeoutMs: 60_000 });

  test("a missing certificate file names GATEHOUSE_TLS_CERT", async () => {
    await expect(startWith({ GATEHOUSE_TLS_CERT: join(certDir, "missing.pem"), GATEHOUSE_TLS_KEY: key })).rejects.toThrow(
      /exited with 2 before listening:[\s\S]*GATEHOUSE_TLS_CERT: cannot read .*missing\.pem \(ENOENT\)/,
    );
  });

  test("a certificate without a key names GATEHOUSE_TLS_KEY; a key that is not PEM is refused", async () => {
    await expect(startWith({ GATEHOUSE_TLS_CERT: cert })).rejects.toThrow(/GATEHOUSE_TLS_KEY: required when GATEHOUSE_TLS_CERT is set/);
    await expect(startWith({ GATEHOUSE_TLS_CERT: cert, GATEHOUSE_TLS_KEY: cert })).rejects.toThrow(/GATEHOUSE_TLS_KEY: .* is not a PEM private key/);
  });

  test("client certificates need HTTPS: GATEHOUSE_TLS_CLIENT_CA alone names itself", async () => {
    await expect(startWith({ GATEHOUSE_TLS_CLIENT_CA: cert })).rejects.toThrow(/GATEHOUSE_TLS_CLIENT_CA: client certificates need HTTPS/);
  });
});

describe("client certificates (mTLS) with GATEHOUSE_TLS_CLIENT_CA", () => {
  let mtls: GatehouseProcess | undefined;
  let pki: string;
  const file = (name: string) => readFileSync(join(pki, name), "utf8");

  /** One HTTPS request to the mTLS gateway, trusting its certificate, with the client certificate given (or none). */
  function withClient(client: "good" | "rogue" | null): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `https://127.0.0.1:${mtls!.port}/health`,
        { ca: readFileSync(cert, "utf8"), ...(client ? { cert: file(`${client}.crt`), key: file(`${client}.key`) } : {}) },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  beforeAll(async () => {
    pki = await mkdtemp(join(tmpdir(), "gatehouse-pki-"));
    const openssl = (args: string[]) => run("openssl", args, { cwd: pki });
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=gatehouse-test-clients-ca"]);
    await openssl(["req", ...ec, "-keyout", "good.key", "-out", "good.csr", "-subj", "/CN=ci-runner"]);
    // An X.509 v3 client certificate (workerd's TLS refuses v1 ones, which `x509 -req` makes without extensions).
    await writeFile(join(pki, "client.ext"), "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
    await openssl(["x509", "-req", "-in", "good.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "good.crt", "-days", "2", "-extfile", "client.ext"]);
    await openssl(["req", "-x509", ...ec, "-keyout", "rogue.key", "-out", "rogue.crt", "-days", "2", "-subj", "/CN=ci-runner"]);
    mtls = await startGatehouse({
      env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_TLS_CERT: cert, GATEHOUSE_TLS_KEY: key, GATEHOUSE_TLS_CLIENT_CA: join(pki, "ca.crt") },
    });
  }, 90_000);
  afterAll(async () => {
    await mtls?.stop();
    await mtls?.cleanup();
    await rm(pki, { recursive: true, force: true });
  });

  test("a client certificate signed by the CA gets answers", async () => {
    // The start probe cannot pass the handshake without a certificate; the worker says 503 "starting" until ready.
    await expect.poll(() => withClient("good").catch(() => 0), { timeout: 15_000 }).toBe(200);
  });

  test("no client certificate, or one the CA did not sign: the handshake fails", async () => {
    await expect(withClient(null)).rejects.toThrow(/certificate|alert|handshake|ECONNRESET|socket hang up/i);
    await expect(withClient("rogue")).rejects.toThrow(/certificate|alert|handshake|ECONNRESET|socket hang up/i);
  });
});
