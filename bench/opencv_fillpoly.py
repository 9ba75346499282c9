# OpenCV (Debian python3-opencv) fillPoly on seeded random polygons: the reference outputs for
# test/data/polygon_inclusive.test.ts. Rerun (Debian: apt-get install python3-opencv): /usr/bin/python3 bench/opencv_fillpoly.py > test/fixtures/opencv_fillpoly.json
import json, random, numpy as np, cv2, base64
random.seed(20261205)
cases = []
for t in range(60):
    w, h = random.randint(4, 48), random.randint(4, 48)
    rings = []
    for _ in range(random.choice([1, 1, 2, 3])):
        n = random.randint(2, 9)
        rings.append([v for _ in range(n) for v in (random.randint(-w // 4, w + w // 4), random.randint(-h // 4, h + h // 4))])
    a = np.zeros((h, w), np.uint8)
    cv2.fillPoly(a, [np.array(r, np.int32).reshape(-1, 2) for r in rings], 1)
    cases.append({'w': w, 'h': h, 'rings': rings, 'mask': base64.b64encode(np.packbits(a.flatten())).decode()})
print(json.dumps({'opencv': cv2.__version__, 'cases': cases}))
