/**
 * Difficulty report of the glyph benchmark: pixel 1-nearest-neighbour and a from-scratch MLP
 * (trained on each episode's support set with the engine's backend; learning rate chosen on
 * meta-validation episodes) on 5-way 1-shot and 20-way 1-shot meta-test episodes, with 95% CIs,
 * and a sample sheet (PNG, classes x instances).
 * @module
 */

import { join } from "node:path";
import { ci95, mean } from "../../../core/stats.ts";
import { type BackendChoice, createBackend } from "../../create_backend.ts";
import { createEpisodePopulation } from "../../episode_training.ts";
import type { Dataset } from "../../dataset.ts";
import { RealEpisodes } from "../../tasks/real_episodes.ts";
import type { EpisodeBatch } from "../../tasks/task_family.ts";
import { downsample } from "../preprocess.ts";
import type { GlyphsData } from "./load.ts";
import { sampleSheet } from "./sample_sheet.ts";

/** One measured setting. */
export interface GlyphsReportRow {
  /** "5-way 1-shot" or "20-way 1-shot". */
  setting: string;
  /** Learner: "pixel 1-NN" or "MLP from scratch". */
  learner: string;
  /** Mean query accuracy over the episodes. */
  accuracy: number;
  /** 95% CI of the mean. */
  ci: [number, number];
  /** Episodes. */
  episodes: number;
}

/** Options of `glyphsReport`. */
export interface GlyphsReportOptions {
  /** Episodes per setting (default 200). */
  episodes?: number;
  /** Episode seed (default 1). */
  seed?: number;
  /** Backend of the MLP (default cpu: no kernel compilation for a one-off shape). */
  backend?: BackendChoice;
  /** Folder of the report files (default `<data folder>-report`). */
  out?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Query accuracy of pixel 1-NN (squared Euclidean distance to the support images) per episode. */
export function nearestNeighbourAccuracy(batch: EpisodeBatch): number[] {
  const d = batch.dataset;
  const n = d.inputs;
  const out: number[] = [];
  for (let e = 0; e < batch.episodes; e++) {
    let right = 0;
    for (let q = 0; q < batch.querySize; q++) {
      const qi = batch.query[e * batch.querySize + q]!;
      let best = Infinity, label = -1;
      for (let s = 0; s < batch.supportSize; s++) {
        const si = batch.support[e * batch.supportSize + s]!;
        let dist = 0;
        for (let k = 0; k < n; k++) {
          const t = d.x[qi * n + k]! - d.x[si * n + k]!;
          dist += t * t;
        }
        if (dist < best) [best, label] = [dist, d.y[si]!];
      }
      if (label === d.y[qi]) right++;
    }
    out.push(right / batch.querySize);
  }
  return out;
}

/** Query accuracy per episode of an MLP (hidden 64, Adam at `lr`, `steps` full-batch steps). */
async function mlpAccuracy(
  backend: Awaited<ReturnType<typeof createBackend>>,
  batch: EpisodeBatch,
  lr: number,
  steps: number,
): Promise<number[]> {
  const ep = createEpisodePopulation(backend, batch, {
    hidden: [64],
    knobs: { lr, optimizer: "adam" },
    seed: 7,
  });
  try {
    ep.population.train(ep.data, steps);
    const r = await ep.population.evaluate(ep.data, ep.queryIndices);
    return Array.from(r.accuracy);
  } finally {
    ep.destroy();
  }
}

/**
 * Pixel 1-NN and the tuned MLP on `ways`-way 1-shot meta-test episodes. The MLP's learning rate is
 * chosen on meta-validation episodes (meta-train ones when meta-validation has fewer than `ways`
 * classes, as in small subsets).
 */
async function measureSetting(
  g: GlyphsData,
  small: Dataset,
  backend: Awaited<ReturnType<typeof createBackend>>,
  o: { ways: number; queries: number; episodes: number; seed: number },
): Promise<GlyphsReportRow[]> {
  const setting = `${o.ways}-way 1-shot`;
  const opts = { ways: o.ways, shots: 1, queryPerClass: o.queries };
  const test = new RealEpisodes(g.dataset, g.split.test, opts).sampleEpisodes(o.seed, o.episodes);
  const nn = row(setting, "pixel 1-NN (28x28)", nearestNeighbourAccuracy(test));
  const tuneOn = g.split.validation.length >= o.ways ? g.split.validation : g.split.train;
  const tune = new RealEpisodes(small, tuneOn, opts).sampleEpisodes(o.seed + 1, o.episodes);
  const lrs = [0.001, 0.003, 0.01, 0.03];
  const steps = 50;
  let best = lrs[0]!, bestAcc = -1;
  for (const lr of lrs) {
    const a = mean(await mlpAccuracy(backend, tune, lr, steps));
    if (a > bestAcc) [best, bestAcc] = [lr, a];
  }
  const smallTest = new RealEpisodes(small, g.split.test, opts).sampleEpisodes(o.seed, o.episodes);
  const acc = await mlpAccuracy(backend, smallTest, best, steps);
  const name = `MLP 196-64-${o.ways} from scratch (Adam lr ${best}, ${steps} steps)`;
  return [nn, row(setting, name, acc)];
}

function row(setting: string, learner: string, acc: number[]): GlyphsReportRow {
  return { setting, learner, accuracy: mean(acc), ci: ci95(acc), episodes: acc.length };
}

/**
 * Measures the benchmark's difficulty and writes `report.json`, `report.md` and
 * `sample_sheet.png` into `options.out` (default: `<data folder>-report` beside the data set, never
 * inside it, so the data folder stays an image folder); returns the rows, the Markdown and that
 * folder.
 */
export async function glyphsReport(
  g: GlyphsData,
  options: GlyphsReportOptions = {},
): Promise<{ rows: GlyphsReportRow[]; markdown: string; dir: string }> {
  const log = options.log ?? (() => {});
  const episodes = options.episodes ?? 200;
  const seed = options.seed ?? 1;
  const small: Dataset = downsample(g.dataset, 2);
  const backend = await createBackend(options.backend ?? "cpu", log);
  const rows: GlyphsReportRow[] = [];
  const queries = Math.min(15, g.manifest.instances - 1);
  try {
    for (const ways of [5, 20]) {
      if (g.split.test.length < ways) {
        log(`glyphs report: ${ways}-way skipped: only ${g.split.test.length} meta-test classes`);
        continue;
      }
      const spec = { ways, queries, episodes, seed };
      rows.push(...await measureSetting(g, small, backend, spec));
      log(`glyphs report: ${ways}-way 1-shot done`);
    }
  } finally {
    backend.destroy();
  }
  const dir = options.out ?? `${g.dir.replace(/\/+$/, "")}-report`;
  await Deno.mkdir(dir, { recursive: true });
  const sheet = sampleSheet(g, { classes: 24, instances: 12 });
  await Deno.writeFile(join(dir, "sample_sheet.png"), sheet.png);
  const md = [
    `# glyphs difficulty (meta-test scripts: ${g.scripts.test.join(", ")})`,
    "",
    `Data-set hash ${g.manifest.hash}; ${episodes} episodes per setting, ${queries} queries per class, seed ${seed}.`,
    "",
    "| setting | learner | accuracy | 95% CI |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.setting} | ${r.learner} | ${(100 * r.accuracy).toFixed(1)}% | ${
        (100 * r.ci[0]).toFixed(1)
      }-${(100 * r.ci[1]).toFixed(1)}% |`
    ),
    "",
    `Sample sheet rows (top to bottom): ${sheet.rows.join(", ")}`,
    "",
  ].join("\n");
  await Deno.writeTextFile(join(dir, "report.md"), md);
  await Deno.writeTextFile(
    join(dir, "report.json"),
    JSON.stringify({ episodes, seed, rows }, null, 1),
  );
  return { rows, markdown: md, dir };
}
