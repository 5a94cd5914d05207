/**
 * One Observable Plot chart with its downloads: the drawing as SVG or PNG, and the data it shows as CSV.
 * Plot builds the SVG from data; nothing here draws by hand.
 */
import { useEffect, useRef } from 'preact/hooks';
import { csv, download, slug } from '../format.js';

export interface PlotFigureProps {
  title: string;
  /** Builds the chart (an SVG element, or a figure holding a legend and the SVG). */
  render: () => SVGSVGElement | HTMLElement;
  /** The data shown, one object per row, for the CSV download. */
  data: readonly Record<string, unknown>[];
  columns: readonly string[];
  /** Changes when the chart must be redrawn. */
  deps: readonly unknown[];
}

/** The chart's SVG with the legend's swatches left out, standalone (namespaced, white background, title). */
function standaloneSvg(container: HTMLElement, title: string): { text: string; width: number; height: number } | undefined {
  const svg = [...container.querySelectorAll('svg')].find((s) => !s.closest('[class*="-swatches"]')) ?? container.querySelector('svg');
  if (!svg) return undefined;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const width = Number(copy.getAttribute('width')) || svg.clientWidth || 640;
  const height = Number(copy.getAttribute('height')) || svg.clientHeight || 400;
  const ns = 'http://www.w3.org/2000/svg';
  const background = document.createElementNS(ns, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', 'white');
  copy.insertBefore(background, copy.firstChild);
  const titleElement = document.createElementNS(ns, 'title');
  titleElement.textContent = title;
  copy.insertBefore(titleElement, copy.firstChild);
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

async function svgToPng(svg: { text: string; width: number; height: number }, scale = 2): Promise<Blob> {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
  try {
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the SVG could not be rasterised'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = svg.width * scale;
    canvas.height = svg.height * scale;
    const context = canvas.getContext('2d')!;
    context.scale(scale, scale);
    context.drawImage(image, 0, 0);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function PlotFigure({ title, render, data, columns, deps }: PlotFigureProps) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = render();
    container.current?.replaceChildren(element);
    return () => element.remove();
  }, deps);
  const name = slug(title);
  return (
    <figure class="plot-figure" data-plot={name}>
      <figcaption>
        <span class="plot-title">{title}</span>
        <span class="downloads">
          <button type="button" onClick={() => {
            const svg = container.current && standaloneSvg(container.current, title);
            if (svg) download(`${name}.svg`, svg.text, 'image/svg+xml');
          }}>SVG</button>
          <button type="button" onClick={async () => {
            const svg = container.current && standaloneSvg(container.current, title);
            if (svg) download(`${name}.png`, await svgToPng(svg));
          }}>PNG</button>
          <button type="button" onClick={() => download(`${name}.csv`, csv(columns, data))}>CSV</button>
        </span>
      </figcaption>
      <div class="plot" ref={container} />
    </figure>
  );
}
