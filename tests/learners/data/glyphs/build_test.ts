import assert from "node:assert/strict";
import { join } from "node:path";
import {
  buildGlyphs,
  type BuildGlyphsResult,
  charFolder,
  checkCandidates,
  findCandidates,
  findFontPackages,
  FONT_PACKAGES,
  type FontFace,
  GLYPHS_SUBSETS,
  loadGlyphs,
  LOOKALIKE_COSINE,
  lookalikePairs,
  readFontFile,
  renderInstance,
  SPLIT_SCRIPTS,
} from "../../../../learners/data/glyphs/mod.ts";
import { loadImageFolder } from "../../../../learners/data/image_folder.ts";
import { RealEpisodes } from "../../../../learners/tasks/real_episodes.ts";
import { ignoreFonts } from "./_fonts.ts";

/** The small subset's hash as built on the development machine, with these package versions. */
const GOLDEN = {
  packages: "fonts-noto-core=20201225-1 fonts-noto-extra=20201225-1 " +
    "fonts-freefont-ttf=20120503-10 fonts-dejavu-core=2.37-6",
  hash: "ed2beca29036eab77b3fc65fd7ee8302da144363d3d8658c9c2d0efe2fc8a48d",
};

async function allFaces(): Promise<FontFace[]> {
  const faces: FontFace[] = [];
  for (const p of await findFontPackages(FONT_PACKAGES)) {
    for (const f of p.files) faces.push(...(await readFontFile(f)).faces);
  }
  return faces;
}

async function deterministicAndCached(a: BuildGlyphsResult, aOut: string, bOut: string) {
  // A build killed midway left a temporary folder (its process is gone): the next one removes it.
  const stale = join(bOut, "..", ".b.tmp-4000000000");
  await Deno.mkdir(join(stale, "Latin"), { recursive: true });
  const b = await buildGlyphs({ out: bOut, subset: "small" });
  assert.equal(await Deno.stat(stale).then(() => true, () => false), false);
  assert.equal(a.built, true);
  assert.equal(a.manifest.hash, b.manifest.hash);
  assert.deepEqual(
    await Deno.readFile(join(aOut, "images.u8")),
    await Deno.readFile(join(bOut, "images.u8")),
  );
  // Another machine with the same package versions gives the same hash: the hash recorded on
  // the development machine (2026-12-02) is checked wherever those versions are installed.
  const versions = a.manifest.packages.map((p) => `${p.name}=${p.version}`).join(" ");
  if (versions === GOLDEN.packages) assert.equal(a.manifest.hash, GOLDEN.hash);
  else console.log(`Golden hash not checked: packages are ${versions}`);
  // Second run with the same inputs: nothing to do, and it says so.
  const lines: string[] = [];
  const again = await buildGlyphs({ out: aOut, subset: "small", log: (l) => lines.push(l) });
  assert.equal(again.built, false);
  assert.match(lines.join("\n"), /up to date/);
}

async function loadsBySplit(a: BuildGlyphsResult, out: string) {
  const m = a.manifest;
  assert.ok(m.counts.classes >= 40, `${m.counts.classes} classes`);
  assert.equal(m.counts.images, m.counts.classes * 20);
  assert.ok(m.fonts.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
  assert.deepEqual(m.packages.map((p) => p.name), [...FONT_PACKAGES]);
  // Splits are by script: every class's script is in its split's fixed list.
  for (const c of m.classes) {
    assert.ok((SPLIT_SCRIPTS[c.split] as readonly string[]).includes(c.script), c.name);
    assert.equal(c.name, `${c.script}/${charFolder(c.codePoint)}`);
  }
  const g = await loadGlyphs(out);
  assert.equal(g.dataset.classes, m.counts.classes);
  for (const s of ["train", "validation", "test"] as const) assert.ok(g.split[s].length > 0, s);
  const scriptOf = (id: number) => m.classes[id]!.script;
  const trainScripts = new Set([...g.split.train].map(scriptOf));
  for (const id of g.split.test) assert.ok(!trainScripts.has(scriptOf(id)));
  // The image-folder loader reads the same classes and pixels from the PNGs.
  const folder = await loadImageFolder(out);
  assert.deepEqual(folder.classNames, g.dataset.classNames);
  assert.deepEqual(folder.x, g.dataset.x);
  // Episodes of the meta-test scripts can be drawn (5-way 1-shot, 15 queries).
  const opts = { ways: 5, shots: 1, queryPerClass: 15 };
  const ep = new RealEpisodes(g.dataset, g.split.test, opts);
  assert.equal(ep.sampleEpisodes(3, 4).query.length, 4 * 5 * 15);
}

async function regeneratesAlone(a: BuildGlyphsResult, out: string, faces: FontFace[]) {
  const m = a.manifest;
  const g = await loadGlyphs(out);
  for (const [c, i] of [[m.classes.length - 1, 19], [0, 0], [17, 7]] as const) {
    const fonts = m.classes[c]!.fonts.map((f) => {
      const mf = m.fonts[f]!;
      const face = faces.findIndex((x) => x.file === mf.file && x.face === mf.face);
      return { face, glyph: faces[face]!.cmap.get(m.classes[c]!.codePoint)! };
    });
    const cls = { ...m.classes[c]!, fonts, canonical: new Float32Array(0) };
    const img = await renderInstance(cls, faces, i, m.seed);
    const at = (c * m.instances + i) * 784;
    assert.deepEqual(Float32Array.from(img, (v) => v / 255), g.dataset.x.subarray(at, at + 784));
  }
}

async function noLookalikeAcrossSplits(a: BuildGlyphsResult, faces: FontFace[]) {
  const m = a.manifest;
  // Canonical renders of every candidate of the subset, recomputed from the fonts.
  const sub = GLYPHS_SUBSETS.small!;
  const seen = new Map<string, number>();
  const cands = findCandidates(faces).filter((c) => {
    const n = seen.get(c.script) ?? 0;
    seen.set(c.script, n + 1);
    return sub.scripts.includes(c.script) && n < sub.perScript;
  });
  const checked = await checkCandidates(cands, faces, { instances: m.instances, spare: 4 });
  const kept = new Set(m.classes.map((c) => c.codePoint));
  const keptChecked = checked.filter((c) => kept.has(c.codePoint));
  assert.equal(keptChecked.length, m.classes.length);
  // All pairs, no pruning: none at or above the threshold across splits (nor scripts).
  for (const [i, j, cos] of lookalikePairs(keptChecked, LOOKALIKE_COSINE, false)) {
    const x = keptChecked[i]!, y = keptChecked[j]!;
    assert.ok(
      x.script === y.script,
      `${x.script} ${x.codePoint} ~ ${y.script} ${y.codePoint}: ${cos}`,
    );
  }
  // Known look-alikes: Latin A / Greek Alpha / Cyrillic A, Latin J / Cyrillic Je, Latin A /
  // Cherokee go: only the Latin letter is kept, and the test split loses Cherokee go.
  for (const cp of [0x391, 0x410, 0x408, 0x13aa]) assert.ok(!kept.has(cp), cp.toString(16));
  assert.ok(kept.has(0x41) && kept.has(0x4a));
  assert.ok(m.lookalikes.some((l) => l.dropped.startsWith("Cherokee/U+13AA")));
}

Deno.test({
  name: "buildGlyphs on the small subset",
  ignore: ignoreFonts,
  sanitizeResources: false,
  fn: async (t) => {
    const root = await Deno.makeTempDir({ prefix: "glyphs-test-" });
    try {
      const out = join(root, "a");
      const a = await buildGlyphs({ out, subset: "small" });
      const faces = await allFaces();
      await t.step(
        "builds deterministically (same hash twice) and a second run does nothing",
        () => deterministicAndCached(a, out, join(root, "b")),
      );
      await t.step(
        "loads with its split by script, as the image-folder loader reads it",
        () => loadsBySplit(a, out),
      );
      await t.step(
        "renderInstance regenerates any one image alone",
        () => regeneratesAlone(a, out, faces),
      );
      await t.step(
        "no look-alike pair of canonical renders crosses splits",
        () => noLookalikeAcrossSplits(a, faces),
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
