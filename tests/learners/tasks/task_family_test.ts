import assert from "node:assert/strict";
import {
  type EpisodeBatch,
  episodeLabel,
  LABEL_UNUSED,
  validateEpisodeBatch,
} from "../../../learners/tasks/task_family.ts";
import { toyDataset } from "./_toy_dataset.ts";

function batch(): EpisodeBatch {
  const dataset = toyDataset(3, 2); // labels 0 1 2 0 1 2
  return {
    dataset,
    episodes: 1,
    supportSize: 2,
    querySize: 2,
    support: Uint32Array.from([0, 2]),
    query: Uint32Array.from([3, 5]),
    labelMap: Uint32Array.from([1, LABEL_UNUSED, 0]),
    labelMapWidth: 3,
    ways: 2,
  };
}

Deno.test("episodeLabel applies the label map", () => {
  const b = batch();
  assert.equal(episodeLabel(b, 0, 0), 1);
  assert.equal(episodeLabel(b, 0, 2), 0);
  validateEpisodeBatch(b);
});

Deno.test("validateEpisodeBatch rejects out-of-range indices, bad maps and unmapped samples", () => {
  const b1 = { ...batch(), support: Uint32Array.from([0, 6]) };
  assert.throws(
    () => validateEpisodeBatch(b1),
    /episodes.support\[1\]: must be an index in \[0, 5\]/,
  );
  const b2 = { ...batch(), labelMap: Uint32Array.from([1, LABEL_UNUSED, 1]) };
  assert.throws(() => validateEpisodeBatch(b2), /must be a distinct label/);
  const b3 = { ...batch(), query: Uint32Array.from([3, 4]) };
  assert.throws(() => validateEpisodeBatch(b3), /episodes.query\[1\]: its episode label/);
  const b4 = { ...batch(), support: Uint32Array.from([0]) };
  assert.throws(() => validateEpisodeBatch(b4), TypeError);
});
