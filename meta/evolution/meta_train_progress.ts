/**
 * The checkpoints of evolve's meta-training, in bounded size: the state that continues it
 * (`MetaTrainState`) is saved after every meta-generation without its growing lists (the rows and
 * every scored genome so far), which go to an append-only log, `checkpoint/meta-train.jsonl`, one
 * line per meta-generation. state.json keeps the same size however long the run, and a save
 * writes one meta-generation's records rather than all of them.
 * @module
 */
import { join } from "node:path";
import { JsonLog } from "../../core/json_log.ts";
import type { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import type { MetaGenerationRow, MetaTrainState } from "./meta_train.ts";

/** The meta-training state as saved in state.json: without its lists, with their log's length. */
type SavedProgress = Omit<MetaTrainState, "rows" | "evaluated"> & { logged: number };

/** One meta-generation in the log: its row and the genomes scored since the previous line. */
interface LoggedGeneration {
  row: MetaGenerationRow;
  evaluated: MetaTrainState["evaluated"];
}

/** Where meta-training resumes from, and how to save its state after a meta-generation. */
export interface MetaTrainProgress {
  /** The state to resume from (undefined: start). */
  resume?: MetaTrainState;
  /** Saves `state` (logs its new records, then saves the rest in a checkpoint). */
  save(state: MetaTrainState): Promise<void>;
}

/** The progress of phase `phase` in `checkpointDir` (nothing saved without `ck`). */
export async function metaTrainProgress(
  checkpointDir: string,
  phase: string,
  ck?: Pick<PhaseCheckpoints, "progress" | "saveProgress">,
): Promise<MetaTrainProgress> {
  if (!ck) return { save: () => Promise.resolve() };
  const saved = ck.progress<SavedProgress>(phase);
  const log = await JsonLog.open<LoggedGeneration>(
    join(checkpointDir, `${phase}-train.jsonl`),
    saved?.logged ?? 0,
  );
  let resume: MetaTrainState | undefined;
  if (saved) {
    const entries = await log.readAll();
    const { logged: _, ...rest } = saved;
    const rows = entries.map((e) => e.row);
    resume = { ...rest, rows, evaluated: entries.flatMap((e) => e.evaluated) };
  }
  let scored = resume?.evaluated.length ?? 0;
  return {
    resume,
    async save(state) {
      const { rows, evaluated, ...rest } = state;
      for (let i = log.lines; i < rows.length; i++) {
        const last = i === rows.length - 1;
        await log.append({ row: rows[i]!, evaluated: last ? evaluated.slice(scored) : [] });
      }
      scored = evaluated.length;
      await ck.saveProgress(phase, { ...rest, logged: log.lines });
    },
  };
}
