// Where an export's images are under the images folder, and where their masks go. Exports name
// images their own way: a path, a file name, a URL, a Label Studio upload (an 8-hex prefix) or local
// file (/data/local-files/?d=PATH), a path relative to the annotation file (labelme), a name without
// extension (CVAT video frames). Nothing outside the images folder is taken, so that each mask stays
// under masks/.
import fs from 'node:fs';
import path from 'node:path';
import { IMAGE_EXTS } from '../image_exts.js';
import { isDir, isFile, isInside, stem } from '../../util/fs.js';
import type { AnnotatedImage } from './types.js';

export class ImageFinder {
  /** Image files by lower-case stem (accents composed), per folder, read once. */
  private readonly byStem = new Map<string, Map<string, string>>();
  private readonly byLowerName = new Map<string, Map<string, string>>();
  constructor(private readonly images: string) {}

  /**
   * The file of an exported image: where the export's own location puts it (`near`), else its path,
   * else its file name, else (Label Studio) the upload name less its 8-hex prefix. Windows
   * separators ("..\\img\\a.jpg", as labelme on Windows writes) read as "/"; a path that leaves the
   * folder ("../other/a.jpg") is tried by its file name only.
   */
  find(img: Pick<AnnotatedImage, 'name' | 'near' | 'anyExtension'>): string | null {
    const { name, near } = img;
    if (img.anyExtension) return this.byName(path.join(this.images, path.dirname(name)), path.basename(name));
    const local = /[?&]d=([^&]+)/.exec(name);
    const raw = local ? local[1] : name.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\?.*$/, '');
    let decoded = raw;
    try { decoded = decodeURIComponent(raw); } catch { /* a lone % is a character of the name */ }
    const candidates = [...(near ? [near] : []), ...[...new Set([decoded, raw, name])].flatMap((n) => {
      const clean = n.replace(/\\/g, '/');
      const base = path.posix.basename(clean);
      return [clean, clean.replace(/^\/+/, ''), base, base.replace(/^[0-9a-f]{8}-/, '')].map((c) => path.join(this.images, c));
    })];
    // An export made on macOS may spell accents decomposed (NFD) where the disk has them composed, or the other way.
    const spellings = candidates.flatMap((c) => [...new Set([c, c.normalize('NFC'), c.normalize('NFD')])]);
    const exact = spellings.find((c) => this.inside(c) && isFile(c));
    if (exact) return exact;
    // A name in another case (IMG_1.jpg for img_1.JPG: a tool on a case-blind Windows or macOS
    // disk), where the folder holds one such file.
    for (const c of candidates) {
      const file = this.inFolder(path.dirname(c)).get(path.basename(c).toLowerCase().normalize('NFC'));
      if (file && this.inside(file) && isFile(file)) return file;
    }
    return null;
  }

  /** The files of a folder by lower-case name (accents composed); '' for a name two files share. */
  private inFolder(dir: string): Map<string, string> {
    let m = this.byLowerName.get(dir);
    if (!m) {
      m = new Map();
      for (const f of isDir(dir) && isInside(this.images, dir) ? fs.readdirSync(dir) : []) {
        const k = f.toLowerCase().normalize('NFC');
        m.set(k, m.has(k) ? '' : path.join(dir, f));
      }
      this.byLowerName.set(dir, m);
    }
    return m;
  }

  /** The mask of an image file: its path under the images folder, under `masksDir`, as .png. */
  maskOf(masksDir: string, file: string): string {
    const rel = path.relative(this.images, file);
    return path.join(masksDir, path.dirname(rel), `${stem(rel)}.png`);
  }

  private inside(file: string): boolean {
    return path.resolve(file) !== path.resolve(this.images) && isInside(this.images, file);
  }

  private byName(dir: string, name: string): string | null {
    if (!this.byStem.has(dir)) {
      const files = isDir(dir) ? fs.readdirSync(dir).filter((f) => IMAGE_EXTS.includes(path.extname(f).toLowerCase())) : [];
      this.byStem.set(dir, new Map(files.map((f) => [stem(f).toLowerCase().normalize('NFC'), path.join(dir, f)])));
    }
    const file = this.byStem.get(dir)!.get(name.toLowerCase().normalize('NFC')) ?? null;
    return file && this.inside(file) ? file : null;
  }
}
