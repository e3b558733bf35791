/**
 * Episode-sampling throughput: 5-way 5-shot episodes (15 query points per class) for a population
 * of 1024 models on Fashion-MNIST, drawn on the host (drawEpisodeIndices) and on the GPU
 * (sample_episodes kernel, same indices).
 * @module
 */
import type { GpuContext } from "../core/gpu_context.ts";
import { buildClassIndex } from "../learners/data/class_index.ts";
import { fashionMnistAvailable, loadFashionMnist } from "../learners/data/fashion_mnist.ts";
import { readEpisodes, sampleEpisodesGpu } from "../learners/tasks/sample_episodes.ts";
import { drawEpisodeIndices } from "../learners/tasks/real_episodes.ts";

/** One episode-sampling measurement. */
export interface EpisodeBenchRow {
  path: "host" | "gpu";
  episodes: number;
  seconds: number;
  episodesPerSecond: number;
}

/** Measures episodes/s on the host and (with a context) on the GPU; undefined without the data. */
export async function benchEpisodes(
  ctx: GpuContext | undefined,
  episodes = 1024,
): Promise<EpisodeBenchRow[] | undefined> {
  if (!fashionMnistAvailable("train")) return undefined;
  const data = await loadFashionMnist("train");
  const index = buildClassIndex(data);
  const spec = {
    classes: new Uint32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    index,
    ways: 5,
    shots: 5,
    queryPerClass: 15,
  };
  const rows: EpisodeBenchRow[] = [];
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let e = 0; e < episodes; e++) drawEpisodeIndices(r, e, spec);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  rows.push({ path: "host", episodes, seconds: best, episodesPerSecond: episodes / best });
  if (ctx) {
    best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const eps = await sampleEpisodesGpu(ctx, spec, { seed: r, episodes });
      await ctx.sync("sample episodes");
      best = Math.min(best, (performance.now() - t0) / 1000);
      if (r === 0) await readEpisodes(ctx, eps, spec);
      eps.destroy();
    }
    rows.push({ path: "gpu", episodes, seconds: best, episodesPerSecond: episodes / best });
  }
  return rows;
}
