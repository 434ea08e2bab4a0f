/**
 * How the CLI fails. Exit codes: 0 ok, 1 a check failed (audit verify,
 * doctor), 2 usage or operational error (bad arguments, gateway unreachable,
 * refused key, unknown user, an error answer from the API).
 */
export const exitOk = 0;
export const exitCheckFailed = 1;
export const exitError = 2;

/** An expected failure: its message is printed as is, never with a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitError,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Wrong arguments: the message says what is wrong, then the command's usage is shown. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message, exitError);
    this.name = "UsageError";
  }
}
