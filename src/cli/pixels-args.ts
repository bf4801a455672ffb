/** `--min-pixels` / `--max-pixels`: the Qwen2.5-VL processor's area bounds (fewer pixels: fewer image tokens, faster). */
import { numberFlag } from './flags.js';

export const pixelsOption = {
  'min-pixels': { type: 'string' },
  'max-pixels': { type: 'string' },
} as const;

export interface PixelsOptions {
  minPixels?: number;
  maxPixels?: number;
}

export function pixelsFromFlags(v: { 'min-pixels'?: string; 'max-pixels'?: string }): PixelsOptions {
  const o: PixelsOptions = {};
  const min = numberFlag(v['min-pixels'], '--min-pixels', { integer: true });
  const max = numberFlag(v['max-pixels'], '--max-pixels', { integer: true });
  if (min !== undefined) o.minPixels = min;
  if (max !== undefined) o.maxPixels = max;
  if (max === 0) throw new Error('--max-pixels must be positive');
  return o;
}
