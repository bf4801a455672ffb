/**
 * Sample images and a model folder's demo.json (the bundled model has one): its tuned settings fill the
 * options and the question, and its image joins the samples.
 */
interface ModelDemo {
  image: string;
  question: string;
  options?: { method?: string; steps?: number; lr?: number; alpha?: number; layers?: number[] | 'all' };
}

/** A square button showing the image at `url`; `onPick(button)` loads it. */
export function sampleButton(url: string, alt: string, onPick: (b: HTMLButtonElement) => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = 'sample';
  b.title = alt;
  b.setAttribute('aria-label', `sample image: ${alt}`);
  b.innerHTML = `<img alt="" src="${url}">`;
  b.addEventListener('click', () => onPick(b));
  return b;
}

/** Reads `base`/demo.json when there is one, fills the options from it; returns its image URL (or null). */
export async function applyModelDemo(base: string): Promise<string | null> {
  const res = await fetch(new URL('demo.json', base));
  if (!res.ok) return null;
  const demo = (await res.json()) as ModelDemo;
  const o = demo.options ?? {};
  const set = (id: string, v: unknown) => v !== undefined && ((document.getElementById(id) as HTMLInputElement).value = String(v));
  set('opt-method', o.method);
  set('opt-steps', o.steps);
  set('opt-alpha', o.alpha);
  set('opt-lr', o.lr);
  // the layers field takes the CLI's syntax: 'all' or a comma list (exact, where a-b from the ends would not be)
  if (o.layers !== undefined) set('opt-layers', o.layers === 'all' ? 'all' : o.layers.join(','));
  set('question', demo.question);
  return new URL(demo.image, base).href;
}
