/**
 * Training a population on a batch of episodes: model p adapts to episode p on its support set
 * (full-batch steps) and is evaluated on its query set, all models in the same dispatch.
 * @module
 */
import type { Backend, BackendDataset, Population } from "./backend.ts";
import type { Knobs } from "./optimizers/knobs.ts";
import type { Activation } from "./mlp/mlp_layout.ts";
import type { EpisodeBatch } from "./tasks/task_family.ts";

/** Options of `createEpisodePopulation`. */
export interface EpisodePopulationOptions {
  /** Hidden widths (default [32]). */
  hidden?: number[];
  /** Hidden nonlinearity (default relu). */
  activation?: Activation;
  /** Knobs of every model (default SGD, lr 0.1). */
  knobs?: Knobs | Knobs[];
  /** Init seed (default 0). */
  seed?: number;
}

/** A population bound to an episode batch: one model per episode. */
export interface EpisodePopulation {
  /** One model per episode. */
  population: Population;
  /** The episodes' data set, uploaded once. */
  data: BackendDataset;
  /** (P, Q) query rows, for `evaluate`. */
  queryIndices: Uint32Array<ArrayBuffer>;
  /** Frees the population and the data set. */
  destroy(): void;
}

/**
 * Uploads the batch's data set once and creates one model per episode whose minibatch is its
 * episode's support set (batch size = support size), with the per-episode label map.
 */
export function createEpisodePopulation(
  backend: Backend,
  batch: EpisodeBatch,
  options: EpisodePopulationOptions = {},
): EpisodePopulation {
  const P = batch.episodes;
  const data = backend.uploadDataset(batch.dataset);
  const regression = batch.dataset.classes === 0;
  const population = backend.createPopulation({
    size: P,
    widths: [batch.dataset.inputs, ...(options.hidden ?? [32]), batch.ways],
    activation: options.activation,
    loss: regression ? "mse" : "cross_entropy",
    batchSize: batch.supportSize,
  });
  population.init(options.seed ?? 0);
  population.setKnobs(options.knobs ?? { lr: 0.1 });
  population.setBatches(new Uint32Array(batch.support), 1);
  if (batch.labelMap && batch.labelMapWidth > 0) {
    population.setLabelMap(new Uint32Array(batch.labelMap), batch.labelMapWidth);
  }
  return {
    population,
    data,
    queryIndices: new Uint32Array(batch.query),
    destroy() {
      population.destroy();
      data.destroy();
    },
  };
}
