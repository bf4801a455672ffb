/**
 * `controlmllm inspect` on a Qwen2.5-VL folder: config summary, parameters per component (vision tower,
 * merger, language model), stored dtypes and the loader's verdict — headers only, no weight is read.
 */
import type { CommandIO } from '../command.js';
import { formatProblems } from '../../model/load.js';
import type { Qwen25VLConfig } from '../../model/qwen2_5_vl/config.js';
import { checkQwenWeights, qwenParameterSpecs, sanitizeQwen } from '../../model/qwen2_5_vl/load.js';
import { readQwenConfig } from '../../model/qwen2_5_vl/load-node.js';
import { openCheckpoint } from '../../safetensors/node.js';
import type { TensorSource } from '../../safetensors/index.js';
import { storageLines } from './inspect.js';

const n = (x: number) => x.toLocaleString('en-US');

export function describeQwenConfig(c: Qwen25VLConfig): string[] {
  const v = c.vision_config;
  const t = c.text_config;
  return [
    `vision: Qwen2.5-VL ViT, ${v.depth} blocks, hidden ${v.hidden_size}, ${v.num_heads} heads, mlp ${v.intermediate_size} ${v.hidden_act}, ` +
      `patch ${v.patch_size} × temporal ${v.temporal_patch_size}, window ${v.window_size} px, full attention in blocks ${v.fullatt_block_indexes.join(',')}`,
    `merger: ${v.spatial_merge_size}×${v.spatial_merge_size} patches → ${v.hidden_size * v.spatial_merge_size ** 2} → ${v.out_hidden_size} (one token per ${v.patch_size * v.spatial_merge_size}×${v.patch_size * v.spatial_merge_size} px)`,
    `text: Qwen2, ${t.num_hidden_layers} layers, hidden ${t.hidden_size}, ${t.num_attention_heads} heads (${t.num_key_value_heads} kv) × ${t.head_dim}, ` +
      `mlp ${t.intermediate_size} ${t.hidden_act}, vocab ${t.vocab_size}, rms eps ${t.rms_norm_eps}, rope θ ${t.rope_theta}, mrope_section ${t.mrope_section.join(',')}` +
      `${t.tie_word_embeddings ? ', tied lm_head' : ''}`,
    `tokens: image ${c.image_token_id}, vision_start ${c.vision_start_token_id}, vision_end ${c.vision_end_token_id}, eos ${t.eos_token_id.join(',') || '-'}`,
  ];
}

export function describeQwenParameters(c: Qwen25VLConfig): string[] {
  const specs = qwenParameterSpecs(c);
  const count = (f: (name: string) => boolean) => specs.filter((s) => f(s.name)).reduce((a, s) => a + s.shape.reduce((p, d) => p * d, 1), 0);
  const rows: Array<[string, (name: string) => boolean]> = [
    ['vision tower', (s) => s.startsWith('visual.') && !s.startsWith('visual.merger.')],
    ['merger', (s) => s.startsWith('visual.merger.')],
    ['language model', (s) => !s.startsWith('visual.')],
  ];
  return ['parameters:', ...rows.map(([label, f]) => `  ${label.padEnd(16)}${n(count(f)).padStart(16)}`), `  ${'total'.padEnd(16)}${n(count(() => true)).padStart(16)}`];
}

function describeStorage(src: TensorSource): string[] {
  const renamed = src.names().filter((s) => sanitizeQwen(s) !== s).length;
  return storageLines(src, renamed ? `${renamed} renamed from the ≥ 4.52 layout or skipped` : '');
}

/** Exit status: 0 loadable, 1 a problem. */
export function inspectQwen(dir: string, io: CommandIO): number {
  let config: Qwen25VLConfig;
  try {
    config = readQwenConfig(dir);
  } catch (e) {
    io.stderr(`controlmllm inspect: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout([`model: ${dir} (Qwen2.5-VL)`, ...describeQwenConfig(config), ...describeQwenParameters(config), ''].join('\n'));
  try {
    const source = openCheckpoint(dir);
    io.stdout(`${describeStorage(source).join('\n')}\n`);
    const problems = checkQwenWeights(source, config);
    const bad = problems.missing.length + problems.unexpected.length + problems.misshaped.length + problems.badDtype.length;
    io.stdout(bad ? `loading problem:\n${formatProblems(dir, problems, 'Qwen2.5-VL')}\n` : `weights: all ${problems.matched.size} tensors present with the expected shapes\n`);
    return bad ? 1 : 0;
  } catch (e) {
    io.stdout(`loading problem: ${(e as Error).message}\n`);
    return 1;
  }
}
