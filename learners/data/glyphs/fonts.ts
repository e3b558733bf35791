/**
 * The font files the glyph data set is rendered from: the files of a fixed list of Debian font
 * packages (asked of dpkg), each face's family, style and character map, and the SHA-256 of each
 * file. A missing package or an unreadable file is a `GlyphsError` naming it.
 * @module
 */

import { createHash } from "node:crypto";
import { errorLine } from "../../../core/input_error.ts";
import { GlyphsError } from "./errors.ts";
import { readFaces } from "./sfnt.ts";

/**
 * Debian packages the data set is rendered from: Noto's core fonts (Sans and Serif of most
 * scripts), Noto's extra weights and widths (variety per letter), GNU FreeFont and DejaVu (other
 * designs of Latin, Greek, Cyrillic and several smaller scripts).
 */
export const FONT_PACKAGES: readonly string[] = [
  "fonts-noto-core",
  "fonts-noto-extra",
  "fonts-freefont-ttf",
  "fonts-dejavu-core",
];

/** One installed font package. */
export interface FontPackage {
  /** Debian package name. */
  name: string;
  /** Installed version. */
  version: string;
  /** Its font files (.ttf, .otf, .ttc), sorted. */
  files: string[];
}

/** One face of one font file. */
export interface FontFace {
  /** Font file path. */
  file: string;
  /** Face index in the file (0 but for .ttc collections). */
  face: number;
  /** Family, with the " UI" and " Unjoined" variants folded into their family. */
  family: string;
  /** Style ("Regular", "Bold", ...). */
  style: string;
  /** Code point -> glyph index (never 0). */
  cmap: Map<number, number>;
}

async function dpkg(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await new Deno.Command("dpkg-query", { args, stdout: "piped", stderr: "null" })
      .output();
    return { ok: r.success, out: new TextDecoder().decode(r.stdout) };
  } catch {
    return { ok: false, out: "" };
  }
}

/**
 * Finds each package's version and font files through dpkg-query. Throws a GlyphsError naming the
 * first package that is not installed (or that has no font files) and how to install it.
 */
export async function findFontPackages(packages: readonly string[]): Promise<FontPackage[]> {
  const out: FontPackage[] = [];
  for (const name of packages) {
    const v = await dpkg(["-W", "-f", "${Status}\t${Version}", name]);
    const [status, version] = v.out.split("\t");
    const files = v.ok && status?.endsWith(" installed")
      ? (await dpkg(["-L", name])).out.split("\n").filter((f) => /\.(ttf|otf|ttc)$/i.test(f))
      : [];
    if (files.length === 0) {
      throw new GlyphsError(
        `Cannot build glyphs as the Debian font package ${name} is not installed: run apt-get install ${name}`,
      );
    }
    out.push({ name, version: version ?? "", files: files.sort() });
  }
  return out;
}

/**
 * Font files from folders instead of packages (fonts Debian does not package): every .ttf, .otf
 * and .ttc below each folder, as one pseudo-package "folder:<dir>" per folder. Throws a
 * GlyphsError naming a folder that is missing or holds no font file.
 */
export async function findFontFolders(dirs: readonly string[]): Promise<FontPackage[]> {
  const out: FontPackage[] = [];
  for (const dir of dirs) {
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for await (const e of Deno.readDir(d)) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory) await walk(p);
        else if (/\.(ttf|otf|ttc)$/i.test(e.name)) files.push(p);
      }
    };
    try {
      await walk(dir.replace(/\/+$/, ""));
    } catch (e) {
      throw new GlyphsError(
        `Cannot build glyphs as a font folder cannot be read: ${errorLine(e)} (folder: ${dir})`,
      );
    }
    if (files.length === 0) {
      throw new GlyphsError(
        `Cannot build glyphs as a font folder holds no .ttf, .otf or .ttc file: ${dir}`,
      );
    }
    out.push({ name: `folder:${dir}`, version: "", files: files.sort() });
  }
  return out;
}

/** Folds family variants that share one design: "Noto Sans Arabic UI" -> "Noto Sans Arabic". */
export function familyKey(family: string): string {
  return family.replace(/ (UI|Unjoined)$/, "");
}

/** Reads the faces of a font file; throws a GlyphsError naming the file when it cannot be read. */
export async function readFontFile(
  file: string,
): Promise<{ faces: FontFace[]; sha256: string }> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(file);
  } catch (e) {
    throw new GlyphsError(
      `Cannot build glyphs as a font file cannot be read: ${errorLine(e)} (file: ${file})`,
    );
  }
  try {
    const faces = readFaces(bytes).map((f, face) => ({
      file,
      face,
      family: familyKey(f.family),
      style: f.style,
      cmap: f.cmap,
    }));
    return { faces, sha256: createHash("sha256").update(bytes).digest("hex") };
  } catch (e) {
    throw new GlyphsError(
      `Cannot build glyphs as a font file is not a readable font: ${errorLine(e)} (file: ${file})`,
    );
  }
}
