/**
 * Soak run of evolve at a tiny size on the CPU twins (issue 17, item 11): many meta-generations
 * (the config allows at most 200) of a tiny meta-population, each scoring every genome by whole
 * base-evolution runs, with the resident memory (RSS) and the checkpoint's size sampled after every
 * meta-generation's checkpoint, and the table and verdict of tools/soak_lr_sweep.ts over the
 * meta-training (the later phases save their results once each).
 *
 *   deno run -A tools/soak_evolve.ts [--meta-generations 200] [--generations 25]
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runExperiment } from "../core/experiment.ts";
import { EVOLVE } from "../meta/evolution/experiment.ts";
import { printSoak, probeCheckpoints, type Sample, sampleCheckpoint } from "./soak_lr_sweep.ts";

/** Runs the soak and prints the table and verdict; false when it fails. */
export async function soakEvolve(args: string[]): Promise<boolean> {
  const { values } = parseArgs({
    args,
    options: {
      "meta-generations": { type: "string", default: "200" },
      generations: { type: "string", default: "25" },
    },
  });
  const metaGenerations = Number(values["meta-generations"]);
  const generations = Number(values.generations);
  const samples: Sample[] = [];
  const spy = probeCheckpoints(EVOLVE, async (ctx, state) => {
    const next = (state as { progress?: { state: { next: number } } }).progress?.state.next;
    if (next === undefined) return; // A phase result, not a meta-generation.
    samples.push(await sampleCheckpoint(ctx.checkpointDir, next));
  });
  const tmp = await Deno.makeTempDir({ prefix: "soak_evolve_" });
  const t0 = performance.now();
  const config = {
    backend: "cpu",
    metaGenerations,
    generations,
    populationSize: 4,
    modelsPerSegment: 6,
    trainTasks: ["sphere-8"],
    heldOutTasks: ["ackley-8"],
    bbobFunctions: [],
  };
  try {
    await runExperiment(spy, {
      scale: "smoke",
      rawConfig: config,
      dir: join(tmp, "run"),
      quiet: true,
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  const base = metaGenerations * config.populationSize * generations;
  console.log(
    `evolve soak: ${metaGenerations} meta-generations of ${config.populationSize} genomes, ` +
      `${generations} base generations each (${base} base generations), CPU twins`,
  );
  console.log(`${samples.length} checkpoints in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return printSoak(samples);
}

if (import.meta.main && !(await soakEvolve(Deno.args))) Deno.exit(1);
