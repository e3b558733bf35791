/**
 * Test fixtures for the input-validation tests: small valid inputs of every kind a run reads (an
 * IDX pair, an Omniglot-style PNG folder, a strategies file, learned optimizers) and a helper that
 * runs the command line and reports its exit code, output and what it left in a folder.
 */
import type { Buffer } from "node:buffer";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PNG } from "pngjs";
import { BASELINE_GENOME } from "../learners/evolution/evolution_genome.ts";
import {
  type LearnedKind,
  learnedOptimizerFromWeights,
  learnedWeightCount,
} from "../meta/learned_optimizer.ts";

/** Bytes of an IDX file with the given magic and dims; `dataBytes` overrides the data length. */
export function idxBytes(magic: number, dims: number[], dataBytes?: number): Uint8Array {
  const size = dataBytes ?? dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < size; i++) out[4 + 4 * dims.length + i] = (i * 37) % 256;
  return out;
}

/** Bytes of an IDX label file holding `labels`. */
export function labelBytes(labels: number[]): Uint8Array {
  const out = idxBytes(2049, [labels.length]);
  out.set(labels, 8);
  return out;
}

/** Shape of the valid IDX pair: 3 classes x 8 images of 8x8 (64 inputs). */
export const IDX_SHAPE = { classes: 3, perClass: 8, side: 8 } as const;

/** The valid IDX image and label bytes (gzip when `gzip`). */
export function idxPair(gzip = false): { images: Uint8Array; labels: Uint8Array } {
  const { classes, perClass, side } = IDX_SHAPE;
  const n = classes * perClass;
  const images = idxBytes(2051, [n, side, side]);
  const labels = labelBytes(Array.from({ length: n }, (_, i) => i % classes));
  return gzip ? { images: gzipSync(images), labels: gzipSync(labels) } : { images, labels };
}

/** A config of the lr-sweep experiment that trains on an IDX pair (fast at smoke scale). */
export function idxConfig(images: string, labels: string, task: Record<string, unknown> = {}) {
  return {
    task: {
      family: "idx",
      images,
      labels,
      ways: 3,
      trainPerClass: 5,
      testPerClass: 3,
      downsample: 1,
      ...task,
    },
  };
}

/** PNG bytes of a w x h gray image (value from the pixel index). */
export function pngBytes(w: number, h: number, seed = 0): Uint8Array {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    const v = (i * 29 + seed * 53) % 256;
    png.data.set([v, v, v, 255], 4 * i);
  }
  return new Uint8Array(PNG.sync.write(png as unknown as PNG) as Buffer);
}

/** Writes a valid image folder root/a0/c{0..2}/{0..3}.png of 8x8 images; returns the root. */
export async function writeImageFolder(root: string): Promise<string> {
  for (let c = 0; c < 3; c++) {
    const dir = join(root, "a0", `c${c}`);
    await Deno.mkdir(dir, { recursive: true });
    for (let i = 0; i < 4; i++) await Deno.writeFile(join(dir, `${i}.png`), pngBytes(8, 8, c + i));
  }
  return root;
}

/** A config of the lr-sweep experiment that trains on an image folder. */
export function folderConfig(root: string) {
  return {
    task: {
      family: "image-folder",
      root,
      ways: 3,
      trainPerClass: 2,
      testPerClass: 2,
      downsample: 1,
    },
  };
}

/** A complete, valid strategies file (every gene; the baseline genome everywhere). */
export function strategiesJson(): Record<string, unknown> {
  const genome = { ...BASELINE_GENOME };
  return {
    version: 1,
    weights: { convergence: 1, final: 1, efficiency: 1, diversity: 0, robustness: 0, compute: 0 },
    tasks: ["sphere-8"],
    universalBest: { genome, metaFitness: 0.5 },
    perTaskBest: [{ task: "sphere-8", genome, score: 0.5 }],
    top: [{ genome, metaFitness: 0.5, perTask: { "sphere-8": 0.5 } }],
  };
}

/** A valid learned optimizer of `kind` (small deterministic weights) as a JSON value. */
export function learnedOptimizerJson(kind: LearnedKind = "lr-scale"): Record<string, unknown> {
  const theta = Array.from({ length: learnedWeightCount(kind) }, (_, i) => ((i % 7) - 3) * 0.01);
  return learnedOptimizerFromWeights(theta, { lr: 0.1, momentum: 0.9, horizon: 20 }, {
    kind,
  }) as unknown as Record<string, unknown>;
}

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;

/** What one command-line run did. */
export interface CliResult {
  /** Exit code (-1 when killed by the timeout). */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `deno run -A cli/main.ts ...args`; killed after `timeoutMs` (code -1). */
export async function cli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    code: timedOut ? -1 : out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The stderr lines a user sees (Deno's own npm "Initialize"/warning box lines left out). */
export function errorLines(stderr: string): string[] {
  return stderr.split("\n").map((l) => l.trimEnd()).filter((l) =>
    l.length > 0 && !/^(Initialize|Download|Warning|[│╭╰])/.test(l.replace(ANSI, ""))
  );
}

/** Entries of `dir` (empty when it does not exist). */
export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/**
 * Mounts a tmpfs with mount `options` (for example "size=64k,ro") at a new folder: root only.
 * Returns the folder and how to unmount it, or the reason it cannot.
 */
export async function mountTmpfs(
  options: string,
): Promise<{ path: string; close(): Promise<void> } | string> {
  if (Deno.uid() !== 0) return "needs root to mount a tmpfs";
  const path = await Deno.makeTempDir({ prefix: "tmpfs_" });
  const r = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", path],
    stderr: "piped",
  }).output();
  if (!r.success) {
    await Deno.remove(path);
    return `mount failed: ${new TextDecoder().decode(r.stderr).trim()}`;
  }
  return {
    path,
    close: async () => {
      await new Deno.Command("umount", { args: [path] }).output();
      await Deno.remove(path);
    },
  };
}
