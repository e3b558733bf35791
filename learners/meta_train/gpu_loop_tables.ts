/**
 * Device tables the GPU meta loops (gpu_meta_loop.ts, gpu_lowrank_loop.ts) share: a pool's
 * episode index arrays uploaded once, and the log table grown in place. A pool's labels go up as
 * class lists (episodes x ways, learners/tasks/episode_classes.ts), never as its dense label maps
 * (episodes x classes: 1.36 GB for 65,536 glyph episodes, past the 128 MiB a storage binding
 * holds), so what a pool uploads does not grow with the data set's class count.
 * @module
 */
import { createStorageBuffer, createStorageBufferFrom } from "../../core/buffers.ts";
import type { GpuContext } from "../../core/gpu_context.ts";
import { episodeClasses } from "../tasks/episode_classes.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import type { EpisodeBuffers } from "./meta_gather.ts";
import { META_LOG_WIDTH } from "./meta_log.ts";

/** Each pool's index arrays on the device, uploaded on first use. */
export class ResidentEpisodes {
  #ctx: GpuContext;
  #map = new WeakMap<EpisodeBatch, EpisodeBuffers>();
  #owned: GPUBuffer[] = [];

  /** Uploads to `ctx`. */
  constructor(ctx: GpuContext) {
    this.#ctx = ctx;
  }

  /** The support, query and class-list arrays of `e` (a 4-byte placeholder without label maps). */
  get(e: EpisodeBatch): EpisodeBuffers {
    let r = this.#map.get(e);
    if (!r) {
      const classes = episodeClasses(e) ?? new Uint32Array(1);
      r = {
        support: createStorageBufferFrom(this.#ctx, e.support, "meta-support"),
        query: createStorageBufferFrom(this.#ctx, e.query, "meta-query"),
        classes: createStorageBufferFrom(this.#ctx, classes, "meta-classes"),
      };
      this.#owned.push(r.support, r.query, r.classes);
      this.#map.set(e, r);
    }
    return r;
  }

  /** Frees every uploaded array. */
  destroy(): void {
    for (const b of this.#owned) b.destroy();
    this.#owned = [];
  }
}

/**
 * The log table holding at least `rows` rows: `log` itself when it does, else a table twice that
 * size with `log`'s rows copied in (submitted) and `log` destroyed.
 */
export function grownLog(ctx: GpuContext, log: GPUBuffer, rows: number): GPUBuffer {
  if (log.size >= rows * META_LOG_WIDTH * 4) return log;
  const bigger = createStorageBuffer(ctx, 2 * rows * META_LOG_WIDTH * 4, "meta-loop-log");
  const enc = ctx.device.createCommandEncoder({ label: "meta-loop-log" });
  enc.copyBufferToBuffer(log, 0, bigger, 0, log.size);
  ctx.device.queue.submit([enc.finish()]);
  log.destroy();
  return bigger;
}
