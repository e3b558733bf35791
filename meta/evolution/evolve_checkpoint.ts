/**
 * Checkpoints of the evolve experiment, so that a run killed at any point (kill -9 included) and
 * resumed ends with the same metrics, results and strategies as a run never interrupted. The run
 * saves a checkpoint after every meta-generation of meta-training (the `MetaTrainState`) and after
 * every later phase (its result). Every phase result goes through the exact-JSON round trip
 * whether or not the run was resumed, so a resumed run computes from exactly the same values.
 * @module
 */

import type { RunContext } from "../../core/experiment.ts";
import { fromExactJson, toExactJson } from "../../core/exact_json.ts";
import type { MetaTrainState } from "./meta_train.ts";

/** What an evolve checkpoint holds: finished phases by name, and meta-training in progress. */
interface EvolveCheckpointState {
  /** Results of the finished phases, each as `{ value }` in exact JSON. */
  phases: Record<string, unknown>;
  /** The meta-training state after the last meta-generation (exact JSON), while it runs. */
  metaTrain?: unknown;
}

/** The checkpoints of one evolve run: finished phases are loaded instead of recomputed. */
export class EvolveCheckpoints {
  #ctx: RunContext<unknown, unknown>;
  #state: EvolveCheckpointState;

  private constructor(ctx: RunContext<unknown, unknown>, state: EvolveCheckpointState) {
    this.#ctx = ctx;
    this.#state = state;
  }

  /** Loads the run's last checkpoint (or starts empty). */
  static async load(ctx: RunContext<unknown, unknown>): Promise<EvolveCheckpoints> {
    const saved = await ctx.loadCheckpoint<EvolveCheckpointState>();
    return new EvolveCheckpoints(ctx, saved?.state ?? { phases: {} });
  }

  /** The meta-training state to resume from, if meta-training was in progress. */
  get metaTrain(): MetaTrainState | undefined {
    const s = this.#state.metaTrain;
    return s === undefined ? undefined : fromExactJson(s) as MetaTrainState;
  }

  /** Saves the meta-training state after a meta-generation. */
  async saveMetaTrain(state: MetaTrainState): Promise<void> {
    this.#state = { ...this.#state, metaTrain: toExactJson(state) };
    await this.#ctx.saveCheckpoint(this.#state);
  }

  /**
   * The result of phase `name`: loaded when a checkpoint has it, else computed by `run` and saved.
   * Either way it is the value after the exact-JSON round trip.
   */
  async phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (!(name in this.#state.phases)) {
      const encoded = { value: toExactJson(await run()) };
      this.#state = { phases: { ...this.#state.phases, [name]: encoded } };
      await this.#ctx.saveCheckpoint(this.#state);
    }
    return (fromExactJson(this.#state.phases[name]) as { value: T }).value;
  }
}
