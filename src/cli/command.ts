/** The shape of one CLI subcommand: parse its own argv, write through `out`, return an exit code. */
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run: (argv: string[], out: CommandIO) => Promise<number> | number;
}
