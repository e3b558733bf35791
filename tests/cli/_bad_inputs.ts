/** The 55 bad inputs of bad_inputs_test.ts, built with _bad_input_cases.ts. */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BASELINE_GENOME } from "../../learners/evolution/evolution_genome.ts";
import {
  folderConfig,
  idxBytes,
  idxPair,
  labelBytes,
  learnedOptimizerJson,
  pngBytes,
  strategiesJson,
} from "../_input_fixtures.ts";
import {
  type BadInput,
  folderCase,
  idxCase,
  learnedCase,
  SMOKE,
  strategiesCase,
  sweep,
  trainWith,
  write,
} from "./_bad_input_cases.ts";
const good = idxPair();
const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const out = bytes.slice();
  out[at]! ^= 0xff;
  return out;
};
const withoutGene = (gene: string) => {
  const s = strategiesJson();
  const genome: Record<string, unknown> = { ...BASELINE_GENOME };
  delete genome[gene];
  (s.universalBest as Record<string, unknown>).genome = genome;
  return s;
};
const learned = learnedOptimizerJson();

/** The 55 bad inputs. */
export const BAD_INPUTS: BadInput[] = [
  // IDX data files (lr-sweep task.family "idx").
  idxCase("idx images file missing", { images: "missing" }, /images\.idx/),
  idxCase("idx labels file missing", { labels: "missing" }, /labels\.idx/),
  idxCase("idx images wrong magic", { images: flip(good.images, 3) }, /images\.idx.*|magic/),
  idxCase("idx images truncated", { images: good.images.slice(0, 100) }, /images\.idx/),
  idxCase("idx images longer than header", {
    images: new Uint8Array([...good.images, 1, 2, 3]),
  }, /images\.idx/),
  idxCase(
    "idx zero images",
    { images: idxBytes(2051, [0, 8, 8]), labels: labelBytes([]) },
    /images\.idx/,
  ),
  idxCase("idx zero rows", {
    images: idxBytes(2051, [24, 0, 8]),
  }, /images\.idx/),
  idxCase("idx label count differs", { labels: labelBytes([0, 1, 2]) }, /labels\.idx/),
  idxCase("idx corrupt gzip", { images: flip(gzipSync(good.images), 20) }, /images\.idx/),
  idxCase("idx truncated gzip", {
    images: gzipSync(good.images).slice(0, 40),
  }, /images\.idx/),
  idxCase("idx images and labels swapped", { images: good.labels, labels: good.images }, /\.idx/),
  idxCase("idx empty file", { images: new Uint8Array(0) }, /images\.idx/),
  idxCase("idx header cut short", { images: good.images.slice(0, 10) }, /images\.idx/),
  idxCase("idx path is a folder", { images: "folder" }, /images\.idx/),
  idxCase("idx more ways than classes", {}, /task\.ways/, { ways: 5 }),
  idxCase("idx too few images per class", {}, /task\.trainPerClass/, { trainPerClass: 50 }),
  idxCase("idx images too large for a layer", {
    images: idxBytes(2051, [24, 32, 32]),
  }, /task\.downsample/),
  idxCase("idx downsample not dividing the image", {}, /task\.downsample/, { downsample: 3 }),
  {
    name: "idx family without file paths",
    setup: async (dir) => ({
      args: await sweep(dir, { task: { family: "idx" } }),
      names: /task\.images/,
    }),
  },
  // PNG image folders (task.family "image-folder").
  {
    name: "image folder missing",
    setup: async (dir) => ({
      args: await sweep(dir, folderConfig(join(dir, "nowhere"))),
      names: /nowhere/,
    }),
  },
  {
    name: "image folder root is a file",
    setup: async (dir) => {
      await write(join(dir, "file.png"), pngBytes(8, 8));
      return { args: await sweep(dir, folderConfig(join(dir, "file.png"))), names: /file\.png/ };
    },
  },
  folderCase(
    "image folder undecodable PNG",
    (root) => write(join(root, "a0", "c1", "2.png"), "not a png"),
    /c1.2\.png/,
  ),
  folderCase(
    "image folder truncated PNG",
    (root) => write(join(root, "a0", "c2", "0.png"), pngBytes(8, 8).slice(0, 40)),
    /c2.0\.png/,
  ),
  folderCase(
    "image folder PNG with a flipped bit",
    (root) => write(join(root, "a0", "c0", "1.png"), flip(pngBytes(8, 8), 30)),
    /c0.1\.png/,
  ),
  folderCase(
    "image folder empty class",
    (root) => Deno.mkdir(join(root, "a0", "c9")),
    /c9/,
  ),
  folderCase(
    "image folder alphabet without characters",
    (root) => Deno.mkdir(join(root, "b0")),
    /b0/,
  ),
  folderCase(
    "image folder size mismatch",
    (root) => write(join(root, "a0", "c1", "3.png"), pngBytes(6, 8)),
    /c1.3\.png/,
  ),
  folderCase(
    "image folder without classes",
    (root) => Deno.remove(join(root, "a0"), { recursive: true }),
    /images/,
  ),
  // Strategies files (evolve --strategies, or its config field).
  strategiesCase("strategies not JSON", "{ version: 1", /strategies\.json.*line 1/),
  strategiesCase("strategies a JSON array", "[]", /strategies\.json/),
  strategiesCase("strategies version 2", { ...strategiesJson(), version: 2 }, /version/),
  strategiesCase("strategies genome missing a gene", withoutGene("mutationRate"), /mutationRate/),
  strategiesCase("strategies gene out of range", {
    ...strategiesJson(),
    universalBest: { genome: { ...BASELINE_GENOME, mutationRate: 7 }, metaFitness: 0 },
  }, /mutationRate/),
  strategiesCase("strategies gene of the wrong type", {
    ...strategiesJson(),
    universalBest: { genome: { ...BASELINE_GENOME, selection: 3 }, metaFitness: 0 },
  }, /selection/),
  strategiesCase("strategies tournament larger than the active population", {
    ...strategiesJson(),
    universalBest: {
      genome: { ...BASELINE_GENOME, selection: "tournament", tournamentSize: 8, populationSize: 4 },
      metaFitness: 0,
    },
  }, /tournamentSize/),
  strategiesCase("strategies weights all zero", {
    ...strategiesJson(),
    weights: { convergence: 0, final: 0, efficiency: 0, diversity: 0, robustness: 0, compute: 0 },
  }, /weights/),
  {
    name: "strategies file missing",
    setup: (dir) => ({
      args: ["evolve", ...SMOKE, "--out", join(dir, "runs"), "--strategies", join(dir, "no.json")],
      names: /no\.json/,
    }),
  },
  {
    name: "strategies file missing (config field)",
    setup: async (dir) => ({
      args: await trainWith(dir, "evolve", { strategies: join(dir, "gone.json") }),
      names: /gone\.json/,
    }),
  },
  // Learned optimizers (l2o config).
  learnedCase("learned optimizer missing", "missing", /opt\.json/),
  learnedCase("learned optimizer not JSON", "{]", /opt\.json/),
  learnedCase("learned optimizer short weights", {
    ...learned,
    weights: { ...(learned.weights as object), w1: [1, 2] },
  }, /opt\.json.*w1/),
  learnedCase("learned optimizer of the wrong kind", learned, /opt\.json.*kind/, "learnedPerParam"),
  learnedCase("learned optimizer binary file", "\u0000\u0001\u00ff garbage", /opt\.json/),
  // The output folder.
  {
    name: "--out is a file",
    setup: async (dir) => {
      await write(join(dir, "taken"), "x");
      return { args: ["train", "lr-sweep", ...SMOKE, "--out", join(dir, "taken")], names: /taken/ };
    },
  },
  {
    name: "--out lies under a file",
    setup: async (dir) => {
      await write(join(dir, "taken"), "x");
      return {
        args: ["train", "lr-sweep", ...SMOKE, "--out", join(dir, "taken", "runs")],
        names: /taken/,
      };
    },
  },
  {
    name: "--out empty",
    setup: (dir) => ({
      args: ["train", "lr-sweep", ...SMOKE, "--out", "", "--config", join(dir, "none.json")],
      names: /--out/,
    }),
  },
  // Flags and configs.
  {
    name: "--seed empty",
    setup: (dir) => ({
      args: ["train", "lr-sweep", ...SMOKE, "--out", join(dir, "runs"), "--seed", ""],
      names: /--seed/,
    }),
  },
  {
    name: "evolve meta-fitness weights all zero",
    setup: async (dir) => {
      const w = {
        convergence: 0,
        final: 0,
        efficiency: 0,
        diversity: 0,
        robustness: 0,
        compute: 0,
      };
      return { args: await trainWith(dir, "evolve", { weights: w }), names: /weights/ };
    },
  },
  {
    name: "--config is a folder",
    setup: (dir) => ({
      args: ["train", "lr-sweep", ...SMOKE, "--out", join(dir, "runs"), "--config", dir],
      names: /config/,
    }),
  },
  {
    name: "--resume of a folder that does not exist",
    setup: (dir) => ({ args: ["train", "--resume", join(dir, "nope")], names: /nope/ }),
  },
  {
    name: "--resume with a corrupt checkpoint",
    setup: async (dir) => {
      const run = join(dir, "run");
      await Deno.mkdir(join(run, "checkpoint"), { recursive: true });
      await write(join(run, "run.json"), { experiment: "lr-sweep", seed: 0, scale: "smoke" });
      await write(join(run, "config.json"), {});
      await write(join(run, "checkpoint", "state.json"), '{"version": 1, "generat');
      return { args: ["train", "--resume", run, "--quiet"], names: /state\.json/ };
    },
  },
  {
    name: "--resume with a corrupt config.json",
    setup: async (dir) => {
      const run = join(dir, "run");
      await Deno.mkdir(run, { recursive: true });
      await write(join(run, "run.json"), { experiment: "lr-sweep", seed: 0, scale: "smoke" });
      await write(join(run, "config.json"), '{"rates": ');
      return { args: ["train", "--resume", run, "--quiet"], names: /config\.json/ };
    },
  },
  // Re-rendering a run folder.
  {
    name: "report of a folder that does not exist",
    setup: (dir) => ({ args: ["report", join(dir, "gone")], names: /gone/ }),
  },
  {
    name: "report of a file",
    setup: async (dir) => {
      await write(join(dir, "file.txt"), "x");
      return { args: ["report", join(dir, "file.txt")], names: /file\.txt/ };
    },
  },
  {
    name: "report of a run that never finished",
    setup: async (dir) => {
      await Deno.mkdir(join(dir, "run"));
      await write(join(dir, "run", "run.json"), {
        experiment: "lr-sweep",
        seed: 0,
        scale: "smoke",
      });
      return { args: ["report", join(dir, "run")], names: /result\.json/ };
    },
  },
];
