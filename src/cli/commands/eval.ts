/**
 * `controlmllm eval`: the official ControlMLLM evaluation (ROC, RTC, RefCOCOg, ScreenSpot, and the
 * project's synthetic form) — src/eval/ does the work; this parses flags, prints and writes the report.
 * `controlmllm eval merge` combines the answers files of a sharded run.
 */
import { checkOutputPath, writeFilesAtomic } from '../../io/output-file-node.js';
import { parseArgs } from 'node:util';
import { evaluate } from '../../eval/evaluate.js';
import { mergeAnswers, writeMerged } from '../../eval/merge.js';
import { markdownReport, type Report } from '../../eval/report.js';
import { useBackend } from '../backend-args.js';
import type { Command, CommandIO } from '../command.js';
import { EVAL_OPTIONS, evalRequest } from '../eval-args.js';

const usage = `usage: controlmllm eval --model DIR --questions FILE --data DIR
        [--preset roc|rtc|refcocog|screenspot|none] [--prompt box|mask|scribble|point|all] [--method v1|pp|both]
        [--split test|val] [--offset N] [--limit N] [--shard i/n] [--answers-file OUT.jsonl] [--resume]
        [--keep-going] [--out report.json] [--markdown table.md] [--quiet] [--backend cpu|wasm[:threads]|gpujs[:mode]]
        v1:  [--steps T] [--alpha A] [--lr LR] [--beta B] [--early-stop PCT|off] [--sigma S] [--layers L] [--accumulate|--no-accumulate]
        ++:  [--pp-steps N] [--pp-alpha A] [--pp-lr LR] [--pp-sigma S] [--pp-layers L] [--eps E] [--contrastive A,B|off]
        both: [--max-new-tokens N] [--pad-to-square]
       controlmllm eval merge --questions FILE [--answers-file MERGED.jsonl] [--out report.json] [--markdown table.md]
        [--keep-going] SHARD.jsonl...

Reads the official question files as they are (ROC question_roc.json, RTC question_rtc.json, RefCOCOg
refcocog.json, ScreenSpot question_screenspot.json; --data is the task folder holding image/ and mask/)
or the project's synthetic form. The preset named after the official scripts is chosen from the file
(printed; --preset overrides, explicit flags beat it). Each question is answered without a region
(baseline) and with ControlMLLM; ROC/RTC are scored with the official eval.py rule, RefCOCOg/ScreenSpot
with BLEU-4 and CIDEr-D. --answers-file appends one official-form line per answer as it is produced
(question_id, answers [baseline, controlled]); --resume continues it; --shard i/n answers a contiguous
slice (0-based i) for \`eval merge\`. Failed questions are counted apart; the exit code is 1 when any
failed, unless --keep-going.`;

/** Refuses, before any question runs, a --out or --markdown path that cannot be written. */
function checkReportPaths(v: { out?: string; markdown?: string }): void {
  for (const file of [v.out, v.markdown]) if (file) checkOutputPath(file);
}

/** Prints the table; writes --out and --markdown atomically, both or neither. */
async function printReport(report: Report, v: { out?: string; markdown?: string }, io: CommandIO): Promise<void> {
  const md = markdownReport(report);
  const text = (s: string) => new TextEncoder().encode(s);
  const files = [
    ...(v.out ? [{ path: v.out, bytes: text(`${JSON.stringify(report, null, 1)}\n`) }] : []),
    ...(v.markdown ? [{ path: v.markdown, bytes: text(`${md}\n`) }] : []),
  ];
  io.stdout(`${md}\n`);
  if (files.length) await writeFilesAtomic(files);
}

/** Exit code for a finished report: 1 when something failed, unless --keep-going. */
function exitCode(failed: number, keepGoing: boolean | undefined, io: CommandIO): number {
  if (!failed) return 0;
  io.stderr(`${failed} question run(s) failed${keepGoing ? ' (--keep-going: exit code 0)' : '; exit code 1 (pass --keep-going to accept)'}\n`);
  return keepGoing ? 0 : 1;
}

async function merge(argv: string[], io: CommandIO): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv, strict: true, allowPositionals: true,
    options: { questions: { type: 'string' }, 'answers-file': { type: 'string' }, out: { type: 'string' }, markdown: { type: 'string' }, 'keep-going': { type: 'boolean' } },
  });
  if (!v.questions) throw new Error(`eval merge: --questions is required\n${usage}`);
  checkReportPaths(v);
  const r = mergeAnswers(v.questions, positionals, io.stderr);
  if (v['answers-file']) writeMerged(v['answers-file'], r);
  io.stderr(`merged ${positionals.length} file(s): ${r.lines.length} answers\n`);
  await printReport(r.report, v, io);
  return exitCode(r.report.failures.length, v['keep-going'], io);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'the official ControlMLLM evaluation (ROC, RTC, RefCOCOg, ScreenSpot): resumable, sharded; `eval merge`',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    if (argv[0] === 'merge') return merge(argv.slice(1), io);
    const { values: v } = parseArgs({ args: argv, strict: true, options: EVAL_OPTIONS });
    const req = evalRequest(v, usage);
    checkReportPaths(v);
    const release = await useBackend(v.backend, io.stderr, v['wasm-arrays-mib']);
    try {
      const outcome = await evaluate(req, io);
      await printReport(outcome.report, v, io);
      io.stderr(`${outcome.seconds.toFixed(0)} s\n`);
      return exitCode(outcome.failed, req.keepGoing, io);
    } finally {
      release();
    }
  },
};
