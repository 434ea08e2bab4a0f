import { resolve } from "node:path";
import type { Command } from "./command";
import { parseCommand } from "./command";
import { BackupError, backupDataDir, restoreDataDir } from "../lib/backup";
import { version } from "../../src/version";
import { CliError, UsageError, exitOk } from "./errors";

/**
 * backup | restore — local: they read and write the data dir directly (the
 * gateway may run during a backup; it must be stopped for a --force restore).
 */

const defaultDataDir = (env: NodeJS.ProcessEnv) => env.GATEHOUSE_DATA?.trim() || "./.data";

async function asCliError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const backupCommand: Command = {
  name: "backup",
  usage: "backup --out DIR [--data DIR]   (data defaults to GATEHOUSE_DATA or ./.data)",
  summary: "consistent copy of all state (SQLite online backup) plus a manifest with SHA-256s; safe while running",
  async run(args, context) {
    const { values } = parseCommand(backupCommand, args, { data: { type: "string" }, out: { type: "string" } }, []);
    if (!values.out) throw new UsageError("--out DIR is required (a new or empty directory)", backupCommand.usage);
    const dataDir = resolve(values.data ?? defaultDataDir(context.env));
    const outDir = resolve(values.out);
    const started = Date.now();
    const { manifest } = await asCliError(() => backupDataDir(dataDir, outDir));
    for (const file of manifest.files) context.out(`${file.kind.padEnd(6)} ${kib(file.size).padStart(12)}  ${file.path}`);
    const total = manifest.files.reduce((sum, file) => sum + file.size, 0);
    context.out(`backed up ${manifest.files.length} files (${kib(total)}) from ${dataDir} to ${outDir} in ${Date.now() - started} ms`);
    return exitOk;
  },
};

export const restoreCommand: Command = {
  name: "restore",
  usage: "restore --from DIR --data DIR [--force]",
  summary: "check a backup's hashes and restore it into a new or empty data dir (--force moves a non-empty one aside)",
  async run(args, context) {
    const options = { from: { type: "string" }, data: { type: "string" }, force: { type: "boolean" } } as const;
    const { values } = parseCommand(restoreCommand, args, options, []);
    if (!values.from || !values.data) throw new UsageError("--from DIR and --data DIR are required", restoreCommand.usage);
    const fromDir = resolve(values.from);
    const dataDir = resolve(values.data);
    const result = await asCliError(() => restoreDataDir(fromDir, dataDir, { force: values.force === true }));
    if (result.movedAside) context.out(`the previous contents of ${dataDir} were moved to ${result.movedAside}`);
    context.out(`restored ${result.manifest.files.length} files (all SHA-256 verified) from the backup of ${result.manifest.createdAt} into ${dataDir}`);
    if (result.manifest.gatehouseVersion !== version) {
      context.err(`note: the backup was made by Gatehouse ${result.manifest.gatehouseVersion}, this is ${version}; migrations run at start`);
    }
    return exitOk;
  },
};
