/**
 * The scripts (alphabets) of the glyph data set and their fixed split into meta-train,
 * meta-validation and meta-test, and which code points count as letters.
 * @module
 */

/**
 * Scripts of each split (Unicode Script property values). Fixed: changing them changes the data
 * set. Meta-test and meta-validation mix scripts of several regions and sizes; every script of
 * Debian's Noto, FreeFont and DejaVu packages with letters in at least two font families is
 * listed. A script not listed here is not built.
 */
export const SPLIT_SCRIPTS = {
  train: [
    "Latin",
    "Cyrillic",
    "Greek",
    "Arabic",
    "Canadian_Aboriginal",
    "Nushu",
    "Myanmar",
    "Glagolitic",
    "Devanagari",
    "Coptic",
    "Malayalam",
    "Sinhala",
    "Thai",
    "Kannada",
    "Telugu",
    "Balinese",
    "Grantha",
    "Oriya",
    "Lisu",
    "Gurmukhi",
    "Old_Persian",
    "Khojki",
    "Tamil",
    "Phoenician",
    "Buginese",
    "Hanunoo",
  ],
  validation: ["Vai", "Hebrew", "Lao", "Ogham", "Gothic", "Bengali", "Nko", "Ugaritic", "Tai_Le"],
  test: [
    "Ethiopic",
    "Armenian",
    "Georgian",
    "Cherokee",
    "Thaana",
    "Tifinagh",
    "Gujarati",
    "Khmer",
    "Runic",
    "Syriac",
    "Old_Italic",
    "Kayah_Li",
    "Osmanya",
  ],
} as const;

/** A split of the glyph data set. */
export type GlyphSplit = keyof typeof SPLIT_SCRIPTS;

/** Every listed script in split order (train, validation, test). */
export const ALL_SCRIPTS: readonly string[] = [
  ...SPLIT_SCRIPTS.train,
  ...SPLIT_SCRIPTS.validation,
  ...SPLIT_SCRIPTS.test,
];

/** The split a script belongs to, or undefined when it is not listed. */
export function splitOfScript(script: string): GlyphSplit | undefined {
  for (const s of ["train", "validation", "test"] as const) {
    if ((SPLIT_SCRIPTS[s] as readonly string[]).includes(script)) return s;
  }
  return undefined;
}

const LETTER = /^[\p{Lu}\p{Ll}\p{Lt}\p{Lo}]$/u;
const SCRIPT_TESTS = ALL_SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script=${s}}$`, "u")] as const);

/**
 * The listed script of a letter, or undefined. A letter is a code point of general category Lu,
 * Ll, Lt or Lo (modifier letters Lm are left out: most are marks) that NFKC normalization leaves
 * unchanged (so presentation forms, ligatures and other compatibility letters are left out).
 */
export function letterScript(codePoint: number): string | undefined {
  const ch = String.fromCodePoint(codePoint);
  if (!LETTER.test(ch) || ch.normalize("NFKC") !== ch) return undefined;
  for (const [name, re] of SCRIPT_TESTS) if (re.test(ch)) return name;
  return undefined;
}
