/**
 * `controlmllm tokenize`: text → token ids (or ids → text) with a model folder's tokenizer.
 * Prints the ids comma-separated (`1,15043,3186`), the decoded text, or JSON with `--json`.
 * Exit status: 0 ok, 1 the tokenizer failed (missing/malformed files, unknown id), 2 usage error.
 */
import { parseArgs } from 'node:util';
import type { Command, CommandIO } from '../command.js';
import { loadTokenizerFromDir } from '../../io/tokenizer-node.js';

const USAGE = `usage: controlmllm tokenize --model DIR [--no-bos] [--json] TEXT
       controlmllm tokenize --model DIR --decode IDS [--skip-special] [--json]

Encodes TEXT into token ids with the tokenizer of a model folder (tokenizer.json, or a tiktoken
tokenizer.model, plus tokenizer_config.json), or decodes ids back to text.
TEXT is one argument: quote it; write a newline as $'...\\n...' in bash.

options:
  --model DIR       the model folder
  --decode IDS      decode comma-separated ids (e.g. 1,15043,3186) instead of encoding TEXT
  --no-bos          do not prepend the BOS id when encoding
  --skip-special    drop special tokens (<s>, <image>, ...) when decoding
  --json            print JSON: {"ids": [...], "tokens": [...]} or {"ids": [...], "text": "..."}
  -h, --help        show this help`;

const OPTIONS = {
  model: { type: 'string' },
  decode: { type: 'string' },
  'no-bos': { type: 'boolean' },
  'skip-special': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A mistake in the command line (exit status 2). */
class UsageError extends Error {}

/** Parses `--decode 1,2,3` (spaces and surrounding brackets allowed). */
function parseIds(text: string): number[] {
  const body = text.trim().replace(/^\[(.*)\]$/s, '$1').trim();
  if (body === '') throw new UsageError('--decode: no ids given');
  return body.split(',').map((part) => {
    const s = part.trim();
    if (!/^\d+$/.test(s)) {
      throw new UsageError(`--decode: "${s}" is not a token id (expected comma-separated non-negative integers, e.g. 1,15043,3186)`);
    }
    return Number(s);
  });
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(err.message)?.[1] ?? err.message;
      throw new UsageError(`unknown option '${option}' (see 'controlmllm tokenize --help')`);
    }
    throw new UsageError(err.message);
  }
}

type Request =
  | { kind: 'help' }
  | { kind: 'encode'; model: string; text: string; noBos: boolean; json: boolean }
  | { kind: 'decode'; model: string; ids: number[]; skipSpecial: boolean; json: boolean };

/** Turns argv into what to do; throws UsageError for a bad command line. */
function readRequest(argv: string[]): Request {
  const { values, positionals } = parse(argv);
  if (values.help) return { kind: 'help' };
  const model = values.model;
  if (model === undefined) throw new UsageError('--model DIR is required');
  if (positionals.length > 1) throw new UsageError(`expected one TEXT argument (quote it), got ${positionals.length}`);
  const json = values.json ?? false;
  if (values.decode !== undefined) {
    if (positionals.length > 0) throw new UsageError('give either TEXT or --decode IDS, not both');
    if (values['no-bos']) throw new UsageError('--no-bos applies to encoding, not to --decode');
    return { kind: 'decode', model, ids: parseIds(values.decode), skipSpecial: values['skip-special'] ?? false, json };
  }
  if (positionals.length === 0) throw new UsageError('nothing to do: give TEXT or --decode IDS');
  if (values['skip-special']) throw new UsageError('--skip-special applies to --decode only');
  return { kind: 'encode', model, text: positionals[0]!, noBos: values['no-bos'] ?? false, json };
}

async function run(argv: string[], out: CommandIO): Promise<number> {
  let request: Request;
  try {
    request = readRequest(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    out.stderr(`controlmllm tokenize: ${e.message}\n`);
    return 2;
  }
  if (request.kind === 'help') {
    out.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    const tokenizer = await loadTokenizerFromDir(request.model);
    if (request.kind === 'decode') {
      const { ids } = request;
      const text = tokenizer.decode(ids, { skipSpecial: request.skipSpecial });
      out.stdout(request.json ? `${JSON.stringify({ ids, text })}\n` : `${text}\n`);
    } else {
      // Without --no-bos the tokenizer's own default applies (tokenizer_config.json's add_bos_token).
      const ids = tokenizer.encode(request.text, request.noBos ? { addBos: false } : {});
      const tokens = ids.map((id) => tokenizer.idToToken(id));
      out.stdout(request.json ? `${JSON.stringify({ ids, tokens })}\n` : `${ids.join(',')}\n`);
    }
    return 0;
  } catch (e) {
    out.stderr(`controlmllm tokenize: ${(e as Error).message}\n`);
    return 1;
  }
}

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'text → token ids (or --decode ids → text) with a model folder’s tokenizer',
  usage: USAGE,
  run,
};
