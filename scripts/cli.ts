/**
 * `npm run gatehouse -- <command>`: the admin CLI. Most commands talk to a
 * running Gatehouse over its admin API with an admin's API key
 * (GATEHOUSE_URL, GATEHOUSE_ADMIN_KEY); backup and restore work on the data
 * dir itself. The commands live in scripts/cli/; `help` lists them.
 * Exit codes: 0 ok, 1 a check failed, 2 usage or error.
 */
import { processContext } from "./cli/command";
import { findCommand, helpText } from "./cli/commands";
import { CliError, UsageError, exitError, exitOk } from "./cli/errors";

/** node:sqlite warns that it is experimental on Node 22; that is noise for an operator. */
function quietExperimentalWarnings(): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name !== "ExperimentalWarning") process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

async function main(argv: string[]): Promise<number> {
  const context = processContext();
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    const topic = argv[0] === "help" && argv.length > 1 ? findCommand(argv.slice(1)) : null;
    context.out(topic ? `usage: npm run gatehouse -- ${topic.command.usage}\n\n${topic.command.summary}` : helpText());
    return argv.length === 0 ? exitError : exitOk;
  }
  const found = findCommand(argv);
  if (!found) {
    context.err(`gatehouse: unknown command: ${argv.slice(0, 2).join(" ")}\n\n${helpText()}`);
    return exitError;
  }
  try {
    return await found.command.run(found.args, context);
  } catch (error) {
    if (error instanceof UsageError) {
      context.err(`gatehouse ${found.command.name}: ${error.message}\nusage: npm run gatehouse -- ${error.usage ?? found.command.usage}`);
      return error.exitCode;
    }
    if (error instanceof CliError) {
      context.err(`gatehouse ${found.command.name}: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

quietExperimentalWarnings();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Unexpected: the message only (it never carries the key, which lives in one header), no stack.
    process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitError;
  },
);
