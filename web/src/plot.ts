/** The energy per optimisation step as a small SVG line plot (redrawn as steps arrive). */
const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function plotEnergy(svg: SVGSVGElement, losses: readonly number[], totalSteps: number): void {
  const W = 320, H = 150, left = 52, right = 12, top = 12, bottom = 28;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const n = Math.max(totalSteps, losses.length, 2);
  const lo = losses.length ? Math.min(...losses) : 0;
  const hi = losses.length ? Math.max(...losses) : 1;
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  const [y0, y1] = [lo - pad, hi + pad];
  const x = (i: number) => left + ((W - left - right) * i) / (n - 1);
  const y = (v: number) => top + ((H - top - bottom) * (y1 - v)) / (y1 - y0);
  svg.append(el('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: 'axis' }));
  svg.append(el('line', { x1: left, y1: top, x2: left, y2: H - bottom, class: 'axis' }));
  for (let i = 0; i < n; i++) svg.append(el('text', { x: x(i), y: H - bottom + 14, class: 'tick', 'text-anchor': 'middle' }, String(i + 1)));
  svg.append(el('text', { x: (left + W - right) / 2, y: H - 2, class: 'label', 'text-anchor': 'middle' }, 'optimisation step'));
  const midY = (top + H - bottom) / 2;
  svg.append(el('text', { x: 10, y: midY, class: 'label', 'text-anchor': 'middle', transform: `rotate(-90 10 ${midY})` }, 'energy α·E'));
  if (!losses.length) return;
  for (const v of [hi, lo]) svg.append(el('text', { x: left - 6, y: y(v) + 4, class: 'tick', 'text-anchor': 'end' }, v.toPrecision(3)));
  svg.append(el('polyline', { points: losses.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'series' }));
  losses.forEach((v, i) => {
    const dot = el('circle', { cx: x(i), cy: y(v), r: 3.5, class: 'dot' });
    dot.append(el('title', {}, `step ${i + 1}: energy ${v.toPrecision(5)}`));
    svg.append(dot);
  });
}
