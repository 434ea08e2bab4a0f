import type { Command } from "./command";
import { parseCommand } from "./command";
import { adminKeyCheck, dataDirCheck, gatewayChecks, loopbackOnlyCheck, upstreamCheck, type CheckResult, type DoctorInput } from "./doctor-checks";
import { exitCheckFailed, exitOk } from "./errors";

/** Runs every check; exit 1 when any failed (warnings alone pass). */
export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  const [gateway, upstream, loopback, data, admin] = await Promise.all([
    gatewayChecks(input),
    upstreamCheck(input),
    loopbackOnlyCheck(input),
    dataDirCheck(input),
    adminKeyCheck(input),
  ]);
  return [...gateway, upstream, loopback, ...data, admin];
}

export const doctorCommand: Command = {
  name: "doctor",
  usage: "doctor",
  summary: "check the gateway, Ollama (and that it is loopback-only), the data dir, disk, clock and admin key",
  async run(args, context) {
    parseCommand(doctorCommand, args, {}, []);
    const results = await runDoctor({ env: context.env });
    const width = Math.max(...results.map((check) => check.name.length));
    for (const check of results) context.out(`${check.verdict.toUpperCase().padEnd(4)}  ${check.name.padEnd(width)}  ${check.reason}`);
    const failed = results.filter((check) => check.verdict === "fail").length;
    const warned = results.filter((check) => check.verdict === "warn").length;
    context.out(`\n${failed} failed, ${warned} warnings, ${results.length - failed - warned} ok`);
    return failed > 0 ? exitCheckFailed : exitOk;
  },
};
