/**
 * A small reader of OpenType/TrueType (sfnt) files: the faces of a `.ttc` collection (each
 * extracted as a standalone font that opentype.js can parse), the character map (formats 4 and
 * 12) and the family and style names. Only what the glyph builder needs; it reads coverage in a
 * few milliseconds where a full parse takes tens.
 * @module
 */

/** One face of a font file: its bytes as a standalone sfnt, and what the builder reads from it. */
export interface SfntFace {
  /** The face as a standalone sfnt (for a `.ttc`, rebuilt with its own table directory). */
  bytes: Uint8Array<ArrayBuffer>;
  /** Code point -> glyph index, glyph index 0 (.notdef) never stored. */
  cmap: Map<number, number>;
  /** Typographic family (name ID 16, else 1), e.g. "Noto Sans". */
  family: string;
  /** Typographic subfamily (name ID 17, else 2), e.g. "Bold Italic". */
  style: string;
}

function u16(b: DataView, o: number): number {
  return b.getUint16(o);
}

function u32(b: DataView, o: number): number {
  return b.getUint32(o);
}

function tag(b: DataView, o: number): string {
  return String.fromCharCode(
    b.getUint8(o),
    b.getUint8(o + 1),
    b.getUint8(o + 2),
    b.getUint8(o + 3),
  );
}

/** Table records of the face whose offset table starts at `at`. */
function tableDirectory(v: DataView, at: number): Map<string, { offset: number; length: number }> {
  const version = u32(v, at);
  if (version !== 0x00010000 && version !== 0x4f54544f && version !== 0x74727565) {
    throw new TypeError(`not an OpenType or TrueType font: version 0x${version.toString(16)}`);
  }
  const n = u16(v, at + 4);
  const out = new Map<string, { offset: number; length: number }>();
  for (let i = 0; i < n; i++) {
    const r = at + 12 + 16 * i;
    const offset = u32(v, r + 8);
    const length = u32(v, r + 12);
    if (offset + length > v.byteLength) throw new RangeError(`table ${tag(v, r)} past end of file`);
    out.set(tag(v, r), { offset, length });
  }
  return out;
}

/**
 * Offsets of the faces in a font file: [0] for a single font, the collection's offsets for a
 * `.ttc` ("ttcf" header). Throws a TypeError for anything else.
 */
export function faceOffsets(bytes: Uint8Array): number[] {
  if (bytes.byteLength < 12) throw new TypeError("not a font file: shorter than 12 bytes");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (tag(v, 0) !== "ttcf") return [0];
  const n = u32(v, 8);
  if (12 + 4 * n > bytes.byteLength) {
    throw new RangeError("font collection header past end of file");
  }
  return Array.from({ length: n }, (_, i) => u32(v, 12 + 4 * i));
}

/**
 * The face at `offset` as a standalone sfnt: a new offset table and table directory, then every
 * table copied (4-byte aligned). For offset 0 of a plain font file, the bytes are returned as is.
 */
export function extractFace(
  bytes: Uint8Array<ArrayBuffer>,
  offset: number,
): Uint8Array<ArrayBuffer> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset === 0 && tag(v, 0) !== "ttcf") return bytes;
  const tables = [...tableDirectory(v, offset)].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const head = 12 + 16 * tables.length;
  let size = head;
  for (const [, t] of tables) size += (t.length + 3) & ~3;
  const out = new Uint8Array(size);
  const w = new DataView(out.buffer);
  out.set(bytes.subarray(offset, offset + 12), 0); // version, numTables, search fields
  let at = head;
  tables.forEach(([name, t], i) => {
    const r = 12 + 16 * i;
    for (let k = 0; k < 4; k++) w.setUint8(r + k, name.charCodeAt(k));
    const recordIn = findRecord(v, offset, name);
    w.setUint32(r + 4, u32(v, recordIn + 4)); // checksum
    w.setUint32(r + 8, at);
    w.setUint32(r + 12, t.length);
    out.set(bytes.subarray(t.offset, t.offset + t.length), at);
    at += (t.length + 3) & ~3;
  });
  return out;
}

function findRecord(v: DataView, at: number, name: string): number {
  const n = u16(v, at + 4);
  for (let i = 0; i < n; i++) if (tag(v, at + 12 + 16 * i) === name) return at + 12 + 16 * i;
  throw new RangeError(`table ${name} not found`);
}

/** Reads the character map: (3,10) or (0,4|6) format 12 if present, else a format 4 subtable. */
function readCmap(v: DataView, at: number): Map<number, number> {
  const n = u16(v, at + 2);
  let best = -1;
  let bestRank = 0;
  for (let i = 0; i < n; i++) {
    const r = at + 4 + 8 * i;
    const platform = u16(v, r);
    const encoding = u16(v, r + 2);
    const sub = at + u32(v, r + 4);
    const format = u16(v, sub);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    const rank = !unicode ? 0 : format === 12 ? 2 : format === 4 ? 1 : 0;
    if (rank > bestRank) [best, bestRank] = [sub, rank];
  }
  const map = new Map<number, number>();
  if (best < 0) return map;
  if (bestRank === 2) {
    const groups = u32(v, best + 12);
    for (let g = 0; g < groups; g++) {
      const r = best + 16 + 12 * g;
      const start = u32(v, r);
      const end = u32(v, r + 4);
      const glyph = u32(v, r + 8);
      for (let c = start; c <= end && c <= 0x10ffff; c++) {
        if (glyph + c - start !== 0) map.set(c, glyph + c - start);
      }
    }
    return map;
  }
  const segs = u16(v, best + 6) / 2;
  const ends = best + 14;
  const starts = ends + 2 * segs + 2;
  const deltas = starts + 2 * segs;
  const ranges = deltas + 2 * segs;
  for (let s = 0; s < segs; s++) {
    const end = u16(v, ends + 2 * s);
    const start = u16(v, starts + 2 * s);
    const delta = u16(v, deltas + 2 * s);
    const rangeAt = ranges + 2 * s;
    const range = u16(v, rangeAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (range === 0) glyph = (c + delta) & 0xffff;
      else {
        const p = rangeAt + range + 2 * (c - start);
        if (p + 2 > v.byteLength) continue;
        glyph = u16(v, p);
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) map.set(c, glyph);
    }
  }
  return map;
}

/** Name `id` from the name table, preferring Windows English (3, 1, 0x409), else Mac Roman. */
function readName(v: DataView, at: number, id: number): string | undefined {
  const count = u16(v, at + 2);
  const strings = at + u16(v, at + 4);
  let mac: string | undefined;
  for (let i = 0; i < count; i++) {
    const r = at + 6 + 12 * i;
    if (u16(v, r + 6) !== id) continue;
    const platform = u16(v, r);
    const lang = u16(v, r + 4);
    const len = u16(v, r + 8);
    const off = strings + u16(v, r + 10);
    if (platform === 3 && lang === 0x409) {
      let s = "";
      for (let k = 0; k + 1 < len; k += 2) s += String.fromCharCode(u16(v, off + k));
      return s;
    }
    if (platform === 1 && mac === undefined) {
      mac = "";
      for (let k = 0; k < len; k++) mac += String.fromCharCode(v.getUint8(off + k));
    }
  }
  return mac;
}

/**
 * Reads every face of a font file (one for `.ttf`/`.otf`, several for `.ttc`). Throws a TypeError
 * or RangeError with a short reason when the bytes are not a readable font.
 */
export function readFaces(bytes: Uint8Array<ArrayBuffer>): SfntFace[] {
  return faceOffsets(bytes).map((offset) => {
    const face = extractFace(bytes, offset);
    const v = new DataView(face.buffer, face.byteOffset, face.byteLength);
    const tables = tableDirectory(v, 0);
    const cmap = tables.get("cmap");
    const name = tables.get("name");
    if (!cmap || !name) throw new TypeError("font has no cmap or name table");
    const family = readName(v, name.offset, 16) ?? readName(v, name.offset, 1) ?? "";
    const style = readName(v, name.offset, 17) ?? readName(v, name.offset, 2) ?? "";
    return { bytes: face, cmap: readCmap(v, cmap.offset), family, style };
  });
}
