// What a subcommand of `sanswitch` is to main.ts: a name, a one-line summary for the
// command list, its --help text, and a function that runs it and returns the exit status.

/** One subcommand (one file per subcommand in src/cli/). */
export interface Command {
  /** The word after `sanswitch`, e.g. `doctor`. */
  readonly name: string;
  /** One line for `sanswitch --help`. */
  readonly summary: string;
  /** The full `--help` text, starting with the usage line. */
  readonly usage: string;
  /**
   * Runs the subcommand with the words after its name; resolves to the process's exit
   * status. Throws UsageError for a bad command line. Main thread only. Subcommands import
   * the library inside `run`, so that `--help` and argument errors work even where it cannot
   * load.
   */
  run(argv: string[]): Promise<number>;
}

/** Writes one line to stderr, prefixed `sanswitch: ` (stdout carries only data). */
export function note(line: string): void {
  process.stderr.write(`sanswitch: ${line}\n`);
}
