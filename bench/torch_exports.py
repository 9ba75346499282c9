# Segmentation networks as users export them from PyTorch (torch.onnx.export, the exporter that
# Hugging Face Optimum and torchvision users run), with PyTorch's own label maps on the shipped
# photos as the reference: the fixtures of test/io/torch_exports.test.ts. Each network is fitted for
# a few seconds to a colour quantisation of the photos (seeded), so that its label maps have regions
# and edges where the pre- and post-processing show; what is checked is the arithmetic of the
# import and of that processing, not accuracy.
#   - tiny-segformer/: a Hugging Face / transformers.js folder (onnx/model.onnx, config.json,
#     preprocessor_config.json, README.md) of a SegFormer (Mix Transformer encoder, all-MLP decoder,
#     logits at a quarter of the input), post-processed as transformers' SegformerImageProcessor
#     does: Pillow BILINEAR to 256x256, rescale, normalise; the quarter-size logits resized
#     bilinearly straight to the photo's size (post_process_semantic_segmentation), argmax.
#   - deeplabv3.onnx: a torchvision-style DeepLabV3 (dilated backbone, ASPP with image pooling, an
#     auxiliary head; outputs out and aux at the input's size), run at each photo's own size.
#   - unet-sigmoid.onnx: a segmentation_models_pytorch-style binary U-Net fixed at 1x3x128x128
#     ending in a Sigmoid, run on a 128x128 crop of a photo; foreground where p > 0.5.
# Rerun (Debian python3-torch and python3-pil; no network):
#   /usr/bin/python3 bench/torch_exports.py test/fixtures/torch_exports
import base64, json, os, sys, zlib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/torch_exports'
PHOTOS = ['assets/photos/chelsea.png', 'assets/photos/coffee.png']
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
# A pixel whose best two scores are closer than this may go either way in another summation order.
NEAR = 1e-3
torch.manual_seed(20261207)
torch.set_grad_enabled(False)


def photo(p):
    return Image.open(p).convert('RGB')


def normalised(img):
    # transformers' rescale (float64 * 1/255, then float32) and normalise; torchvision's
    # ToTensor + Normalize give the same values to within a unit of the last place.
    a = (np.asarray(img).astype(np.float64) * (1 / 255)).astype(np.float32)
    a = (a - np.array(MEAN, np.float32)) / np.array(STD, np.float32)
    return torch.from_numpy(a.transpose(2, 0, 1).copy())[None]


def reference(scores):
    """Label map and near-tie mask of [1, C, H, W] scores (C = 1: foreground where the logit > 0)."""
    s = scores[0]
    if s.shape[0] == 1:
        return (s[0] > 0).to(torch.uint8).numpy(), (s[0].abs() < NEAR).numpy()
    top = torch.topk(s, 2, dim=0).values
    return s.argmax(0).to(torch.uint8).numpy(), ((top[0] - top[1]) < NEAR).numpy()


def packed(labels, near, name, what):
    h, w = labels.shape
    return {'image': name, 'width': int(w), 'height': int(h), 'what': what,
            'labels': base64.b64encode(zlib.compress(labels.tobytes(), 9)).decode(),
            'near': base64.b64encode(zlib.compress(np.packbits(near.flatten()).tobytes(), 9)).decode(),
            'nearCount': int(near.sum())}


# ---- SegFormer, as transformers' modeling_segformer builds it (a small configuration) ----
class OverlapPatchEmbed(nn.Module):
    def __init__(self, cin, dim, k, s):
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, k, s, k // 2)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = self.proj(x)
        h, w = x.shape[2], x.shape[3]
        return self.norm(x.flatten(2).transpose(1, 2)), h, w


class EfficientSelfAttention(nn.Module):
    def __init__(self, dim, heads, sr):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.sr_ratio = sr
        if sr > 1:
            self.sr = nn.Conv2d(dim, dim, sr, sr)
            self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, dim)

    def split(self, t):
        b, n, _ = t.shape
        return t.view(b, n, self.heads, self.hd).permute(0, 2, 1, 3)

    def forward(self, x, h, w):
        b, n, c = x.shape
        q = self.split(self.q(x))
        kv = x
        if self.sr_ratio > 1:
            kv = x.permute(0, 2, 1).reshape(b, c, h, w)
            kv = self.norm(self.sr(kv).reshape(b, c, -1).permute(0, 2, 1))
        k, v = self.split(self.k(kv)), self.split(self.v(kv))
        a = torch.softmax(q @ k.transpose(-1, -2) / (self.hd ** 0.5), dim=-1)
        return self.out((a @ v).permute(0, 2, 1, 3).reshape(b, n, c))


class MixFFN(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.dw = nn.Conv2d(hidden, hidden, 3, 1, 1, groups=hidden)

    def forward(self, x, h, w):
        x = self.fc1(x)
        b, n, c = x.shape
        x = self.dw(x.transpose(1, 2).view(b, c, h, w)).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(x))


class Block(nn.Module):
    def __init__(self, dim, heads, sr):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.att, self.ffn = EfficientSelfAttention(dim, heads, sr), MixFFN(dim, dim * 4)

    def forward(self, x, h, w):
        x = x + self.att(self.n1(x), h, w)
        return x + self.ffn(self.n2(x), h, w)


class TinySegformer(nn.Module):
    def __init__(self, classes, dims=(8, 16, 32), heads=(1, 2, 4), srs=(8, 4, 2), decoder=16):
        super().__init__()
        cins = (3,) + dims[:-1]
        self.embeds = nn.ModuleList(OverlapPatchEmbed(ci, d, 7 if i == 0 else 3, 4 if i == 0 else 2) for i, (ci, d) in enumerate(zip(cins, dims)))
        self.blocks = nn.ModuleList(Block(d, hh, s) for d, hh, s in zip(dims, heads, srs))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for d in dims)
        self.mlps = nn.ModuleList(nn.Linear(d, decoder) for d in dims)
        self.fuse = nn.Conv2d(decoder * len(dims), decoder, 1, bias=False)
        self.bn = nn.BatchNorm2d(decoder)
        self.classifier = nn.Conv2d(decoder, classes, 1)

    def forward(self, pixel_values):
        x, feats = pixel_values, []
        for emb, blk, norm in zip(self.embeds, self.blocks, self.norms):
            t, h, w = emb(x)
            t = norm(blk(t, h, w))
            x = t.reshape(t.shape[0], h, w, -1).permute(0, 3, 1, 2)
            feats.append(x)
        size = feats[0].shape[2:]
        ups = []
        for f, mlp in zip(feats, self.mlps):
            b, c, h, w = f.shape
            m = mlp(f.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(b, -1, h, w)
            ups.append(F.interpolate(m, size=size, mode='bilinear', align_corners=False))
        x = torch.relu(self.bn(self.fuse(torch.cat(ups[::-1], dim=1))))
        return self.classifier(x)


# ---- torchvision's DeepLabV3 shape (a small dilated backbone) ----
def cbr(cin, cout, k=3, s=1, d=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class ASPPPooling(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        size = x.shape[-2:]
        for m in self:
            x = m(x)
        return F.interpolate(x, size=size, mode='bilinear', align_corners=False)


class TinyDeepLabV3(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, s=2), cbr(16, 24, s=2))
        self.layer3 = cbr(24, 24, s=2)
        self.layer4 = nn.Sequential(cbr(24, 24, d=2), cbr(24, 24, d=4))
        self.aspp = nn.ModuleList([cbr(24, 16, k=1), cbr(24, 16, d=12), cbr(24, 16, d=24), cbr(24, 16, d=36), ASPPPooling(24, 16)])
        self.project = cbr(16 * 5, 16, k=1)
        self.head = nn.Sequential(cbr(16, 16), nn.Conv2d(16, classes, 1))
        self.aux = nn.Sequential(cbr(24, 8), nn.Conv2d(8, classes, 1))

    def forward(self, x):
        size = x.shape[-2:]
        f3 = self.layer3(self.stem(x))
        f4 = self.layer4(f3)
        y = self.head(self.project(torch.cat([b(f4) for b in self.aspp], dim=1)))
        return {'out': F.interpolate(y, size=size, mode='bilinear', align_corners=False),
                'aux': F.interpolate(self.aux(f3), size=size, mode='bilinear', align_corners=False)}


# ---- segmentation_models_pytorch's Unet shape (nearest 2x upsampling, skip concatenation) ----
class TinyUnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1, self.e2, self.e3 = cbr(3, 8), cbr(8, 16, s=2), cbr(16, 32, s=2)
        self.d2, self.d1 = cbr(32 + 16, 16), cbr(16 + 8, 8)
        self.seg = nn.Conv2d(8, 1, 3, padding=1)

    def logits(self, x):
        a = self.e1(x)
        b = self.e2(a)
        c = self.e3(b)
        y = self.d2(torch.cat([F.interpolate(c, scale_factor=2.0, mode='nearest'), b], 1))
        y = self.d1(torch.cat([F.interpolate(y, scale_factor=2.0, mode='nearest'), a], 1))
        return self.seg(y)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


PALETTE = torch.tensor([[0.1, 0.1, 0.1], [0.9, 0.9, 0.9], [0.7, 0.3, 0.2], [0.3, 0.6, 0.3], [0.3, 0.4, 0.8]])


def colour_classes(rgb, ids):
    """[N, 3, H, W] pixels in 0..1 -> the class id (of `ids`) of the nearest PALETTE colour."""
    d = ((rgb[:, None] - PALETTE[: len(ids), :, None, None]) ** 2).sum(2)
    return torch.tensor(ids)[d.argmin(1)]


def fit(net, forward, size, ids, steps=120):
    """A few Adam steps on random crops of every shipped photo, resized to `size`, against colour_classes."""
    g = torch.Generator().manual_seed(7)
    photos = [torch.from_numpy(np.asarray(photo(os.path.join('assets/photos', f))).astype(np.float32) / 255).permute(2, 0, 1)
              for f in sorted(os.listdir('assets/photos')) if f.endswith('.png')]
    mean, std = torch.tensor(MEAN)[:, None, None], torch.tensor(STD)[:, None, None]
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    net.train()
    with torch.enable_grad():
        for step in range(steps):
            batch = []
            for i in range(4):
                p = photos[(step * 4 + i) % len(photos)]
                ch, cw = int(torch.randint(p.shape[1] // 2, p.shape[1] + 1, (1,), generator=g)), int(torch.randint(p.shape[2] // 2, p.shape[2] + 1, (1,), generator=g))
                y0, x0 = int(torch.randint(0, p.shape[1] - ch + 1, (1,), generator=g)), int(torch.randint(0, p.shape[2] - cw + 1, (1,), generator=g))
                batch.append(F.interpolate(p[None, :, y0:y0 + ch, x0:x0 + cw], size=size, mode='bilinear', align_corners=False))
            rgb = torch.cat(batch)
            target = colour_classes(rgb, ids)
            out = forward((rgb - mean) / std)
            if out.shape[-2:] != target.shape[-2:]:
                out = F.interpolate(out, size=target.shape[-2:], mode='bilinear', align_corners=False)
            loss = F.binary_cross_entropy_with_logits(out[:, 0], target.float()) if out.shape[1] == 1 else F.cross_entropy(out, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    print(type(net).__name__, 'loss', round(float(loss), 3), file=sys.stderr)
    return net.eval()


def main():
    os.makedirs(OUT, exist_ok=True)
    refs = {'torch': torch.__version__, 'near': NEAR, 'cases': []}

    # SegFormer as a transformers.js folder.
    labels = ['wall', 'building', 'sky', 'floor', 'tree']
    seg = TinySegformer(len(labels))
    fit(seg, seg, (256, 256), list(range(5)))
    folder = os.path.join(OUT, 'tiny-segformer')
    os.makedirs(os.path.join(folder, 'onnx'), exist_ok=True)
    torch.onnx.export(seg, torch.zeros(1, 3, 256, 256), os.path.join(folder, 'onnx', 'model.onnx'), opset_version=14,
                      input_names=['pixel_values'], output_names=['logits'],
                      dynamic_axes={'pixel_values': {0: 'batch_size', 1: 'num_channels', 2: 'height', 3: 'width'},
                                    'logits': {0: 'batch_size', 1: 'num_labels', 2: 'height', 3: 'width'}})
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump({'_name_or_path': 'pixelwise-fixtures/tiny-segformer', 'architectures': ['SegformerForSemanticSegmentation'],
                   'model_type': 'segformer', 'id2label': {str(i): n for i, n in enumerate(labels)},
                   'label2id': {n: i for i, n in enumerate(labels)}}, f, indent=2)
    with open(os.path.join(folder, 'preprocessor_config.json'), 'w') as f:
        json.dump({'do_normalize': True, 'do_reduce_labels': False, 'do_rescale': True, 'do_resize': True,
                   'image_mean': MEAN, 'image_processor_type': 'SegformerImageProcessor', 'image_std': STD,
                   'resample': 2, 'rescale_factor': 0.00392156862745098, 'size': {'height': 256, 'width': 256}}, f, indent=2)
    with open(os.path.join(folder, 'README.md'), 'w') as f:
        f.write('---\nlicense: mit\nlibrary_name: transformers.js\n---\n\nA SegFormer of random weights exported by bench/torch_exports.py: a test fixture, not a model.\n')
    for p in PHOTOS:
        img = photo(p)
        logits = seg(normalised(img.resize((256, 256), Image.BILINEAR)))
        up = F.interpolate(logits, size=(img.height, img.width), mode='bilinear', align_corners=False)
        refs['cases'].append({'model': 'tiny-segformer', **packed(*reference(up), os.path.basename(p), 'transformers post_process_semantic_segmentation')})
        # The same folder with a processor that resizes with BICUBIC (resample 3), as BEiT's and DPT's do.
        logits = seg(normalised(img.resize((256, 256), Image.BICUBIC)))
        up = F.interpolate(logits, size=(img.height, img.width), mode='bilinear', align_corners=False)
        refs['cases'].append({'model': 'tiny-segformer-bicubic', **packed(*reference(up), os.path.basename(p), 'resample 3 (BICUBIC)')})

    # torchvision-style DeepLabV3, run at each photo's size.
    dl = TinyDeepLabV3(21)
    fit(dl, lambda x: dl(x)['out'], (256, 256), [0, 15, 8, 16, 20])
    torch.onnx.export(dl, torch.zeros(1, 3, 224, 224), os.path.join(OUT, 'deeplabv3.onnx'), opset_version=11,
                      input_names=['input'], output_names=['out', 'aux'],
                      dynamic_axes={'input': {0: 'batch', 2: 'height', 3: 'width'}, 'out': {0: 'batch', 2: 'height', 3: 'width'}, 'aux': {0: 'batch', 2: 'height', 3: 'width'}})
    for p in PHOTOS:
        out = dl(normalised(photo(p)))['out']
        refs['cases'].append({'model': 'deeplabv3', **packed(*reference(out), os.path.basename(p), 'the photo at its own size')})

    # A binary U-Net of fixed size, on a crop.
    un = TinyUnet()
    fit(un, un.logits, (128, 128), [0, 1])
    torch.onnx.export(un, torch.zeros(1, 3, 128, 128), os.path.join(OUT, 'unet-sigmoid.onnx'), opset_version=13,
                      input_names=['input'], output_names=['output'])
    crop = photo(PHOTOS[0]).crop((160, 60, 288, 188))
    z = un.logits(normalised(crop))
    refs['cases'].append({'model': 'unet-sigmoid', 'crop': [160, 60, 128, 128], **packed(*reference(z), os.path.basename(PHOTOS[0]), 'a 128x128 crop at (160, 60)')})

    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(refs, f)
    for c in refs['cases']:
        print(c['model'], c['image'], f"{c['width']}x{c['height']}", 'near-ties', c['nearCount'])


if __name__ == '__main__':
    main()
