// Class files in the forms users hold them: pixelwise's JSON, text a class a line (labelme's
// labels.txt, TensorFlow's "ID NAME" labels.txt, CamVid's class_dict.csv) and a Label Studio
// labelling config; each read to the class list written out by hand here. And the reason for the
// config: a Label Studio export numbers its labels by first use, the config as the project does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadClassFile, readClassList, resolveBinaryClasses } from '../../src/data/class_file.ts';
import { BINARY_CLASS_LIST } from '../../src/data/classes.ts';
import { CLASS_SETS } from '../../src/data/class_sets.ts';
import { readMask } from '../../src/data/mask_io.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir, writeGreyPng, writeRgb } from '../helpers.ts';

const BIN = path.resolve('bin/pixelwise.js');
const run = (...a: string[]) => spawnSync(process.execPath, [BIN, ...a], { encoding: 'utf8' });

function file(name: string, text: string): string {
  const f = path.join(tempDir(), name);
  fs.writeFileSync(f, text);
  return f;
}

const refused = (text: string, name: string, message: (f: string) => string) => {
  const f = file(name, text);
  assert.throws(() => loadClassFile(f), (e: Error) => e instanceof UserError && e.message === message(f), text);
};

test('class files: JSON as before; text a class a line (labelme\'s labels.txt, "ID NAME", class_dict.csv), with the colours of a built-in set where the names are its', () => {
  const json = [{ name: 'background', color: [0, 0, 0] }, { name: 'crack', color: [255, 0, 0] }];
  assert.deepEqual(loadClassFile(file('c.json', JSON.stringify(json))), json);
  assert.deepEqual(loadClassFile(file('c.json', `\uFEFF${JSON.stringify({ classes: json })}`)), json);
  // labelme's example labels.txt for VOC: __ignore__ is no class, _background_ is class 0; VOC's names take VOC's colours.
  const voc = CLASS_SETS.voc;
  assert.deepEqual(loadClassFile(file('labels.txt', ['__ignore__', '_background_', ...voc.slice(1).map((c) => c.name)].join('\n') + '\n')), voc);
  // Names of no set: the palette (PASCAL's bit-interleaving: black, then dark red, dark green).
  assert.deepEqual(loadClassFile(file('labels.txt', 'background\r\n\r\nbuilding, edifice\r\nsky\r\n')),
    [{ name: 'background', color: [0, 0, 0] }, { name: 'building, edifice', color: [128, 0, 0] }, { name: 'sky', color: [0, 128, 0] }]);
  // TensorFlow's labels.txt (the DeepLab ADE20K model's): "ID<tab>NAME", ids 0, 1, 2 ...
  assert.deepEqual(loadClassFile(file('labels.txt', '0\tothers\n1\twall\n2 building\n')).map((c) => c.name), ['others', 'wall', 'building']);
  refused('0 a\n2 b\n', 'labels.txt', (f) => `${f}: line "2 b" gives class 2 where 1 comes next; number the classes 0, 1, 2, ... in order`);
  // CamVid's class_dict.csv.
  assert.deepEqual(loadClassFile(file('class_dict.csv', 'name,r,g,b\nAnimal,64,128,64\n"Archway", 192, 0, 128\n')), [{ name: 'Animal', color: [64, 128, 64] }, { name: 'Archway', color: [192, 0, 128] }]);
  refused('Sky,128,128,128\nRoad,1,2\n', 'class_dict.csv', (f) => `${f}: row 2 "Road,1,2" is not "NAME,R,G,B" (a name and three values 0..255)`);
  // Rows named by their line in the file (blank lines counted).
  refused('name,r,g,b\n\nSky,128,300,0\n', 'class_dict.csv', (f) => `${f}: row 3 "Sky,128,300,0" is not "NAME,R,G,B" (a name and three values 0..255)`);
  refused('sky\nSky\n', 'labels.txt', (f) => `${f}: classes 0 and 1 are both named "Sky"; give each class its own name`);
  refused('\n__ignore__\n', 'labels.txt', (f) => `${f}: names no classes; expected JSON [{"name": "...", "color": [r,g,b]}, ...], text a class a line (a name, "ID NAME" or "name,r,g,b"), or a Label Studio labelling config (XML)`);
  // A mask named by mistake: binary, not a list of names.
  const png = path.join(tempDir(), 'mask.png');
  writeGreyPng(png, new Uint8Array(16), 4, 4);
  assert.throws(() => loadClassFile(png), (e: Error) => e instanceof UserError && e.message === `${png}: binary data, not a class list (an image or a mask?); expected JSON [{"name": "...", "color": [r,g,b]}, ...], text a class a line (a name, "ID NAME" or "name,r,g,b"), or a Label Studio labelling config (XML)`);
  assert.equal(readClassList('camvid'), CLASS_SETS.camvid);
});

test('a binary run\'s class file of one name: background and that class, drawn in a colour of its own (a name alone takes the palette\'s black, the background\'s); a colour the file gives is kept', () => {
  const [bg, fg] = BINARY_CLASS_LIST;
  assert.deepEqual(resolveBinaryClasses(file('one.txt', 'crack\n')), [bg, { name: 'crack', color: fg.color }]);
  assert.notDeepEqual(fg.color, bg.color);
  assert.deepEqual(resolveBinaryClasses(file('one.json', '[{"name": "crack", "color": [255, 0, 0]}]')), [bg, { name: 'crack', color: [255, 0, 0] }]);
  assert.deepEqual(resolveBinaryClasses(file('two.txt', 'sea\nship\n')).map((c) => c.name), ['sea', 'ship']);
});

test('a Label Studio labelling config as a class file: background, then its labels in the project\'s order and colours (CSS: rgba, names, hex); the served control\'s labels first; one without labels of areas refused', () => {
  // Label Studio's "Semantic Segmentation with Masks" and "... with Polygons" templates.
  const masks = '<View>\n  <Image name="image" value="$image" zoom="true"/>\n  <BrushLabels name="tag" toName="image">\n    <Label value="Airplane" background="rgba(255, 0, 0, 0.7)"/>\n    <Label value="Car" background="rgba(0, 0, 255, 0.7)"/>\n  </BrushLabels>\n</View>\n';
  const polygons = '<View>\n  <Header value="Select label and click the image to start"/>\n  <Image name="image" value="$image" zoom="true"/>\n  <PolygonLabels name="label" toName="image" strokeWidth="3" pointSize="small" opacity="0.9">\n    <Label value="Airplane" background="red"/>\n    <Label value="Car" background="blue"/>\n  </PolygonLabels>\n</View>\n';
  const want = [{ name: 'background', color: [0, 0, 0] }, { name: 'Airplane', color: [255, 0, 0] }, { name: 'Car', color: [0, 0, 255] }];
  assert.deepEqual(loadClassFile(file('config.xml', masks)), want);
  assert.deepEqual(loadClassFile(file('config.xml', polygons)), want);
  // Rectangles before the brush in the document: the brush's labels (serve's classes) come first, then the rest once each;
  // "#0f0", and no colour: the palette's at the class's place (Road, class 2: dark green); "Background" is class 0's.
  const both = '<View><RectangleLabels name="r" toName="i"><Label value="Sign" background="#0f0"/><Label value="car"/></RectangleLabels><Image name="i" value="$img"/>'
    + '<BrushLabels name="b" toName="i"><Label value="Background"/><Label value="Car" background="#123456"/><Label value="Road"/></BrushLabels></View>';
  assert.deepEqual(loadClassFile(file('both.xml', both)), [{ name: 'background', color: [0, 0, 0] }, { name: 'Car', color: [0x12, 0x34, 0x56] }, { name: 'Road', color: [0, 128, 0] }, { name: 'Sign', color: [0, 255, 0] }]);
  refused('<View><Image name="i" value="$img"/><Choices name="c" toName="i"><Choice value="x"/></Choices></View>', 'config.xml', (f) => `${f}: the labelling config has no <Label> under a control of areas (<BrushLabels>, <PolygonLabels>, <RectangleLabels>, <EllipseLabels>, <Labels>); expected JSON [{"name": "...", "color": [r,g,b]}, ...], text a class a line (a name, "ID NAME" or "name,r,g,b"), or a Label Studio labelling config (XML)`);
});

test('convert --from labelstudio numbers labels by first use, said; with the project\'s labelling config as --class-file, every export gives the masks\' own class ids', async () => {
  const d = tempDir();
  const images = path.join(d, 'images'), masks = path.join(d, 'masks');
  // a.png holds road (class 2) alone, b.png car (class 1) too: the export uses road first, and no sign (class 3).
  const w = 8, h = 4;
  const want = new Map([['a.png', Uint8Array.from({ length: w * h }, (_, i) => (i % w < 3 ? 2 : 0))], ['b.png', Uint8Array.from({ length: w * h }, (_, i) => (i % w < 3 ? 2 : i % w < 5 ? 0 : 1))]]);
  for (const [name, mask] of want) {
    await writeRgb(path.join(images, name), new Uint8Array(w * h * 3).fill(90), w, h);
    writeGreyPng(path.join(masks, name), mask, w, h);
  }
  const classFile = path.join(d, 'classes.json');
  fs.writeFileSync(classFile, JSON.stringify([{ name: 'background', color: [0, 0, 0] }, { name: 'car', color: [255, 0, 0] }, { name: 'road', color: [128, 64, 128] }, { name: 'sign', color: [0, 255, 0] }]));
  const out = path.join(d, 'ls');
  let r = run('convert', '--to', 'labelstudio', '--images', images, '--masks', masks, '--class-file', classFile, '--out', out, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const back = (...extra: string[]) => {
    const o = path.join(tempDir(), 'back');
    r = run('convert', '--from', 'labelstudio', path.join(out, 'labelstudio.json'), '--images', images, '--out', o, '--quiet', ...extra);
    assert.equal(r.status, 0, r.stderr);
    return { labels: (name: string) => readMask(path.join(o, 'masks', name)).data, classes: JSON.parse(fs.readFileSync(path.join(o, 'classes.json'), 'utf8')) as { name: string }[], stderr: r.stderr };
  };
  const firstUse = back();
  assert.deepEqual(firstUse.classes.map((c) => c.name), ['background', 'road', 'car']);
  for (const [name, mask] of want) assert.deepEqual([...firstUse.labels(name)], [...mask].map((v) => [0, 2, 1][v]), name);
  assert.match(firstUse.stderr, /^classes numbered in the order this export first uses its labels \(Label Studio's JSON holds no class list\): another export of the project may number them otherwise; --class-file CONFIG\.xml \(the project's labelling config: Settings, Labeling Interface, Code\) numbers them as the project does$/m);
  const byConfig = back('--class-file', path.join(out, 'labelstudio-config.xml'));
  assert.deepEqual(byConfig.classes, JSON.parse(fs.readFileSync(classFile, 'utf8')));
  for (const [name, mask] of want) assert.deepEqual(byConfig.labels(name), mask, name);
  assert.doesNotMatch(byConfig.stderr, /first uses|class 0 is/);
  // A class list that does not begin with background: the uncovered pixels become its first class, said.
  const noBackground = file('labels.txt', 'car\nroad\n');
  assert.match(back('--class-file', noBackground).stderr, new RegExp(`^--class-file ${noBackground.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: class 0 is "car", and the pixels no shape covers are class 0; if they are background, put background first$`, 'm'));
});
