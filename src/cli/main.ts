/**
 * `controlmllm <command> [options]`: the thin CLI entry point. Each command lives in commands/ and
 * parses its own flags; errors are printed as one clear line and exit with status 1 (2 for usage).
 */
import { commands } from './commands.js';
import type { CommandIO } from './command.js';

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`usage: controlmllm <command> [options]\n\ncommands:\n${commands.map((c) => `  ${c.name.padEnd(16)}${c.summary}`).join('\n')}\n\nRun 'controlmllm <command> --help' for a command's options.\n`);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`controlmllm: unknown command '${name}' (commands: ${commands.map((c) => c.name).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    io.stderr(`controlmllm ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
