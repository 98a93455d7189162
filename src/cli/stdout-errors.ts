/**
 * What happens when stdout cannot be written. EPIPE (the reader went away, as in
 * `vsearch query | head -1`) ends quietly: the command's own exit status stands, as if the
 * output had been read. Any other error (ENOSPC, EIO) is one line on stderr and exit 1: the
 * output is incomplete. Either way, no stack trace. Errors writing stderr are dropped: there
 * is nowhere left to report them.
 */
export class StdoutErrors {
  #failed = false;

  constructor() {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => this.#onError(error));
    process.stderr.on('error', () => undefined);
  }

  /** The process's exit status given the command's: 1 in place of 0 once stdout failed (other than EPIPE). */
  exitCode(commandCode: number): number {
    return this.#failed && commandCode === 0 ? 1 : commandCode;
  }

  #onError(error: NodeJS.ErrnoException): void {
    if (this.#failed || error.code === 'EPIPE') return;
    this.#failed = true;
    process.stderr.write(
      `vsearch: cannot write the output to stdout (${error.code ?? error.message}); what was printed is incomplete\n`,
    );
    // The error may come after the command returned its status (a pipe's writes finish later).
    process.exitCode = this.exitCode(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }
}
