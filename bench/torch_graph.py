# A pixelwise network rebuilt in PyTorch from its own layer list, for the training benchmark
# (`npm run bench -- --arch NAME`; bench/train_arch.ts writes the inputs). Reference code for a
# benchmark, never part of the product. Reads, from the working directory:
#   graph.json   the TF.js layers in order: class, config, inbound layers, weights (name, shape, offset)
#   weights.bin  every weight, float32, in TF.js layouts (HWIO kernels, [k, k, C, 1] depthwise)
#   x.bin        the batch, float32 NCHW; y.bin the labels, int32 [N, H, W]
# Each layer is the PyTorch op with TF.js's semantics (TF 'same' padding with the odd pixel at the
# end, align-corners bilinear resizes, PyTorch-style symmetric padding for GroupConv2D, BatchNorm
# momentum 0.1 = 1 - 0.9). Writes torch.json: eval-mode logits of the first image (logits.bin),
# the first training losses (Adam 1e-3, cross-entropy) and the median step time.
# Usage: python3 torch_graph.py --threads 2 --warmup 2 --steps 6
import argparse, json, math, statistics, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--warmup', type=int, default=2)
ap.add_argument('--steps', type=int, default=6)
a = ap.parse_args()
torch.set_num_threads(a.threads)

graph = json.load(open('graph.json'))
blob = np.fromfile('weights.bin', dtype=np.float32)


def weight(w):
    n = int(np.prod(w['shape'])) if w['shape'] else 1
    return torch.from_numpy(blob[w['offset']:w['offset'] + n].reshape(w['shape']).copy())


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def tf_same_pads(size, k, s, d):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


class Layer(nn.Module):
    """One TF.js layer: its op in PyTorch and its weights as parameters (or BatchNorm buffers)."""

    def __init__(self, spec):
        super().__init__()
        self.cls, self.cfg = spec['cls'], spec['config']
        ws = {w['name'].split('/')[-1]: weight(w) for w in spec['weights']}
        c, cls = self.cfg, self.cls
        if cls == 'Conv2D':
            self.w = nn.Parameter(ws['kernel'].permute(3, 2, 0, 1).contiguous())
            self.b = nn.Parameter(ws['bias']) if 'bias' in ws else None
        elif cls == 'GroupConv2D':
            self.w = nn.Parameter(ws['kernel'].permute(3, 2, 0, 1).contiguous())
            self.b = nn.Parameter(ws['bias']) if 'bias' in ws else None
        elif cls in ('DepthwiseConv2D', 'AtrousDepthwiseConv2D'):
            self.w = nn.Parameter(ws['depthwise_kernel'].permute(2, 3, 0, 1).contiguous())
            self.b = nn.Parameter(ws['bias']) if 'bias' in ws else None
        elif cls == 'BatchNormalization':
            n = ws['moving_mean'].numel()
            self.bn = nn.BatchNorm2d(n, eps=c['epsilon'], momentum=1 - c['momentum'])
            with torch.no_grad():
                self.bn.weight.copy_(ws['gamma']); self.bn.bias.copy_(ws['beta'])
                self.bn.running_mean.copy_(ws['moving_mean']); self.bn.running_var.copy_(ws['moving_variance'])
        elif cls == 'PReLU':
            self.alpha = nn.Parameter(ws['alpha'].reshape(-1))
        elif ws:
            raise SystemExit(f'{spec["name"]}: weights of a {cls} are not read')

    def conv(self, x, k, s, d, groups, padding):
        if padding == 'same':
            ph, pw = tf_same_pads(x.shape[2], k[0], s[0], d[0]), tf_same_pads(x.shape[3], k[1], s[1], d[1])
            x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
        return F.conv2d(x, self.w, self.b, s, 0, d, groups)

    def forward(self, xs):
        c, cls, x = self.cfg, self.cls, xs[0]
        if cls == 'Conv2D':
            y = self.conv(x, pair(c['kernelSize']), pair(c['strides']), pair(c['dilationRate']), 1, c['padding'])
            return F.relu(y) if c.get('activation') == 'relu' else y
        if cls == 'GroupConv2D':
            k, d = c['kernelSize'], c['dilation']
            p = (k - 1) // 2 * d
            return F.conv2d(x, self.w, self.b, c['strides'], p, d, c['groups'])
        if cls == 'DepthwiseConv2D':
            return self.conv(x, pair(c['kernelSize']), pair(c['strides']), pair(c['dilationRate']), x.shape[1], c['padding'])
        if cls == 'AtrousDepthwiseConv2D':
            k, d = c['kernelSize'], c['dilation']
            t = (k - 1) * d
            return F.conv2d(F.pad(x, (t // 2, t - t // 2, t // 2, t - t // 2)), self.w, self.b, 1, 0, d, x.shape[1])
        if cls == 'BatchNormalization':
            return self.bn(x)
        if cls == 'PReLU':
            return F.prelu(x, self.alpha)
        if cls == 'ReLU':
            return torch.clamp(x, 0, c['maxValue']) if c.get('maxValue') is not None else F.relu(x)
        if cls == 'Activation':
            return {'sigmoid': torch.sigmoid, 'relu': F.relu, 'linear': lambda v: v}[c['activation']](x)
        if cls == 'Add':
            return sum(xs[1:], xs[0])
        if cls == 'Multiply':
            y = xs[0]
            for v in xs[1:]:
                y = y * v
            return y
        if cls == 'Concatenate':
            return torch.cat(xs, 1)
        if cls == 'ZeroPadding2D':
            (t, b), (l, r) = c['padding']
            return F.pad(x, (l, r, t, b))
        if cls == 'AveragePooling2D':
            assert c['padding'] == 'valid'
            return F.avg_pool2d(x, pair(c['poolSize']), pair(c['strides']))
        if cls == 'PaddedAvgPool':
            return F.avg_pool2d(x, c['poolSize'], c['strides'], c['padding'], count_include_pad=True)
        if cls == 'GlobalAvgPool':
            return x.mean((2, 3), keepdim=True)
        if cls == 'ChannelShuffle':
            n, ch, h, w = x.shape
            g = c['groups']
            return x.reshape(n, g, ch // g, h, w).transpose(1, 2).reshape(n, ch, h, w)
        if cls == 'Resample':
            h, w = x.shape[2], x.shape[3]
            if c.get('size'):
                th, tw = c['size']
            elif c.get('scale'):
                num, den = c['scale']
                th, tw = (max(-(-v * num // den), c.get('min') or 0) for v in (h, w))
            else:
                th, tw = xs[1].shape[2], xs[1].shape[3]
            if (th, tw) == (h, w):
                return x
            if c['mode'] == 'bilinear':
                return F.interpolate(x, size=(th, tw), mode='bilinear', align_corners=True)
            return F.adaptive_avg_pool2d(x, (th, tw))
        raise SystemExit(f'layer class {cls} is not rebuilt here')


class Net(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.order = [l for l in g['layers'] if l['cls'] != 'InputLayer']
        self.inputName = next(l['name'] for l in g['layers'] if l['cls'] == 'InputLayer')
        self.ops = nn.ModuleList([Layer(l) for l in self.order])
        self.output = g['output']

    def forward(self, x):
        vals = {self.inputName: x}
        for spec, op in zip(self.order, self.ops):
            vals[spec['name']] = op([vals[i] for i in spec['inbound']])
        return vals[self.output]


net = Net(graph)
x = torch.from_numpy(np.fromfile('x.bin', dtype=np.float32).reshape(graph['batch']))
y = torch.from_numpy(np.fromfile('y.bin', dtype=np.int32).reshape([graph['batch'][0]] + graph['batch'][2:]).astype(np.int64))
trainable = sum(p.numel() for p in net.parameters())

net.eval()
with torch.no_grad():
    net(x[:1]).numpy().astype(np.float32).tofile('logits.bin')

net.train()
opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
losses, times = [], []
for i in range(a.warmup + a.steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    dt = (time.perf_counter() - t0) * 1000
    losses.append(float(loss))
    if i >= a.warmup:
        times.append(dt)
    print(f'step {i}{" (warm-up)" if i < a.warmup else ""}: {dt:.0f} ms, loss {losses[-1]:.4f}', file=sys.stderr)
import resource
json.dump({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'trainable': trainable, 'losses': losses,
           'stepMs': times, 'medianMsPerStep': statistics.median(times),
           'maxRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, open('torch.json', 'w'))
