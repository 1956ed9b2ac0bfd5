// Charts drawn as SVG elements (no library, nothing inline that the CSP would refuse). Each chart
// has a title and a description for screen readers, and every bar its own tooltip.
const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
  const e = document.createElementNS(NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** A chart's box: width, height, and the left, bottom and top margins around the plot. */
interface Box { W: number; H: number; L: number; B: number; T: number }

/** An empty chart: the SVG with its title, and the y axis's grid lines at 0, half and `max`. */
function frame({ W, H, L, B, T }: Box, title: string, cls: string, max: number, format: (v: number) => string): SVGElement {
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: cls, preserveAspectRatio: 'xMidYMid meet' });
  const t = svgEl('title');
  t.textContent = title;
  svg.append(t);
  for (const f of [0, 0.5, 1]) {
    const y = T + (H - T - B) * (1 - f);
    svg.append(svgEl('line', { x1: L, x2: W, y1: y, y2: y, class: 'grid' }));
    const lbl = svgEl('text', { x: L - 4, y: y + 4, 'text-anchor': 'end', class: 'axis' });
    lbl.textContent = format(max * f);
    svg.append(lbl);
  }
  return svg;
}

export interface Bar {
  label: string;
  value: number;
  title: string;
}

/** Vertical bars, one per item, with a y axis from 0 to a round maximum. */
export function barChart(title: string, bars: Bar[], format: (v: number) => string, cls = ''): SVGElement {
  const W = 640, H = 220, L = 64, B = 26, T = 12;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const svg = frame({ W, H, L, B, T }, title, `chart ${cls}`, max, format);
  const slot = (W - L) / Math.max(1, bars.length);
  bars.forEach((b, i) => {
    const h = ((H - T - B) * b.value) / max;
    const r = svgEl('rect', { x: L + i * slot + slot * 0.15, y: H - B - h, width: Math.max(1, slot * 0.7), height: Math.max(0, h), class: 'bar' });
    const tip = svgEl('title');
    tip.textContent = b.title;
    r.append(tip);
    svg.append(r);
    if (bars.length <= 12 || i % Math.ceil(bars.length / 10) === 0) {
      const x = svgEl('text', { x: L + i * slot + slot / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis' });
      x.textContent = b.label;
      svg.append(x);
    }
  });
  return svg;
}

export interface Series {
  name: string;
  values: (number | null)[];
  cls: string;
}

/** Lines over the last N samples (the newest on the right), y from 0 to `max` (or a round max). */
export function lineChart(title: string, series: Series[], n: number, format: (v: number) => string, fixedMax?: number): SVGElement {
  const W = 640, H = 200, L = 48, B = 12, T = 12;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = fixedMax ?? niceMax(Math.max(0, ...all));
  const svg = frame({ W, H, L, B, T }, title, 'chart', max, format);
  const step = (W - L) / Math.max(1, n - 1);
  for (const s of series) {
    const pts: string[] = [];
    const offset = n - s.values.length;
    s.values.forEach((v, i) => {
      if (v === null) return;
      pts.push(`${(L + (offset + i) * step).toFixed(1)},${(T + (H - T - B) * (1 - Math.min(v, max) / max)).toFixed(1)}`);
    });
    if (pts.length) svg.append(svgEl('polyline', { points: pts.join(' '), class: `line ${s.cls}` }));
  }
  return svg;
}
