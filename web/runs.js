// The training dashboard: runs under `serve --runs DIR` and, for the chosen one, loss and
// validation mIoU per epoch from its log.jsonl, redrawn every 5 s. Charts are plain SVG.
const $ = (id) => document.getElementById(id);
let selected = new URLSearchParams(location.search).get('run');

async function refresh() {
  const { runs, dir } = await (await fetch('v1/runs')).json();
  $('where').textContent = dir ? `Runs in ${dir}: ${runs.length}` : 'Start the server with --runs DIR to see training runs.';
  if (!selected && runs.length) selected = runs[0].name;
  $('runs').tBodies[0].innerHTML = runs.map((r) => `<tr data-name="${r.name}" class="${r.name === selected ? 'sel' : ''}"><td>${r.name}</td><td>${r.arch ?? ''}</td>` +
    `<td>${r.epochs}</td><td>${r.bestMIoU == null ? '' : (100 * r.bestMIoU).toFixed(2)}</td><td>${r.lastLoss == null ? '' : r.lastLoss.toFixed(4)}</td><td>${new Date(r.updated).toLocaleString()}</td></tr>`).join('');
  for (const tr of $('runs').tBodies[0].rows) tr.addEventListener('click', () => { selected = tr.dataset.name; history.replaceState(null, '', `?run=${encodeURIComponent(selected)}`); refresh(); });
  if (selected) await curves(selected);
}

async function curves(name) {
  const r = await fetch(`v1/runs/${encodeURIComponent(name)}/log`);
  if (!r.ok) { $('title').textContent = (await r.json()).error; return; }
  const { epochs } = await r.json();
  $('title').textContent = name;
  $('loss').innerHTML = chart('training loss', epochs.filter((e) => typeof e.loss === 'number').map((e) => [e.epoch, e.loss]));
  $('miou').innerHTML = chart('val mIoU (%)', epochs.filter((e) => typeof e.val?.mIoU === 'number').map((e) => [e.epoch, 100 * e.val.mIoU]));
}

/** A line chart of [x, y] points with its axis ranges written at the corners. */
function chart(title, pts, W = 420, H = 240) {
  const pad = 36;
  if (!pts.length) return `<svg width="${W}" height="${H}" data-points="0"><text x="${W / 2}" y="${H / 2}" text-anchor="middle">${title}: no data yet</text></svg>`;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys) === Math.min(...ys) ? Math.min(...ys) + 1 : Math.max(...ys)];
  const sx = (x) => pad + ((x - x0) / (x1 - x0)) * (W - 2 * pad), sy = (y) => H - pad - ((y - y0) / (y1 - y0)) * (H - 2 * pad);
  const path = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
  const dots = pts.map((p) => `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5"><title>epoch ${p[0]}: ${p[1].toFixed(4)}</title></circle>`).join('');
  return `<svg width="${W}" height="${H}" data-points="${pts.length}" role="img" aria-label="${title}">` +
    `<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">${title}</text>` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#999"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#999"/>` +
    `<text x="${pad}" y="${H - 12}" font-size="11">epoch ${x0}</text><text x="${W - pad}" y="${H - 12}" font-size="11" text-anchor="end">${x1}</text>` +
    `<text x="4" y="${pad}" font-size="11">${y1.toFixed(2)}</text><text x="4" y="${H - pad}" font-size="11">${y0.toFixed(2)}</text>` +
    `<path d="${path}" fill="none" stroke="#1e88e5" stroke-width="2"/>${dots}</svg>`;
}

refresh().catch((e) => { $('where').textContent = `Cannot reach the server: ${e.message}`; });
setInterval(() => refresh().catch(() => {}), 5000);
