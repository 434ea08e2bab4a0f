import { cpuSeconds } from "./process-cpu";
import { startScratchWorkerd } from "./scratch-workerd";

/**
 * What the runtime itself charges for the parts a governed request is made
 * of, measured in the very workerd binary serving Gatehouse (so the figures
 * are this machine's and this version's): one Durable Object call, the same
 * call when it also writes one SQLite row (and so commits), each further row
 * in that commit, one storage put, and a call into another worker's object
 * (D1's database object is one). A worker calls an object `calls` times in
 * one request; workerd's CPU over that request from /proc, per call.
 *
 * It bounds what any arrangement of today's pipeline can reach: a request
 * that makes N object calls and C commits costs at least N·call + C·commit
 * before any of Gatehouse's own code runs (README "Performance").
 */

export interface RuntimeFloor {
  /** workerd CPU per call, microseconds. */
  objectCallUs: number;
  objectCallWritingOneRowUs: number;
  eachFurtherRowInTheCommitUs: number;
  objectCallWithStoragePutUs: number;
  callIntoAnotherWorkersObjectUs: number;
}

const objectScript = `import { DurableObject } from "cloudflare:workers";
export class Floor extends DurableObject {
  constructor(ctx, env) { super(ctx, env); ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"); }
  ping(x) { return x.id; }
  write(x, rows) { for (let i = 0; i < rows; i++) this.ctx.storage.sql.exec("INSERT INTO t (v) VALUES (?)", x.text); return 1; }
  put(x) { this.ctx.storage.put("k", x); return 1; }
}
`;

const callerScript = `${objectScript}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const calls = Number(url.searchParams.get("calls"));
    const kind = url.pathname.slice(1);
    const ns = kind === "other" ? env.OTHER : env.SELF;
    const stub = ns.get(ns.idFromName("floor"));
    // A record-sized argument: an id and a few hundred characters of text.
    const record = { id: crypto.randomUUID(), text: "x".repeat(300), n: 1 };
    for (let i = 0; i < calls; i++) {
      if (kind === "ping" || kind === "other") await stub.ping(record);
      else if (kind === "write1") await stub.write(record, 1);
      else if (kind === "write5") await stub.write(record, 5);
      else if (kind === "put") await stub.put(record);
    }
    return new Response("ok");
  },
};
`;

export async function runtimeFloor(workerdPid: number | null, calls = 2_000): Promise<RuntimeFloor> {
  const workerd = await startScratchWorkerd(workerdPid, {
    name: "runtime floor",
    files: { "caller.js": callerScript, "object.js": objectScript },
    probePath: "/ping?calls=1",
    config: (dir, port) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .caller),
    (name = "other", worker = .object),
    (name = "disk", disk = (path = "${dir}", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const caller :Workerd.Worker = (
  modules = [(name = "caller.js", esModule = embed "caller.js")],
  compatibilityDate = "2026-07-30",
  durableObjectNamespaces = [(className = "Floor", uniqueKey = "floor-main", enableSql = true)],
  durableObjectStorage = (localDisk = "disk"),
  bindings = [(name = "SELF", durableObjectNamespace = "Floor"), (name = "OTHER", durableObjectNamespace = (className = "Floor", serviceName = "other"))],
);
const object :Workerd.Worker = (
  modules = [(name = "object.js", esModule = embed "object.js")],
  compatibilityDate = "2026-07-30",
  durableObjectNamespaces = [(className = "Floor", uniqueKey = "floor-other", enableSql = true)],
  durableObjectStorage = (localDisk = "disk"),
);
`,
  });
  try {
    const perCall = async (kind: string): Promise<number> => {
      await fetch(`${workerd.url}/${kind}?calls=200`).then((response) => response.text()); // warm: JIT, the object, its table
      const before = (await cpuSeconds([workerd.pid])).get(workerd.pid)!;
      const response = await fetch(`${workerd.url}/${kind}?calls=${calls}`);
      if (!response.ok) throw new Error(`runtime floor: ${kind}: ${response.status} ${await response.text()}`);
      await response.text();
      const after = (await cpuSeconds([workerd.pid])).get(workerd.pid)!;
      return Math.round(((after.user + after.system - before.user - before.system) * 1e6) / calls);
    };
    const ping = await perCall("ping");
    const write1 = await perCall("write1");
    const write5 = await perCall("write5");
    return {
      objectCallUs: ping,
      objectCallWritingOneRowUs: write1,
      eachFurtherRowInTheCommitUs: Math.round((write5 - write1) / 4),
      objectCallWithStoragePutUs: await perCall("put"),
      callIntoAnotherWorkersObjectUs: await perCall("other"),
    };
  } finally {
    await workerd.close();
  }
}
