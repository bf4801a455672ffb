/** The badges and the lines under the model picker: which backend runs and why, what model is loaded. */
import type { FromWorker, ModelInfo } from './protocol.js';

const $ = (id: string) => document.getElementById(id)!;

export function showBackend(m: Extract<FromWorker, { type: 'backend' }>): void {
  const badge = $('backend');
  badge.textContent = `backend: ${m.label} · ${m.name}`;
  badge.title = m.reason;
  badge.className = `badge ${m.name.startsWith('gpujs') ? 'gpu' : m.name === 'wasm' ? 'wasm' : 'cpu'}`;
  $('backend-reason').textContent = `Backend: ${m.reason}`;
}

export function showModel(i: ModelInfo): void {
  const params = i.parameters >= 1e6 ? `${(i.parameters / 1e6).toFixed(1)} M` : `${(i.parameters / 1e3).toFixed(1)} k`;
  $('model-status').textContent = `${i.name}: ${params} parameters, ${i.layers} layers, ${i.grid}×${i.grid} visual tokens (${i.imageSize} px), loaded in ${i.seconds.toFixed(1)} s`;
  $('model-badge').textContent = `model: ${i.name}`;
  $('load-progress').hidden = true;
}
