/** tools/synthetic_episode_ceiling.ts: its flags, and its value against the shared API. */
import assert from "node:assert/strict";
import { InputError } from "../../core/input_error.ts";
import { deriveSeed } from "../../core/rng.ts";
import { latentBayesAccuracy } from "../../learners/tasks/synthetic_bayes.ts";
import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
import { poolSeed } from "../../meta/few_shot/episode_pool.ts";
import { flagsCeiling, parseCeilingArgs } from "../../tools/synthetic_episode_ceiling.ts";

const TOOL = new URL("../../tools/synthetic_episode_ceiling.ts", import.meta.url).pathname;

Deno.test("parseCeilingArgs rejects bad flags with a one-line InputError naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--seed", "x"],
      /^Invalid --seed: must be an integer in \[0, 4294967295\]: current value is "x"$/,
    ],
    [["--seed", ""], /^Invalid --seed: .*current value is ""$/],
    [["--shots", "1.5"], /^Invalid --shots: must be an integer in \[1, 1000\]/],
    [["--episodes", "0"], /^Invalid --episodes: /],
    [["--difficulty", "1.2"], /^Invalid --difficulty: must be a number in \[0, 1\]/],
    [["--tag", "train"], /^Invalid --tag: must be "test" or "val": current value is "train"$/],
    [["--run", "r", "--shots", "5"], /^Invalid --shots: --run reads it from the run folder/],
    [["--nope", "1"], /^Invalid flags: Unknown option '--nope'/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseCeilingArgs(argv), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  const d = parseCeilingArgs([]);
  assert.deepEqual(d, {
    kind: "flags",
    args: {
      seed: 0,
      seeds: 1,
      tag: "test",
      episodes: 100,
      ways: 5,
      shots: 1,
      queries: 15,
      difficulty: 0.9,
    },
  });
  assert.deepEqual(parseCeilingArgs(["--run", "r", "--tag", "val"]), {
    kind: "run",
    dir: "r",
    tag: "val",
  });
});

Deno.test("synthetic_episode_ceiling exits 2 with one line on a bad flag", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TOOL, "--seed", "x"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  const err = new TextDecoder().decode(out.stderr).trim();
  assert.equal(err.split("\n").length, 1, err);
  assert.match(err, /Invalid --seed/);
});

Deno.test("flagsCeiling is the latent Bayes rule on the run's test pools (46.52% on seed 0's 100 default ones)", () => {
  const args = parseCeilingArgs(["--seed", "9", "--seeds", "2", "--episodes", "7", "--shots", "2"]);
  assert.equal(args.kind, "flags");
  if (args.kind !== "flags") return;
  const family = new SyntheticClassification({
    ways: 5,
    shots: 2,
    queryPerClass: 15,
    difficulty: 0.9,
  });
  const want = [0, 1].map((i) =>
    latentBayesAccuracy(family, poolSeed(deriveSeed(9, i), "test"), 7)
  );
  assert.equal(flagsCeiling(args.args), (want[0]! + want[1]!) / 2);
  // The value the tool printed before it used the shared API (its own rebuild of the latents).
  const d = parseCeilingArgs([]);
  if (d.kind === "flags") assert.equal(flagsCeiling(d.args), 3489 / 7500);
});
