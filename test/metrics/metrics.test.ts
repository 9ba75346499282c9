// Every score on hand-computed confusion matrices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/metrics/confusion.ts';

const close = (a: number | null, b: number, msg = '') => assert.ok(a != null && Math.abs(a - b) < 1e-12, `${msg}: ${a} != ${b}`);

test('confusion matrix and scores on a hand-computed 3-class case', () => {
  // gt:   0 0 0 0 1 1 1 2 2 2
  // pred: 0 0 1 2 1 1 0 2 2 1
  const gt = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const pred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];
  const cm = new ConfusionMatrix(3);
  cm.add(pred, gt);
  const s = cm.scores(['a', 'b', 'c']);
  assert.deepEqual(s.confusion, [[2, 1, 1], [1, 2, 0], [0, 1, 2]]);
  close(s.pixelAccuracy, 6 / 10, 'pixel acc');
  close(s.perClass[0].accuracy, 2 / 4, 'acc0');
  close(s.perClass[1].accuracy, 2 / 3, 'acc1');
  close(s.meanAccuracy, (2 / 4 + 2 / 3 + 2 / 3) / 3, 'mean acc');
  // IoU = tp / (gt + pred - tp): a: 2/(4+3-2)=2/5, b: 2/(3+4-2)=2/5, c: 2/(3+3-2)=2/4
  close(s.perClass[0].iou, 2 / 5, 'iou0');
  close(s.perClass[1].iou, 2 / 5, 'iou1');
  close(s.perClass[2].iou, 2 / 4, 'iou2');
  close(s.mIoU, (0.4 + 0.4 + 0.5) / 3, 'mIoU');
  close(s.fwIoU, 0.4 * 0.4 + 0.3 * 0.4 + 0.3 * 0.5, 'fwIoU');
  close(s.perClass[0].dice, 4 / 7, 'dice0');
  close(s.perClass[2].dice, 4 / 6, 'dice2');
});

test('ignore label drops pixels; absent classes are left out of the means', () => {
  const cm = new ConfusionMatrix(3, { ignoreIndex: 255 });
  cm.add([0, 1, 1, 0, 2], [0, 1, 255, 255, 0]);
  const s = cm.scores();
  assert.equal(s.pixels, 3);
  assert.equal(cm.outOfRange, 0);
  cm.add([0], [7]);
  assert.equal(cm.outOfRange, 1, 'labels beyond the class count are counted, not scored');
  close(s.pixelAccuracy, 2 / 3);
  // class 2: never in gt, predicted once -> IoU 0, accuracy n/a
  assert.equal(s.perClass[2].accuracy, null);
  close(s.perClass[2].iou, 0);
  close(s.perClass[0].iou, 1 / 2);
  close(s.meanAccuracy, (1 / 2 + 1) / 2);
  close(s.mIoU, (0.5 + 1 + 0) / 3);
  // a class neither in gt nor predicted has no IoU and does not count
  const cm2 = new ConfusionMatrix(3);
  cm2.add([0, 1], [0, 1]);
  assert.equal(cm2.scores().perClass[2].iou, null);
  close(cm2.scores().mIoU, 1);
});

test('void convention: void pixels count as false positives of the predicted class, void left out of the means', () => {
  // classes 0,1 scored, 2 = void
  const gt = [0, 0, 1, 1, 2, 2];
  const pred = [0, 1, 1, 1, 0, 1];
  const v = new ConfusionMatrix(3, { voidIndex: 2 }); v.add(pred, gt);
  const sv = v.scores();
  // class 0: tp 1, gt 2, pred 2 (one on void) -> 1/3; class 1: tp 2, gt 2, pred 4 -> 2/4
  assert.equal(sv.perClass.length, 2);
  close(sv.perClass[0].iou, 1 / 3); close(sv.perClass[1].iou, 2 / 4);
  close(sv.mIoU, (1 / 3 + 1 / 2) / 2);
  const ig = new ConfusionMatrix(3, { ignoreIndex: 2 }); ig.add(pred, gt);
  const si = ig.scores();
  close(si.perClass[0].iou, 1 / 2); close(si.perClass[1].iou, 2 / 3);
});

test('an ignore label inside the class range (CamVid 11 of 12) is not scored even when predicted', () => {
  const cm = new ConfusionMatrix(3, { ignoreIndex: 2 });
  cm.add([0, 2, 1, 1], [0, 0, 1, 2]);
  const s = cm.scores(['a', 'b', 'void']);
  assert.deepEqual(s.perClass.map((c) => c.name), ['a', 'b']);
  close(s.perClass[0].iou, 1 / 2); close(s.perClass[1].iou, 1);
  close(s.mIoU, 0.75);
});

test('ConfusionMatrix and imageConfusion refuse what they cannot count by name: a class count that is not one, maps of two sizes', async () => {
  const { UserError } = await import('../../src/util/errors.ts');
  const { imageConfusion } = await import('../../src/metrics/per_image.ts');
  for (const k of [0, 2.5, NaN]) assert.throws(() => new ConfusionMatrix(k), (e: Error) => e instanceof UserError && e.argument === 'numClasses' && e.message.startsWith(`numClasses ${k}: expected a whole number`));
  const cm = new ConfusionMatrix(3);
  assert.throws(() => cm.add(new Uint8Array(4), new Uint8Array(5)), (e: Error) => e instanceof UserError && e.argument === 'pred' && e.message === 'pred: 4 pixels against 5 of ground truth; give label maps of the same image');
  // A shorter prediction was counted as if its missing pixels were no class at all.
  assert.throws(() => imageConfusion('a.png', new Uint8Array(3), new Uint8Array(4), 3, {}, new Float64Array(9)), (e: Error) => e instanceof UserError && /^pred: 3 pixels against 4 of ground truth in a\.png/.test(e.message));
});
