/** Every subcommand of `controlmllm`, in the order `--help` lists them. */
import type { Command } from './command.js';
import { tokenizeCommand } from './commands/tokenize.js';

export const commands: Command[] = [tokenizeCommand];
