import assert from "node:assert/strict";
import { BASELINE_GENOME, parseGenome } from "../../../learners/evolution/evolution_genome.ts";

Deno.test("parseGenome() rejects unknown genes and out-of-range values with the field name", () => {
  assert.throws(() => parseGenome({ selection: "lottery" }), /genome\.selection: must be one of/);
  assert.throws(
    () => parseGenome({ tournamentSize: 2.5 }),
    /genome\.tournamentSize: must be an integer/,
  );
  assert.throws(() => parseGenome({ colour: 1 }), /unknown gene "colour"/);
  assert.throws(() => parseGenome({ lr: "fast" }), TypeError);
  assert.deepEqual(parseGenome({}), { ...BASELINE_GENOME });
});
