/**
 * `controlmllm inspect --model DIR`: what a LLaVA checkpoint folder holds, without reading any weight.
 * Prints the config summary, the parameter count per component (vision tower, projector, language
 * model), the stored dtypes, and the loader's verdict (missing / unexpected / mis-shaped tensors).
 * Exit status: 0 loadable, 1 a problem (config, files, weights), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isQwen25VLConfig } from '../../model/qwen2_5_vl/config.js';
import { inspectQwen } from './inspect-qwen.js';
import type { Command, CommandIO } from '../command.js';
import { numImageTokens, type LlavaConfig } from '../../model/config.js';
import { checkWeights, formatProblems, parameterSpecs, sanitize } from '../../model/load.js';
import { readLlavaConfig } from '../../model/load-node.js';
import { openCheckpoint } from '../../safetensors/node.js';
import type { TensorSource } from '../../safetensors/index.js';

const USAGE = `usage: controlmllm inspect --model DIR

Summarises a LLaVA or Qwen2.5-VL checkpoint folder (config.json + safetensors weights, single file or sharded):
config, parameters per component, stored dtypes, and whether the weights load (headers only).

options:
  --model DIR    the model folder
  -h, --help     show this help`;

const COMPONENTS: Array<[string, string]> = [
  ['vision tower', 'vision_tower.'],
  ['projector', 'multi_modal_projector.'],
  ['language model', 'language_model.'],
];

const n = (x: number) => x.toLocaleString('en-US');

export function describeConfig(c: LlavaConfig): string[] {
  const v = c.vision_config;
  const t = c.text_config;
  return [
    `vision: CLIP, ${v.num_hidden_layers} layers, hidden ${v.hidden_size}, ${v.num_attention_heads} heads, mlp ${v.intermediate_size} ${v.hidden_act}, ` +
      `image ${v.image_size} / patch ${v.patch_size} → ${numImageTokens(c)} image tokens (feature layer ${c.vision_feature_layer.join(',')}, strategy ${c.vision_feature_select_strategy})`,
    `projector: ${v.hidden_size * c.vision_feature_layer.length} → ${t.hidden_size} → ${t.hidden_size}, ${c.projector_hidden_act}${c.multimodal_projector_bias ? '' : ', no bias'}`,
    `text: Llama, ${t.num_hidden_layers} layers, hidden ${t.hidden_size}, ${t.num_attention_heads} heads (${t.num_key_value_heads} kv) × ${t.head_dim}, ` +
      `mlp ${t.intermediate_size} ${t.hidden_act}, vocab ${t.vocab_size}, rms eps ${t.rms_norm_eps}, rope θ ${t.rope_theta}` +
      `${t.tie_word_embeddings ? ', tied lm_head' : ''}`,
    `tokens: image ${c.image_token_index}, bos ${t.bos_token_id ?? '-'}, eos ${t.eos_token_id.join(',') || '-'}`,
  ];
}

/** Parameter count per component, from the module tree (no weights needed). */
export function describeParameters(c: LlavaConfig): string[] {
  const specs = parameterSpecs(c);
  const count = (prefix: string) => specs.filter((s) => s.name.startsWith(prefix)).reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1), 0);
  const rows = COMPONENTS.map(([label, prefix]) => `  ${label.padEnd(16)}${n(count(prefix)).padStart(16)}`);
  return ['parameters:', ...rows, `  ${'total'.padEnd(16)}${n(count('')).padStart(16)}`];
}

/** Tensors, files and dtypes of the stored checkpoint. */
export function describeStorage(src: TensorSource): string[] {
  const names = src.names();
  const layout = names.some((s) => s.startsWith('model.') || s === 'lm_head.weight') ? 'newer transformers names' : 'llava-hf names';
  const renamed = names.filter((s) => sanitize(s) !== s).length;
  return storageLines(src, `${layout}${renamed ? `, ${renamed} renamed or skipped` : ''}`);
}

/** The tensor, file and dtype counts of a checkpoint, with a note on its name layout. */
export function storageLines(src: TensorSource, note: string): string[] {
  const names = src.names();
  const dtypes = new Map<string, number>();
  const files = new Set<string>();
  for (const name of names) {
    const info = src.info(name);
    dtypes.set(info.dtype, (dtypes.get(info.dtype) ?? 0) + 1);
    files.add(info.file);
  }
  return [
    `checkpoint: ${names.length} tensors in ${files.size} file${files.size === 1 ? '' : 's'}${note ? ` (${note})` : ''}`,
    `stored dtypes: ${[...dtypes].map(([d, k]) => `${d} × ${k}`).join(', ')}`,
  ];
}

async function run(argv: string[], io: CommandIO): Promise<number> {
  let model: string;
  try {
    const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (values.model === undefined) throw new Error('--model DIR is required');
    model = values.model;
  } catch (e) {
    io.stderr(`controlmllm inspect: ${(e as Error).message} (see 'controlmllm inspect --help')\n`);
    return 2;
  }
  if (isQwenFolder(model)) return inspectQwen(model, io);
  let config: LlavaConfig;
  try {
    config = readLlavaConfig(model);
  } catch (e) {
    io.stderr(`controlmllm inspect: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout([`model: ${model}`, ...describeConfig(config), ...describeParameters(config), ''].join('\n'));
  try {
    const source = openCheckpoint(model);
    io.stdout(`${describeStorage(source).join('\n')}\n`);
    const problems = checkWeights(source, config);
    const bad = problems.missing.length + problems.unexpected.length + problems.misshaped.length + problems.badDtype.length;
    io.stdout(bad ? `loading problem:\n${formatProblems(model, problems)}\n` : `weights: all ${problems.matched.size} tensors present with the expected shapes\n`);
    return bad ? 1 : 0;
  } catch (e) {
    io.stdout(`loading problem: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Whether config.json says Qwen2.5-VL (an unreadable config is reported by the LLaVA path). */
function isQwenFolder(dir: string): boolean {
  try {
    return isQwen25VLConfig(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')));
  } catch {
    return false;
  }
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'summarise a LLaVA or Qwen2.5-VL checkpoint folder: config, parameters, dtypes, loading problems',
  usage: USAGE,
  run,
};
