// The segmentation page: upload to POST /v1/segment (JSON with the label map), draw the overlay
// with the browser module's renderers, optionally run the same ONNX model in the page with
// onnxruntime-web and show how far the two label maps agree. No framework, no build step.
import { fromLabels, load, toRgb } from '/lib/pixelwise-web.js';

const $ = (id) => document.getElementById(id);
const state = { models: [], image: null, file: null, server: null, browser: null, hidden: new Set(), sessions: new Map() };
window.pixelwise = state; // read by the browser tests

async function init() {
  const r = await fetch('/v1/models');
  state.models = (await r.json()).models;
  $('model').innerHTML = state.models.map((m) => `<option value="${m.name}">${m.name} (${m.arch}, ${m.numClasses} classes)</option>`).join('');
  if (state.models.some((m) => m.name === 'voc')) $('model').value = 'voc';
  $('file').addEventListener('change', () => $('file').files[0] && segment($('file').files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); if (e.dataTransfer.files[0]) segment(e.dataTransfer.files[0]); });
  $('model').addEventListener('change', () => state.file && segment(state.file));
  $('inBrowser').addEventListener('change', () => state.file && segment(state.file));
  $('alpha').addEventListener('input', () => { $('alphaValue').textContent = Number($('alpha').value).toFixed(2); draw(); });
  $('dlLabels').addEventListener('click', downloadLabels);
  $('dlMask').addEventListener('click', () => downloadCanvas(current().colorMask(), 'mask.png'));
  $('dlOverlay').addEventListener('click', () => downloadCanvas(current().overlay({ alpha: alpha(), hide: [...state.hidden] }), 'overlay.png'));
}

const model = () => state.models.find((m) => m.name === $('model').value);
const alpha = () => Number($('alpha').value);
/** What the canvas shows: the in-browser result when that path is on, else the server's. */
const current = () => ($('inBrowser').checked && state.browser) || state.server;
const status = (text) => { $('status').textContent = text; };

async function segment(file) {
  state.file = file; state.server = null; state.browser = null; state.done = false;
  $('agreement').textContent = '';
  try {
    // Pixels as stored (no colour-profile conversion), as the server decodes them.
    const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', imageOrientation: 'from-image' });
    state.image = toRgb(bitmap);
    status(`Segmenting ${file.name} (${state.image.width}x${state.image.height}) on the server...`);
    const m = model();
    const r = await fetch(`/v1/segment?model=${encodeURIComponent(m.name)}&output=json&labels=true`, { method: 'POST', body: file, headers: { 'content-type': file.type || 'application/octet-stream' } });
    const json = await r.json();
    if (!r.ok) throw new Error(json.error);
    const labels = Uint8Array.from(atob(json.labels), (c) => c.charCodeAt(0));
    state.server = fromLabels(state.image, labels, m.classes);
    status(`Server: ${json.timings.inferenceMs.toFixed(0)} ms inference, ${json.timings.decodeMs.toFixed(0)} ms decoding.`);
    if ($('inBrowser').checked) await segmentInBrowser(m);
    draw();
    for (const id of ['dlLabels', 'dlMask', 'dlOverlay']) $(id).disabled = false;
  } catch (e) {
    status(`Failed: ${e.message}`);
  }
  state.done = true;
}

async function segmentInBrowser(m) {
  if (!m.onnx) { $('agreement').textContent = `${m.name} has no ONNX file; the in-browser path needs one (pixelwise export).`; return; }
  status('Loading the model into onnxruntime-web...');
  let seg = state.sessions.get(m.name);
  if (!seg) { seg = await load(`/v1/models/${m.name}`, { wasmPaths: '/vendor/ort/' }); state.sessions.set(m.name, seg); }
  state.browser = await seg.segment(state.image);
  const a = state.server.labels, b = state.browser.labels;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  state.agreement = same / a.length;
  $('agreement').textContent = `In the browser: ${state.browser.timings.inference.toFixed(0)} ms inference; the label maps agree on ${(100 * state.agreement).toFixed(3)}% of pixels.`;
  status('Showing the in-browser result.');
}

function draw() {
  const r = current();
  if (!r) return;
  const canvas = $('canvas');
  canvas.width = r.width; canvas.height = r.height;
  canvas.getContext('2d').putImageData(r.overlay({ alpha: alpha(), hide: [...state.hidden] }), 0, 0);
  legend(r);
}

function legend(r) {
  const classes = model().classes;
  $('legend').innerHTML = '<tr><th></th><th>class</th><th>area</th></tr>' + r.classes.map((c) => {
    const [R, G, B] = classes[c.id].color;
    const off = state.hidden.has(c.id);
    return `<tr data-id="${c.id}" class="${off ? 'off' : ''}"><td><span class="swatch" style="background:rgb(${R},${G},${B})"></span></td>` +
      `<td>${c.name}</td><td class="num">${(100 * c.share).toFixed(1)}%</td></tr>`;
  }).join('');
  for (const tr of $('legend').querySelectorAll('tr[data-id]')) {
    tr.addEventListener('click', () => { const id = Number(tr.dataset.id); state.hidden.has(id) ? state.hidden.delete(id) : state.hidden.add(id); draw(); });
  }
}

async function downloadLabels() {
  // The label map as the CLI writes it: an indexed PNG with the model's palette, from the server.
  const r = await fetch(`/v1/segment?model=${encodeURIComponent(model().name)}&output=labels`, { method: 'POST', body: state.file, headers: { 'content-type': state.file.type || 'application/octet-stream' } });
  if (r.ok) save(await r.blob(), 'labels.png'); else status(`Failed: ${(await r.json()).error}`);
}

function downloadCanvas(imageData, name) {
  const c = document.createElement('canvas');
  c.width = imageData.width; c.height = imageData.height;
  c.getContext('2d').putImageData(imageData, 0, 0);
  c.toBlob((blob) => save(blob, name), 'image/png');
}

function save(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob); a.download = name; a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

init().catch((e) => status(`Cannot reach the server: ${e.message}`));
