import type { Command } from "./command";
import { aliasCommands } from "./aliases";
import { auditCommands } from "./audit";
import { backendCommands } from "./backends";
import { backupCommand, restoreCommand } from "./backup";
import { doctorCommand } from "./doctor";
import { keyCommands } from "./keys";
import { queueCommand } from "./queue";
import { boundariesCommand } from "./user-boundaries";
import { userCommands } from "./users";

/** Every command, in the order `help` lists them. */
export const commands: Command[] = [...userCommands, boundariesCommand, ...keyCommands, ...auditCommands, ...aliasCommands, ...backendCommands, queueCommand, doctorCommand, backupCommand, restoreCommand];

/** The command named by the first one or two words, and the arguments after them. */
export function findCommand(argv: readonly string[]): { command: Command; args: string[] } | null {
  const two = argv.slice(0, 2).join(" ");
  const byTwo = commands.find((command) => command.name === two);
  if (byTwo) return { command: byTwo, args: argv.slice(2) };
  const byOne = commands.find((command) => command.name === argv[0]);
  return byOne ? { command: byOne, args: argv.slice(1) } : null;
}

export function helpText(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    "usage: npm run gatehouse -- <command> [options]",
    "",
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    `  ${"help".padEnd(width)}  this list; help <command> shows its options`,
    "",
    "environment:",
    "  GATEHOUSE_URL        the gateway (default http://127.0.0.1:7000); for https with your own CA set NODE_EXTRA_CA_CERTS",
    "  GATEHOUSE_ADMIN_KEY  an API key of an admin account (never printed)",
    "  GATEHOUSE_OLLAMA     Ollama's host:port for doctor (default 127.0.0.1:11434)",
    "  GATEHOUSE_DATA       the data dir for doctor and backup (default ./.data)",
    "",
    "exit codes: 0 ok, 1 a check failed (audit verify, doctor), 2 usage or error",
  ].join("\n");
}
