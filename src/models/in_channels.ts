// A pretrained first convolution for inputs of other than 3 bands, by segmentation_models.pytorch's
// rule (patch_first_conv): for 1 band the kernel summed over its RGB inputs (a grey image gives the
// activations its grey RGB copy gave); for N bands input i takes RGB kernel i mod 3, all scaled by
// 3 / N, which keeps the activations' scale (exactly the RGB model's for N equal bands when N is a
// multiple of 3).
export const RGB_BANDS = 3;

/** An HWIO kernel [kh, kw, 3, out] made [kh, kw, n, out]. */
export function adaptFirstConv(data: ArrayLike<number>, shape: number[], n: number): { data: Float32Array; shape: number[] } {
  const [kh, kw, cin, cout] = shape;
  if (shape.length !== 4 || cin !== RGB_BANDS) throw new Error(`adaptFirstConv: expected an HWIO kernel of ${RGB_BANDS} inputs, got ${shape.join('x')}`);
  const out = new Float32Array(kh * kw * n * cout);
  for (let p = 0; p < kh * kw; p++) {
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < cout; o++) {
        let v: number;
        if (n === 1) v = data[(p * cin + 0) * cout + o] + data[(p * cin + 1) * cout + o] + data[(p * cin + 2) * cout + o];
        else v = data[(p * cin + (i % cin)) * cout + o] * (cin / n);
        out[(p * n + i) * cout + o] = v;
      }
    }
  }
  return { data: out, shape: [kh, kw, n, cout] };
}
