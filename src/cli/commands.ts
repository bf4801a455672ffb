/** Every subcommand of `controlmllm`, in the order `--help` lists them. */
import type { Command } from './command.js';
import { askCommand } from './commands/ask.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { traceCommand } from './commands/trace.js';
import { inspectCommand } from './commands/inspect.js';

export const commands: Command[] = [askCommand, tokenizeCommand, traceCommand, inspectCommand];
