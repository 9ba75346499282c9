// Line charts (training curves) drawn as SVG and rasterised by sharp (librsvg), so no canvas or
// plotting dependency is needed.
import sharp from 'sharp';

export interface Series { name: string; color: string; points: [number, number][] }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A panel's x axis: how its ends are labelled (default: epochs). */
export type XAxis = (x: number, end: 'first' | 'last') => string;
const EPOCHS: XAxis = (x, end) => (end === 'first' ? `epoch ${x}` : String(x));

function panel(x0: number, y0: number, w: number, h: number, title: string, series: Series[], xAxis: XAxis = EPOCHS): string {
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (!pts.length) return '';
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const xmin = Math.min(...xs), xmax = Math.max(...xs, xmin + (xAxis === EPOCHS ? 1 : 1e-9));
  let ymin = Math.min(...ys), ymax = Math.max(...ys);
  if (ymax - ymin < 1e-9) { ymin -= 0.5; ymax += 0.5; }
  const L = 55, B = 30, T = 28, R = 10;
  const px = (x: number) => x0 + L + ((x - xmin) / (xmax - xmin)) * (w - L - R);
  const py = (y: number) => y0 + T + (1 - (y - ymin) / (ymax - ymin)) * (h - T - B);
  let svg = `<text x="${x0 + w / 2}" y="${y0 + 18}" font-size="14" text-anchor="middle" font-family="sans-serif">${esc(title)}</text>`;
  svg += `<rect x="${x0 + L}" y="${y0 + T}" width="${w - L - R}" height="${h - T - B}" fill="none" stroke="#999"/>`;
  for (let i = 0; i <= 4; i++) {
    const yv = ymin + ((ymax - ymin) * i) / 4;
    svg += `<text x="${x0 + L - 4}" y="${py(yv) + 4}" font-size="10" text-anchor="end" font-family="sans-serif">${yv.toPrecision(3)}</text>`;
  }
  svg += `<text x="${x0 + L}" y="${y0 + h - 8}" font-size="10" font-family="sans-serif">${esc(xAxis(xmin, 'first'))}</text>`;
  svg += `<text x="${x0 + w - R}" y="${y0 + h - 8}" font-size="10" text-anchor="end" font-family="sans-serif">${esc(xAxis(xmax, 'last'))}</text>`;
  series.forEach((s, k) => {
    const p = s.points.filter(([, y]) => Number.isFinite(y));
    if (!p.length) return;
    svg += `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${p.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`;
    if (p.length === 1) svg += `<circle cx="${px(p[0][0])}" cy="${py(p[0][1])}" r="3" fill="${s.color}"/>`;
    svg += `<text x="${x0 + L + 8}" y="${y0 + T + 14 + 13 * k}" font-size="11" fill="${s.color}" font-family="sans-serif">${esc(s.name)}</text>`;
  });
  return svg;
}

/** Side-by-side panels, each with its own series, as a PNG buffer. */
export async function renderCharts(panels: { title: string; series: Series[]; xAxis?: XAxis }[], width = 900, height = 320): Promise<Buffer> {
  const w = width / panels.length;
  const body = panels.map((p, i) => panel(i * w, 0, w, height, p.title, p.series, p.xAxis)).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
