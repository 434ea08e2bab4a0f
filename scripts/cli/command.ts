import { parseArgs, type ParseArgsConfig } from "node:util";
import { ApiClient } from "./client";
import { UsageError, exitOk } from "./errors";

/** What a command runs with: the environment, where to write, and the admin API client. */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  api(): ApiClient;
}

export interface Command {
  /** One or two words, e.g. "users list", "doctor". */
  name: string;
  usage: string;
  summary: string;
  run(args: string[], context: CliContext): Promise<number>;
}

export function processContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  let client: ApiClient | undefined;
  return {
    env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    api: () => (client ??= ApiClient.fromEnv(env)),
  };
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * node:util parseArgs, strict, with its errors turned into a usage error for
 * this command, and an exact number of positionals.
 */
export function parseCommand<O extends Options>(command: Command, args: string[], options: O, positionals: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split("\n")[0]! : String(error), command.usage);
  }
  if (parsed.positionals.length !== positionals.length) {
    const expected = positionals.length === 0 ? "no arguments" : positionals.map((name) => `<${name}>`).join(" ");
    throw new UsageError(`expected ${expected}, got ${parsed.positionals.length === 0 ? "none" : parsed.positionals.join(" ")}`, command.usage);
  }
  return parsed;
}

/** What parseCommand gives a command's body: the flags' values and the positionals. */
export type Parsed<O extends Options> = ReturnType<typeof parseCommand<O>>;

/**
 * A command from its head and its body, the shape they all share: the
 * arguments are parsed first (strict flags, exactly these positionals, a
 * usage error otherwise), then the body runs; a body that returns no exit
 * code succeeded.
 */
export function command<O extends Options>(
  head: Pick<Command, "name" | "usage" | "summary">,
  options: O,
  positionals: string[],
  body: (parsed: Parsed<O>, context: CliContext) => Promise<number | void>,
): Command {
  const self: Command = {
    ...head,
    async run(args, context) {
      return (await body(parseCommand(self, args, options, positionals), context)) ?? exitOk;
    },
  };
  return self;
}

/** A whole non-negative number from a flag, or null for "none". */
export function countFlag(name: string, text: string, usage: string, allowNone: boolean): number | null {
  if (allowNone && text === "none") return null;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a positive whole number${allowNone ? " or none" : ""}, got ${text}`, usage);
  }
  return Number(text);
}
