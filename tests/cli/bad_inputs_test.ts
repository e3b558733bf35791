/**
 * A list of 55 bad inputs, each run through the command line as a user would: every one must exit
 * with code 2, print exactly one line (naming the file or field) and no stack trace, and leave
 * its folder exactly as it was (nothing written, not even a run folder). Cases run two at a time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BASELINE_GENOME } from "../../learners/evolution/evolution_genome.ts";
import {
  cli,
  errorLines,
  folderConfig,
  idxBytes,
  idxConfig,
  idxPair,
  labelBytes,
  learnedOptimizerJson,
  pngBytes,
  strategiesJson,
  writeImageFolder,
} from "../_input_fixtures.ts";

/** The command of a case and a pattern its error line must match (the file or field it names). */
type Command = { args: string[]; names: RegExp };

/** One bad input: builds its files in `dir` and returns the command and what the line must name. */
interface BadInput {
  name: string;
  setup(dir: string): Promise<Command> | Command;
}

const SMOKE = ["--scale", "smoke", "--backend", "cpu", "--quiet"];

const write = (path: string, data: string | Uint8Array | object): Promise<void> =>
  typeof data === "string"
    ? Deno.writeTextFile(path, data)
    : data instanceof Uint8Array
    ? Deno.writeFile(path, data)
    : Deno.writeTextFile(path, JSON.stringify(data));

/** lr-sweep with `config` written to dir/config.json. */
async function sweep(dir: string, config: object, extra: string[] = []): Promise<string[]> {
  await write(join(dir, "config.json"), config);
  return [
    "train",
    "lr-sweep",
    ...SMOKE,
    "--out",
    join(dir, "runs"),
    "--config",
    join(dir, "config.json"),
    ...extra,
  ];
}

/** An IDX case: the valid pair with `images` / `labels` bytes replaced. */
function idxCase(
  name: string,
  files: { images?: Uint8Array | "missing" | "folder"; labels?: Uint8Array | "missing" },
  names: RegExp,
  task: Record<string, unknown> = {},
): BadInput {
  return {
    name,
    async setup(dir) {
      const good = idxPair();
      const put = async (
        file: string,
        v: Uint8Array | "missing" | "folder" | undefined,
        d: Uint8Array,
      ) => {
        if (v === "missing") return;
        if (v === "folder") return void await Deno.mkdir(file);
        await write(file, v ?? d);
      };
      const images = join(dir, "images.idx");
      const labels = join(dir, "labels.idx");
      await put(images, files.images, good.images);
      await put(labels, files.labels, good.labels);
      return { args: await sweep(dir, idxConfig(images, labels, task)), names };
    },
  };
}

/** An image-folder case: the valid folder, then `mutate` breaks it. */
function folderCase(
  name: string,
  mutate: (root: string) => Promise<void>,
  names: RegExp,
): BadInput {
  return {
    name,
    async setup(dir) {
      const root = await writeImageFolder(join(dir, "images"));
      await mutate(root);
      return { args: await sweep(dir, folderConfig(root)), names };
    },
  };
}

/** An evolve --strategies case with the file's JSON (or text) given. */
function strategiesCase(name: string, content: string | object, names: RegExp): BadInput {
  return {
    name,
    async setup(dir) {
      const file = join(dir, "strategies.json");
      await write(file, content);
      return {
        args: ["evolve", ...SMOKE, "--out", join(dir, "runs"), "--strategies", file],
        names,
      };
    },
  };
}

/** An l2o case: `field` of the config names a learned-optimizer file with `content`. */
function learnedCase(
  name: string,
  content: string | object | "missing",
  names: RegExp,
  field = "learnedOptimizer",
): BadInput {
  return {
    name,
    async setup(dir) {
      const file = join(dir, "opt.json");
      if (content !== "missing") await write(file, content);
      await write(join(dir, "config.json"), { [field]: file });
      return {
        args: [
          "train",
          "l2o",
          ...SMOKE,
          "--out",
          join(dir, "runs"),
          "--config",
          join(dir, "config.json"),
        ],
        names,
      };
    },
  };
}

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
    setup: async (dir) => {
      await write(join(dir, "c.json"), { strategies: join(dir, "gone.json") });
      return {
        args: [
          "train",
          "evolve",
          ...SMOKE,
          "--out",
          join(dir, "runs"),
          "--config",
          join(dir, "c.json"),
        ],
        names: /gone\.json/,
      };
    },
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
      await write(join(dir, "c.json"), { weights: w });
      return {
        args: [
          "train",
          "evolve",
          ...SMOKE,
          "--out",
          join(dir, "runs"),
          "--config",
          join(dir, "c.json"),
        ],
        names: /weights/,
      };
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

async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      const info = await Deno.lstat(p);
      out.push(`${p} ${info.size} ${info.mtime?.getTime()}`);
      if (e.isDirectory) await walk(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Runs one case; returns undefined when it passes, else why not. */
export async function runBadInput(c: BadInput): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "bad_input_" });
  try {
    const { args, names } = await c.setup(dir);
    const before = await snapshot(dir);
    const r = await cli(args, 90_000);
    const lines = errorLines(r.stderr);
    const after = await snapshot(dir);
    if (r.code !== 2) return `exit ${r.code}: ${lines.slice(0, 3).join(" | ")}`;
    if (lines.length !== 1) return `${lines.length} stderr lines: ${lines.slice(0, 3).join(" | ")}`;
    if (!lines[0]!.startsWith("metaforge: ")) return `line: ${lines[0]}`;
    if (!names.test(lines[0]!)) return `does not name ${names}: ${lines[0]}`;
    if (JSON.stringify(before) !== JSON.stringify(after)) return "files were written";
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name:
    "cli: each of 55 bad inputs exits 2 with one line naming the file or field, writing nothing",
  sanitizeResources: false,
  fn: async () => {
    assert.ok(BAD_INPUTS.length >= 55, `${BAD_INPUTS.length} cases`);
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < BAD_INPUTS.length) {
        const c = BAD_INPUTS[next++]!;
        const why = await runBadInput(c);
        if (why !== undefined) failures.push(`${c.name}: ${why}`);
      }
    };
    await Promise.all([worker(), worker()]);
    console.log(`bad inputs: ${BAD_INPUTS.length - failures.length} of ${BAD_INPUTS.length} pass`);
    assert.deepEqual(failures, []);
  },
});
