export interface ScatterSeries {
  label: string;
  x: readonly number[];
  y: readonly number[];
  /** CSS colour; a palette colour by default. */
  color?: string;
}

export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round tick values covering [min, max]: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(min: number, max: number, target = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A self-contained SVG scatter plot (no dependencies): the paper's LID-vs-likelihood figure. */
export function scatterSvg(series: readonly ScatterSeries[], options: ScatterOptions = {}): string {
  // The legend sits right of the plot: room for its longest label (≈7 px per character at 12 px).
  const legendWidth = 40 + 7 * Math.max(...series.map((s) => `${s.label} (${s.x.length})`.length));
  const width = options.width ?? 560 + legendWidth;
  const height = options.height ?? 480;
  const margin = { left: 70, right: legendWidth, top: 40, bottom: 55 };
  const finite = (v: number) => Number.isFinite(v);
  const xs = series.flatMap((s) => s.x.filter(finite));
  const ys = series.flatMap((s) => s.y.filter(finite));
  if (xs.length === 0 || ys.length === 0) throw new RangeError('scatterSvg: no finite points to plot');
  const pad = (lo: number, hi: number) => (hi > lo ? [(lo - (hi - lo) * 0.04), hi + (hi - lo) * 0.04] : [lo - 1, hi + 1]) as [number, number];
  const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const sx = (v: number) => margin.left + ((v - x0) / (x1 - x0)) * plotW;
  const sy = (v: number) => margin.top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (options.title) parts.push(`<text x="${margin.left + plotW / 2}" y="22" text-anchor="middle" font-size="15">${escape(options.title)}</text>`);
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" y1="${margin.top}" x2="${sx(t).toFixed(1)}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${margin.left}" y1="${sy(t).toFixed(1)}" x2="${margin.left + plotW}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  if (options.xLabel) parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  if (options.yLabel) {
    parts.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  }
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    parts.push(`<g fill="${color}" fill-opacity="0.55">`);
    for (let i = 0; i < s.x.length; i++) {
      if (finite(s.x[i]!) && finite(s.y[i]!)) parts.push(`<circle cx="${sx(s.x[i]!).toFixed(1)}" cy="${sy(s.y[i]!).toFixed(1)}" r="2.6"/>`);
    }
    parts.push('</g>');
    const ly = margin.top + 14 + k * 20;
    parts.push(`<circle cx="${width - margin.right + 18}" cy="${ly - 4}" r="5" fill="${color}"/>`);
    parts.push(`<text x="${width - margin.right + 30}" y="${ly}">${escape(`${s.label} (${s.x.length})`)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
