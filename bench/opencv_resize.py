# OpenCV's (Debian python3-opencv) cv2.resize of 8-bit images, INTER_LINEAR on RGB and
# INTER_NEAREST on label maps: the reference outputs for test/data/opencv_resize.test.ts.
# image-segmentation-keras resizes every image with INTER_LINEAR and its label maps with
# INTER_NEAREST. Small cases keep their bytes; large ones (sources computed by a formula both
# sides know, and the shipped photos) keep a sha256 of the output. Rerun:
#   /usr/bin/python3 bench/opencv_resize.py > test/fixtures/opencv_resize.json
import base64, hashlib, json, random
import numpy as np
import cv2
random.seed(20261207)
rng = np.random.default_rng(20261207)
b64 = lambda a: base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()
sha = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

def formula(w, h, c):
    y, x, k = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing='ij')
    return ((x * 7 + y * 13 + k * 29 + (x * y) % 17) & 255).astype(np.uint8).reshape(h, w, c) if c > 1 else ((x * 7 + y * 13 + (x * y) % 17) & 255).astype(np.uint8)[:, :, 0]

linear, nearest = [], []
sizes = [(w, h, random.randint(1, 36), random.randint(1, 36)) for w, h in [(random.randint(1, 28), random.randint(1, 28)) for _ in range(30)]]
# Each axis alone, exact halvings (OpenCV then averages 2x2 blocks), one axis halved, doublings,
# 1-pixel sides, and rows whose 3 x width leaves every tail after the 16- and 8-lane loops.
sizes += [(31, 17, 31, 40), (31, 17, 12, 17), (40, 40, 20, 20), (38, 22, 19, 11), (40, 40, 20, 37), (12, 9, 24, 18), (64, 9, 5, 9), (1, 7, 9, 3), (9, 1, 2, 5), (1, 1, 4, 3), (7, 5, 1, 1)]
sizes += [(23, 6, w, 5) for w in range(3, 12)]
for w, h, ow, oh in sizes:
    a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if random.random() < 0.3:
        a = np.where(a > 127, 255, 0).astype(np.uint8)
    out = cv2.resize(a, (ow, oh), interpolation=cv2.INTER_LINEAR)
    linear.append({'w': w, 'h': h, 'ow': ow, 'oh': oh, 'src': b64(a), 'out': b64(out)})
for w, h, ow, oh in [(640, 480, 608, 416), (300, 200, 608, 416), (1216, 832, 608, 416), (473, 311, 224, 224), (97, 61, 960, 540)]:
    out = cv2.resize(formula(w, h, 3), (ow, oh), interpolation=cv2.INTER_LINEAR)
    linear.append({'w': w, 'h': h, 'ow': ow, 'oh': oh, 'formula': True, 'sha256': sha(out)})
photos = []
for name in ['astronaut', 'chelsea', 'coffee']:
    img = cv2.imread(f'assets/photos/{name}.png', cv2.IMREAD_COLOR)[:, :, ::-1]  # RGB, as pixelwise reads it
    for ow, oh in [(608, 416), (473, 320), (224, 224)]:
        photos.append({'photo': name, 'ow': ow, 'oh': oh, 'sha256': sha(cv2.resize(img, (ow, oh), interpolation=cv2.INTER_LINEAR))})
for w, h, ow, oh in [(w, h, random.randint(1, 50), random.randint(1, 50)) for w, h in [(random.randint(1, 30), random.randint(1, 30)) for _ in range(20)]] + [(7, 3, 7, 3), (30, 30, 10, 10)]:
    a = rng.integers(0, 21, (h, w), dtype=np.uint8)
    out = cv2.resize(a, (ow, oh), interpolation=cv2.INTER_NEAREST)
    nearest.append({'w': w, 'h': h, 'ow': ow, 'oh': oh, 'src': b64(a), 'out': b64(out)})
# image-segmentation-keras's output grids (half the input) back to photo sizes.
for w, h, ow, oh in [(304, 208, 600, 400), (304, 208, 451, 300), (304, 208, 512, 512), (112, 112, 1000, 667)]:
    out = cv2.resize(formula(w, h, 1), (ow, oh), interpolation=cv2.INTER_NEAREST)
    nearest.append({'w': w, 'h': h, 'ow': ow, 'oh': oh, 'formula': True, 'sha256': sha(out)})
print(json.dumps({'opencv': cv2.__version__, 'linear': linear, 'photos': photos, 'nearest': nearest}))
