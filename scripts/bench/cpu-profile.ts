/**
 * Where the worker's time goes: samples the gateway isolate's CPU through
 * workerd's V8 inspector (GATEHOUSE_INSPECTOR_PORT, loopback only) while
 * `run` drives load, and returns the functions with the most self time.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export async function profileWorker(port: number, run: () => Promise<unknown>, top = Number(process.env.BENCH_PROFILE_TOP ?? 25)): Promise<string[]> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title: string }[];
  const target = targets.find((t) => t.title.includes("core:user")) ?? targets[0];
  if (!target) throw new Error("no inspector target");
  const socket = new WebSocket(target.webSocketDebuggerUrl);
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
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("Profiler.start");
  await run();
  const { profile } = await send<{ profile: { nodes: ProfileNode[]; samples: number[] } }>("Profiler.stop");
  socket.close();
  return selfTime(profile.nodes, profile.samples, top);
}

function selfTime(nodes: ProfileNode[], samples: number[], top: number): string[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  for (const sample of samples) {
    const frame = byId.get(sample)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? ` ${frame.url.split("/").pop()}:${frame.lineNumber}` : "";
    const name = `${frame.functionName || "(anonymous)"}${where}`;
    totals.set(name, (totals.get(name) ?? 0) + 1);
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, count]) => `${((100 * count) / samples.length).toFixed(1).padStart(5)}%  ${name}`);
}
