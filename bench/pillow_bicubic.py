# Pillow (Debian python3-pil) BICUBIC resizes of seeded random RGB images, down and up, each axis
# alone and both: the reference outputs for test/data/pillow_resize.test.ts. Rerun:
#   /usr/bin/python3 bench/pillow_bicubic.py > test/fixtures/pillow_bicubic.json
import base64, json, random
import numpy as np
import PIL
from PIL import Image
random.seed(20261207)
rng = np.random.default_rng(20261207)
cases = []
sizes = [(w, h, random.randint(1, 36), random.randint(1, 36)) for w, h in [(random.randint(1, 30), random.randint(1, 30)) for _ in range(30)]]
# Each axis alone, an exact halving and a large downscale (wide support), and 1-pixel sides.
sizes += [(31, 17, 31, 40), (31, 17, 12, 17), (40, 40, 20, 20), (64, 9, 5, 9), (1, 7, 9, 3), (9, 1, 2, 5)]
for w, h, ow, oh in sizes:
    a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    # Hard edges reach the bicubic's overshoot (sums below 0 and above 255, clipped).
    if random.random() < 0.5:
        a = np.where(a > 127, 255, 0).astype(np.uint8)
    out = np.asarray(Image.fromarray(a, 'RGB').resize((ow, oh), Image.BICUBIC))
    cases.append({'w': w, 'h': h, 'ow': ow, 'oh': oh, 'src': base64.b64encode(a.tobytes()).decode(), 'out': base64.b64encode(out.tobytes()).decode()})
print(json.dumps({'pillow': PIL.__version__, 'cases': cases}))
