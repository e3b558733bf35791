/**
 * `metaforge data glyphs`: builds (or finds up to date) the glyph benchmark, and with `--report`
 * measures its difficulty.
 * @module
 */
import { parseArgs } from "node:util";
import {
  buildGlyphs,
  defaultGlyphsDir,
  FONT_PACKAGES,
  GLYPHS_SUBSETS,
  GlyphsError,
  loadGlyphs,
} from "../learners/data/glyphs/mod.ts";
import { glyphsReport } from "../learners/data/glyphs/report.ts";

const HELP = `Usage: metaforge data glyphs [options]

Renders the glyph benchmark from Debian's font packages (offline, deterministic): one class per
letter found in >= 2 font families, 20 augmented 28x28 images each, split by script into
meta-train / meta-validation / meta-test. Writes <script>/U+XXXX/NN.png, images.u8 and
manifest.json. A second run with the same inputs does nothing and says so.

Options:
  --out DIR         output folder (default ${defaultGlyphsDir()}; with --subset S,
                    the same with -S; $METAFORGE_GLYPHS_DIR overrides)
  --subset S        build a named subset: ${Object.keys(GLYPHS_SUBSETS).join(", ")}
  --instances N     images per class (default 20)
  --seed N          augmentation seed (default 0)
  --packages P,...  Debian font packages to read (default ${FONT_PACKAGES.join(",")})
  --fonts DIR,...   read the font files below these folders instead of packages
  --report          then measure pixel 1-NN and a from-scratch MLP on 5-way and 20-way 1-shot
                    meta-test episodes (95% CIs) and write report.md and a sample
                    sheet into --report-dir (default: the output folder + "-report")
  --report-dir DIR  where --report writes
  --episodes N      episodes per report setting (default 200)
  --quiet           no progress output
  -h, --help        this help`;

function intFlag(name: string, v: string | undefined, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new GlyphsError(
      `Invalid --${name}: must be an integer in [0, ${max}]: current value is ${v}`,
    );
  }
  return n;
}

/** Runs `data <name> ...`; returns the exit code. Bad input throws a GlyphsError (exit 2). */
export async function dataCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      subset: { type: "string" },
      instances: { type: "string" },
      seed: { type: "string" },
      packages: { type: "string" },
      fonts: { type: "string" },
      report: { type: "boolean", default: false },
      "report-dir": { type: "string" },
      episodes: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== "glyphs") {
    throw new GlyphsError(
      `Invalid data set: must be glyphs: current value is ${positionals.join(" ") || "(none)"}`,
    );
  }
  const out = values.out ?? defaultGlyphsDir(values.subset);
  const log = values.quiet ? () => {} : (line: string) => console.error(line);
  const r = await buildGlyphs({
    out,
    subset: values.subset,
    instances: intFlag("instances", values.instances, 20, 1000),
    seed: intFlag("seed", values.seed, 0, 0xffffffff),
    packages: values.packages?.split(","),
    fontDirs: values.fonts?.split(","),
    log,
  });
  const c = r.manifest.counts;
  console.log(
    `glyphs: ${out}: ${c.classes} classes (train ${c.perSplit.train}, validation ${c.perSplit.validation}, test ${c.perSplit.test}) of ${c.scripts} scripts, ${c.images} images, hash ${r.manifest.hash}${
      r.built ? `, built in ${r.seconds.toFixed(1)} s` : ", up to date"
    }`,
  );
  if (values.report) {
    const episodes = intFlag("episodes", values.episodes, 200, 100_000);
    const report = await glyphsReport(await loadGlyphs(out), {
      episodes,
      log,
      out: values["report-dir"],
    });
    console.log(report.markdown);
    console.log(`glyphs: report and sample sheet in ${report.dir}`);
  }
  return 0;
}
