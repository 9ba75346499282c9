// labelme files hold their images (imageData, unless saved without): given no images folder,
// convert takes each image from its JSON file (or, for one saved without it, from where imagePath
// points) into one folder, named as the JSON file is under the export's folder, so that images and
// masks train like any folder. Nothing is written before every image is found.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../util/errors.js';
import { isFile, writeFileAtomic } from '../../util/fs.js';
import type { AnnotationSet } from './types.js';
import { imageExtsOf } from '../image_exts.js';

/**
 * Writes the images of a labelme export into `dir` and points each entry there. `input`: the JSON
 * file or the folder of them.
 */
export function gatherImages(set: AnnotationSet, input: string, folder: boolean, dir: string): void {
  const planned = new Map<string, { bytes?: Uint8Array; copy?: string; source: string }>();
  for (const img of set.images) {
    const source = img.source ?? input;
    const rel = folder ? path.relative(input, path.dirname(source)) : '';
    const base = path.posix.basename(img.name.replace(/\\/g, '/'));
    let bytes: Uint8Array | undefined, copy: string | undefined;
    if (img.embedded != null) {
      bytes = Buffer.from(img.embedded, 'base64');
    } else if (img.near && isFile(img.near)) {
      copy = img.near;
    } else {
      throw new UserError(`${source}: holds no image (no imageData: saved without it) and its image ${img.name} is not beside it; give options.images, the folder the images are in`);
    }
    const kinds = imageExtsOf(bytes ?? fs.readFileSync(copy!).subarray(0, 16));
    if (!kinds) throw new UserError(`${source}: ${bytes ? 'its imageData is' : `${copy} is`} not an image pixelwise reads (jpg/png/bmp/webp/tiff); export the image again from labelme`);
    // labelme stores a .bmp or .gif as PNG bytes: the name says what the file is.
    const name = kinds.includes(path.extname(base).toLowerCase()) ? base : base.replace(/\.[^.]*$/, '') + kinds[0];
    const target = path.join(dir, rel, name);
    const earlier = planned.get(target);
    if (earlier && !sameContent(earlier, { bytes, copy })) {
      throw new UserError(`${earlier.source} and ${source} hold different images named ${path.join(rel, name)}; rename one of the images in labelme`);
    }
    planned.set(target, { bytes, copy, source });
    img.near = target;
    img.name = path.join(rel, name);
  }
  for (const [target, p] of planned) {
    if (p.bytes) writeFileAtomic(target, p.bytes);
    else writeFileAtomic(target, fs.readFileSync(p.copy!));
  }
}

function sameContent(a: { bytes?: Uint8Array; copy?: string }, b: { bytes?: Uint8Array; copy?: string }): boolean {
  const read = (x: { bytes?: Uint8Array; copy?: string }) => x.bytes ?? fs.readFileSync(x.copy!);
  return Buffer.from(read(a)).equals(Buffer.from(read(b)));
}
