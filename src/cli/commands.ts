/** Every subcommand of `controlmllm`, in the order `--help` lists them. */
import type { Command } from './command.js';
import { askCommand } from './commands/ask.js';
import { demoCommand } from './commands/demo.js';
import { generateCommand } from './commands/generate.js';
import { preprocessCommand } from './commands/preprocess.js';
import { tokenizeCommand } from './commands/tokenize.js';
import { traceCommand } from './commands/trace.js';
import { inspectCommand } from './commands/inspect.js';
import { trainDefaultCommand } from './commands/train-default.js';
import { evalCommand } from './commands/eval.js';

export const commands: Command[] = [demoCommand, generateCommand, askCommand, preprocessCommand, tokenizeCommand, traceCommand, inspectCommand, trainDefaultCommand, evalCommand];
