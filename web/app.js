// The segmentation page: upload to POST /v1/segment (JSON with the label map), draw the overlay
// with the browser module's renderers, optionally run the same ONNX model in the page with
// onnxruntime-web and show how far the two label maps agree. No framework, no build step.
import { fromLabels, load, toRgb } from './lib/pixelwise-web.js';

const $ = (id) => document.getElementById(id);
const state = { models: [], image: null, file: null, server: null, browser: null, hidden: new Set(), sessions: new Map() };
window.pixelwise = state; // read by the browser tests

async function init() {
  const r = await fetch('v1/models');
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
  $('dlEffect').addEventListener('click', () => state.effect && downloadCanvas(state.effect, 'effect.png'));
  fillKeep();
  $('model').addEventListener('change', fillKeep);
  for (const id of ['effect', 'keep', 'color']) $(id).addEventListener('change', () => applyEffect());
  $('sigma').addEventListener('change', () => applyEffect());
  $('sigma').addEventListener('input', () => { $('sigmaValue').textContent = $('sigma').value; });
  $('cameraStart').addEventListener('click', () => startCamera().catch((e) => { $('cameraNote').textContent = `Camera failed: ${e.message}`; }));
  $('cameraStop').addEventListener('click', stopCamera);
  $('dlFrame').addEventListener('click', () => $('canvas').toBlob((b) => save(b, 'frame.png'), 'image/png'));
  $('bgImage').addEventListener('change', async () => {
    const f = $('bgImage').files[0];
    state.backgroundImage = f ? toRgb(await createImageBitmap(f, { colorSpaceConversion: 'none' })) : null;
    applyEffect();
  });
}

/** The classes the effect can keep: the model's, person first when it has one. */
function fillKeep() {
  const classes = model().classes.map((c) => c.name);
  const first = classes.includes('person') ? ['person'] : [];
  $('keep').innerHTML = [...first, ...classes.filter((c) => c !== 'person')].map((c) => `<option value="${c}">${c}</option>`).join('');
}

/** A model run in this page (loaded once per name). */
async function browserModel(name) {
  let seg = state.sessions.get(name);
  if (!seg) { seg = await load(`v1/models/${name}`, { wasmPaths: new URL('vendor/ort/', document.baseURI).href }); state.sessions.set(name, seg); }
  return seg;
}

/**
 * The background effect, computed in this browser with the module's background(): keeping the
 * person class takes the matte from the portrait model (person) when the server has it, as the
 * command line does; any other class, from the chosen model run here.
 */
async function applyEffect() {
  const kind = $('effect').value;
  state.effect = null; state.effectDone = false;
  $('dlEffect').disabled = true;
  if (!kind || !state.image || !current()) { $('effectNote').textContent = ''; state.effectDone = true; draw(); return; }
  try {
    const keep = $('keep').value;
    const portrait = keep === 'person' && state.models.some((m) => m.name === 'person');
    $('effectNote').textContent = `Computing the matte with ${portrait ? 'the portrait model (person)' : model().name} in this browser...`;
    const seg = await browserModel(portrait ? 'person' : model().name);
    const probability = (await seg.segment(state.image, { probabilities: true })).probability([keep]);
    if (kind === 'image' && !state.backgroundImage) { $('effectNote').textContent = 'Pick a picture for the background.'; state.effectDone = true; return; }
    const o = { keep: [keep], probability, ...(kind === 'blur' ? { blur: Number($('sigma').value) } : kind === 'grey' ? { grey: true } : kind === 'color' ? { color: $('color').value } : kind === 'transparent' ? { transparent: true } : { image: state.backgroundImage }) };
    state.effect = current().background(o);
    $('effectNote').textContent = `${kind}: everything but ${keep}; matte from ${portrait ? 'the portrait model (person)' : model().name}.`;
    $('dlEffect').disabled = false;
    draw();
  } catch (e) {
    $('effectNote').textContent = `Failed: ${e.message}`;
  }
  state.effectDone = true;
}

/**
 * The camera, live: each frame segmented in this page (segmentStream: frames that arrive while one
 * is being segmented are dropped), drawn with the chosen effect (keeping person: the portrait
 * model's matte) or as the chosen model's overlay; frames/s and the runtime shown.
 */
async function startCamera() {
  stopCamera();
  const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement('video');
  video.muted = true; video.playsInline = true; video.srcObject = media;
  await video.play();
  const kind = $('effect').value, keep = $('keep').value;
  const portrait = kind && keep === 'person' && state.models.some((m) => m.name === 'person');
  const name = portrait ? 'person' : model().name;
  const seg = await browserModel(name);
  const canvas = $('canvas'), ctx = canvas.getContext('2d');
  const times = [];
  const effect = () => (kind === 'blur' ? { blur: Number($('sigma').value) } : kind === 'grey' ? { grey: true } : kind === 'color' ? { color: $('color').value } : kind === 'transparent' ? { transparent: true } : kind === 'image' && state.backgroundImage ? { image: state.backgroundImage } : null);
  const stream = seg.segmentStream(video, (r) => {
    canvas.width = r.width; canvas.height = r.height;
    const e = effect();
    const drawn = e ? r.background({ keep: [keep], ...e }) : r.overlay({ alpha: alpha() });
    ctx.putImageData(drawn, 0, 0);
    state.lastFrame = { image: r.image, drawn }; // read by the browser tests
    const now = performance.now();
    times.push(now);
    while (times.length && now - times[0] > 2000) times.shift();
    state.cameraFrames = (state.cameraFrames ?? 0) + 1;
    const rc = seg.runtimeCheck;
    state.cameraFps = times.length / 2;
    $('cameraNote').textContent = `${(times.length / 2).toFixed(1)} frames/s, ${name} on onnxruntime-web (${rc.runtime}${rc.runtime === 'wasm' && crossOriginIsolated ? ', threads' : ''}${rc.agreement != null ? `, WebGPU agreed with wasm on ${(100 * rc.agreement).toFixed(2)}%` : ''}${rc.reason ? `; ${rc.reason}` : ''}); ${stream.dropped} frames dropped while busy.`;
  }, { probabilities: !!kind, smooth: 0.3, onError: (e) => { $('cameraNote').textContent = `Frame failed: ${e.message}`; } });
  state.camera = { media, stream };
  state.cameraFrames = 0;
  $('cameraStop').disabled = false; $('dlFrame').disabled = false;
}

function stopCamera() {
  if (!state.camera) return;
  state.camera.stream.stop();
  state.camera.media.getTracks().forEach((t) => t.stop());
  state.camera = null;
  $('cameraStop').disabled = true;
}

const model = () => state.models.find((m) => m.name === $('model').value);
const alpha = () => Number($('alpha').value);
/** What the canvas shows: the in-browser result when that path is on, else the server's. */
const current = () => ($('inBrowser').checked && state.browser) || state.server;
const status = (text) => { $('status').textContent = text; };

async function segment(file) {
  state.file = file; state.server = null; state.browser = null; state.effect = null; state.done = false;
  $('agreement').textContent = '';
  try {
    // Pixels as stored (no colour-profile conversion), as the server decodes them.
    const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', imageOrientation: 'from-image' });
    state.image = toRgb(bitmap);
    status(`Segmenting ${file.name} (${state.image.width}x${state.image.height}) on the server...`);
    const m = model();
    const r = await fetch(`v1/segment?model=${encodeURIComponent(m.name)}&output=json&labels=true`, { method: 'POST', body: file, headers: { 'content-type': file.type || 'application/octet-stream' } });
    const json = await r.json();
    if (!r.ok) throw new Error(json.error);
    const labels = Uint8Array.from(atob(json.labels), (c) => c.charCodeAt(0));
    state.server = fromLabels(state.image, labels, m.classes);
    status(`Server: ${json.timings.inferenceMs.toFixed(0)} ms inference, ${json.timings.decodeMs.toFixed(0)} ms decoding.`);
    if ($('inBrowser').checked) await segmentInBrowser(m);
    state.effect = null;
    if ($('effect').value) await applyEffect();
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
  state.browser = await (await browserModel(m.name)).segment(state.image);
  const a = state.server.labels, b = state.browser.labels;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  state.agreement = same / a.length;
  const rc = (await browserModel(m.name)).runtimeCheck;
  $('agreement').textContent = `In the browser (${rc.runtime}${rc.reason ? `: ${rc.reason}` : ''}): ${state.browser.timings.inference.toFixed(0)} ms inference; the label maps agree on ${(100 * state.agreement).toFixed(3)}% of pixels.`;
  status('Showing the in-browser result.');
}

function draw() {
  const r = current();
  if (!r) return;
  const canvas = $('canvas');
  canvas.width = r.width; canvas.height = r.height;
  canvas.getContext('2d').putImageData(state.effect ?? r.overlay({ alpha: alpha(), hide: [...state.hidden] }), 0, 0);
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
  const r = await fetch(`v1/segment?model=${encodeURIComponent(model().name)}&output=labels`, { method: 'POST', body: state.file, headers: { 'content-type': state.file.type || 'application/octet-stream' } });
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
