/**
 * The meta experiment survives kill -9 at seeded random points: it checkpoints after every method
 * of every setting and seed, and `--resume` ends with the same metrics, results and summary
 * metrics as a run never interrupted (timing fields aside), keeping the original start time.
 */
import { assertKillResume } from "../_kill_resume.ts";

Deno.test({
  name: "meta: kill -9 at random points, then --resume, ends as a run never interrupted",
  sanitizeResources: false,
  sanitizeOps: false,
  // One save per method (6); kill points after the first, third and fifth, plus a random delay.
  fn: () =>
    assertKillResume({
      experiment: "meta",
      config: {
        backend: "cpu",
        settings: ["synthetic-1shot"],
        methods: ["baseline", "pretrained", "reptile", "meta-sgd", "protonet", "self-improving"],
      },
      killAfterSaves: [1, 3, 5],
    }),
});
