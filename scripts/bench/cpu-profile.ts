/**
 * Where workerd's time goes: samples every isolate it runs through its V8
 * inspector (GATEHOUSE_INSPECTOR_PORT, loopback only) while `run` drives
 * load — the gateway (which also hosts the Durable Objects), and D1's
 * database object (scripts/workerd/d1-database.ts), whose CPU the
 * gateway's profile never shows — and returns, per isolate, the sampled
 * time not idle per request and the functions with the most self time.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface IsolateProfile {
  isolate: string;
  /** Sampled time outside "(idle)", per request driven (wall time while running: it includes waiting for the CPU on a loaded machine). */
  busyMsPerRequest: number;
  hottest: string[];
  /** Functions by inclusive time (a sample counts for every function on its stack, once): a pipeline step's whole synchronous cost. */
  inclusive: string[];
}

export async function profileWorker(port: number, run: () => Promise<{ requests: number }>, top = Number(process.env.BENCH_PROFILE_TOP ?? 25)): Promise<IsolateProfile[]> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title: string }[];
  if (targets.length === 0) throw new Error("no inspector target");
  const sessions = await Promise.all(targets.map(async (target) => ({ target, send: await connect(target.webSocketDebuggerUrl) })));
  for (const { send } of sessions) {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 200 });
    await send("Profiler.start");
  }
  const { requests } = await run();
  const out: IsolateProfile[] = [];
  for (const { target, send } of sessions) {
    const { profile } = await send<{ profile: Profile }>("Profiler.stop");
    send.close();
    const { busyMs, hottest } = selfTime(profile, top);
    if (busyMs > 0) out.push({ isolate: target.title.replace(/^workerd: /, ""), busyMsPerRequest: Math.round((100 * busyMs) / Math.max(1, requests)) / 100, hottest, inclusive: inclusiveTime(profile, top) });
  }
  return out;
}

type Send = (<T>(method: string, params?: object) => Promise<T>) & { close(): void };

async function connect(url: string): Promise<Send> {
  const socket = new WebSocket(url);
  await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
  let nextId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve as (result: unknown) => void);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return Object.assign(send, { close: () => socket.close() });
}

const nameOf = (frame: ProfileNode["callFrame"]) => `${frame.functionName || "(anonymous)"}${frame.url ? ` ${frame.url.split("/").pop()}:${frame.lineNumber}` : ""}`;

/** Inclusive time by function, as shares of the busy (not idle) sampled time. */
function inclusiveTime(profile: Profile, top: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((sample, i) => {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(sample)?.callFrame;
    if (!leaf || leaf.functionName === "(idle)" || leaf.functionName === "(program)" || leaf.functionName === "(root)") return;
    busy += micros;
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || frame.functionName === "(root)") continue;
      const name = nameOf(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      totals.set(name, (totals.get(name) ?? 0) + micros);
    }
  });
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => `${((100 * micros) / Math.max(1, busy)).toFixed(1).padStart(5)}%  ${name}`);
}

/** Self time by function, weighted by each sample's interval, as shares of all sampled time. */
function selfTime(profile: Profile, top: number): { busyMs: number; hottest: string[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let all = 0;
  let idle = 0;
  profile.samples.forEach((sample, i) => {
    const frame = byId.get(sample)?.callFrame;
    const micros = profile.timeDeltas[i + 1] ?? 0;
    if (!frame) return;
    const where = frame.url ? ` ${frame.url.split("/").pop()}:${frame.lineNumber}` : "";
    const name = `${frame.functionName || "(anonymous)"}${where}`;
    totals.set(name, (totals.get(name) ?? 0) + micros);
    all += micros;
    if (frame.functionName === "(idle)") idle += micros;
  });
  const hottest = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => `${((100 * micros) / Math.max(1, all)).toFixed(1).padStart(5)}%  ${name}`);
  return { busyMs: (all - idle) / 1000, hottest };
}
