import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../../core/input_error.ts";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import { readStrategiesFile } from "../../../meta/evolution/strategies_input.ts";
import { strategiesJson } from "../../_input_fixtures.ts";

async function withFile(value: unknown, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "strategies.json");
    await Deno.writeTextFile(path, JSON.stringify(value));
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The valid file with `mutationRate` and `lr` left out of the universal best's genome. */
function withoutGenes(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const s = strategiesJson();
  const { mutationRate: _m, lr: _l, ...genome } = { ...BASELINE_GENOME };
  return { ...s, ...extra, universalBest: { genome, metaFitness: 0.5 } };
}

Deno.test("readStrategiesFile rejects a genome missing genes, naming the first and the partial marker", async () => {
  await withFile(withoutGenes(), async (path) => {
    await assert.rejects(readStrategiesFile(path), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.equal(
        e.message,
        `Invalid strategies file "${path}": universalBest.genome is missing gene "mutationRate" (and 1 more): every gene is required, or set "partial": true at the top level to fill missing genes with the baseline's values`,
      );
      assert.equal(e.field, "universalBest.genome.mutationRate");
      return true;
    });
  });
});

Deno.test('readStrategiesFile accepts a partial genome with "partial": true and fills the baseline\'s genes', async () => {
  await withFile(withoutGenes({ partial: true }), async (path) => {
    const file = await readStrategiesFile(path);
    assert.equal(file.universalBest.genome.mutationRate, BASELINE_GENOME.mutationRate);
    assert.equal(file.universalBest.genome.lr, BASELINE_GENOME.lr);
  });
  await withFile(withoutGenes({ partial: "yes" }), async (path) => {
    await assert.rejects(readStrategiesFile(path), /partial must be true or false/);
  });
});

Deno.test("readStrategiesFile checks the tournament against the run's active population", async () => {
  const s = strategiesJson();
  const genome = {
    ...BASELINE_GENOME,
    selection: "tournament",
    tournamentSize: 5,
    populationSize: 64,
  };
  await withFile({ ...s, universalBest: { genome, metaFitness: 1 } }, async (path) => {
    // populationSize 64 means every model of the segment: the bound is modelsPerSegment.
    assert.equal(
      (await readStrategiesFile(path, { modelsPerSegment: 5 })).universalBest.genome.tournamentSize,
      5,
    );
    await assert.rejects(
      readStrategiesFile(path, { modelsPerSegment: 4 }),
      /tournamentSize must be <= the active population of 4 models .*current value is 5/,
    );
  });
});
