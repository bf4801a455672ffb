/** Where the page's models come from: the bundled model and the tiny test model over HTTP, or a picked folder. */
import type { ModelSource } from './protocol.js';

export const DEFAULT_MODEL = new URL('../weights/default/', document.baseURI).href;
const TINY_MODEL = new URL('dist/models/tiny/', document.baseURI).href;

/** The model the picker names, or null for a folder not picked yet. */
export function modelSource(): ModelSource | null {
  const choice = (document.getElementById('model-select') as HTMLSelectElement).value;
  if (choice === 'default') return { kind: 'url', base: DEFAULT_MODEL, label: 'weights/default' };
  if (choice === 'tiny') return { kind: 'url', base: TINY_MODEL, label: 'tiny test model' };
  const files = Array.from((document.getElementById('folder-input') as HTMLInputElement).files ?? []);
  if (!files.length) return null;
  const folder = files[0].webkitRelativePath.split('/')[0] || 'picked folder';
  return { kind: 'files', files, label: folder };
}
