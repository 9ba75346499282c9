# A network shaped as image-segmentation-keras builds its U-Nets (NHWC input of fixed size, scores
# at half the input's size flattened to [N, h * w, C] and softmaxed, as tf2onnx writes a Keras
# model), exported with torch.onnx.export, and image-segmentation-keras's own predict path as the
# reference on the shipped photos: cv2.imread, cv2.resize (INTER_LINEAR) to the input size, its
# "sub_mean" (the BGR Caffe means subtracted, then flipped to RGB), the argmax at the output's
# size, and the label map back to the photo by cv2.resize INTER_NEAREST (what visualize_segmentation
# does to the coloured map). Fitted for a few seconds to a colour quantisation of the photos, as
# bench/torch_exports.py's networks are. The fixtures of test/io/isk_import.test.ts. Rerun (Debian
# python3-torch, python3-opencv, python3-pil; no network):
#   /usr/bin/python3 bench/isk_export.py test/fixtures/isk
import json, os, sys
import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(__file__))
from torch_exports import MEAN, NEAR, STD, cbr, fit, packed  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/isk'
PHOTOS = ['assets/photos/chelsea.png', 'assets/photos/coffee.png', 'assets/photos/astronaut.png']
H, W, CLASSES = 224, 320, 5
# image-segmentation-keras's get_image_array, imgNorm="sub_mean": BGR means, subtracted before the flip to RGB.
BGR_MEANS = [103.939, 116.779, 123.68]
torch.manual_seed(20261207)
torch.set_grad_enabled(False)


class IskUnet(nn.Module):
    """An encoder of two stride-2 stages and one decoder stage: scores at half the input, as ISK's unets give."""

    def __init__(self):
        super().__init__()
        self.e1, self.e2, self.e3 = cbr(3, 8), cbr(8, 16, s=2), cbr(16, 32, s=2)
        self.d = cbr(32 + 16, 16)
        self.seg = nn.Conv2d(16, CLASSES, 3, padding=1)

    def logits(self, x):
        b = self.e2(self.e1(x))
        return self.seg(self.d(torch.cat([F.interpolate(self.e3(b), scale_factor=2.0, mode='nearest'), b], 1)))

    def forward(self, nhwc):
        z = self.logits(nhwc.permute(0, 3, 1, 2))
        n, c, h, w = z.shape
        return torch.softmax(z.permute(0, 2, 3, 1).reshape(n, h * w, c), dim=-1)


def sub_mean(bgr):
    img = bgr.astype(np.float32)
    for i, m in enumerate(BGR_MEANS):
        img[:, :, i] -= m
    return img[:, :, ::-1]


def main():
    os.makedirs(OUT, exist_ok=True)
    net = IskUnet()
    mean, std = torch.tensor(MEAN)[:, None, None], torch.tensor(STD)[:, None, None]
    rgb_means = torch.tensor(BGR_MEANS[::-1])[:, None, None]
    # fit() gives ImageNet-normalised NCHW batches: back to 0..255, minus the means, as ISK feeds it.
    fit(net, lambda x: net.logits((x * std + mean) * 255 - rgb_means), (H, W), list(range(CLASSES)))
    torch.onnx.export(net, torch.zeros(1, H, W, 3), os.path.join(OUT, 'isk_unet.onnx'), opset_version=13,
                      input_names=['input_1'], output_names=['activation'])
    refs = {'torch': torch.__version__, 'opencv': cv2.__version__, 'near': NEAR, 'input': [H, W], 'cases': []}
    for p in PHOTOS:
        bgr = cv2.imread(p, cv2.IMREAD_COLOR)
        x = sub_mean(cv2.resize(bgr, (W, H)))
        z = net.logits(torch.from_numpy(x.copy())[None].permute(0, 3, 1, 2))[0]
        pr = z.argmax(0).to(torch.uint8).numpy()
        top = torch.topk(z, 2, dim=0).values
        near = ((top[0] - top[1]) < NEAR).numpy().astype(np.uint8)
        oh, ow = bgr.shape[:2]
        labels = cv2.resize(pr, (ow, oh), interpolation=cv2.INTER_NEAREST)
        near_up = cv2.resize(near, (ow, oh), interpolation=cv2.INTER_NEAREST).astype(bool)
        refs['cases'].append(packed(labels, near_up, os.path.basename(p), 'image-segmentation-keras predict'))
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(refs, f)
    for c in refs['cases']:
        print(c['image'], f"{c['width']}x{c['height']}", 'near-ties', c['nearCount'])


if __name__ == '__main__':
    main()
