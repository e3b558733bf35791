/**
 * The GPU meta loops upload a pool's labels as class lists (learners/tasks/episode_classes.ts),
 * never its dense label maps: the bytes a pool uploads do not depend on the data set's class count,
 * and a pool whose dense maps pass the 128 MiB a storage binding holds (the failure of
 * `train meta --scale full` on glyphs: 65,536 episodes x 5,207 classes) meta-trains on the GPU and
 * matches the CPU twin (per-model loop, ProtoNet kernel, factored loop), with thousands of classes
 * and labels that are not the identity.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { ResidentEpisodes } from "../../../learners/meta_train/gpu_loop_tables.ts";
import type {
  MetaLoop,
  MetaLoopMethod,
  MetaLoopReadout,
  MetaLoopSpec,
} from "../../../learners/meta_train/mod.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import type { BackendDataset } from "../../../learners/backend.ts";
import {
  classListLabel,
  episodeClasses,
  labelMapsBuilt,
} from "../../../learners/tasks/episode_classes.ts";
import { RealEpisodes } from "../../../learners/tasks/real_episodes.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { assertClose, gpuTest } from "../../helpers.ts";
import { directGpuLoop, startState } from "./_family.ts";
import { randomLabelMaps } from "./_label_maps.ts";

/** A pool of `episodes` `ways`-way 1-shot episodes (one query per class) over `classes` classes. */
function pool(classes: number, episodes: number, ways = 5): EpisodeBatch {
  const rng = new Rng(classes);
  const count = 2 * classes;
  const data = {
    count,
    inputs: 6,
    targetWidth: 1,
    classes,
    x: Float32Array.from({ length: count * 6 }, () => rng.normal()),
    y: Float32Array.from({ length: count }, (_, i) => i % classes),
  };
  const list = Array.from({ length: classes }, (_, c) => c);
  const family = new RealEpisodes(data, list, { ways, shots: 1, queryPerClass: 1 });
  return family.sampleEpisodes(3, episodes);
}

Deno.test("episodeClasses inverts the dense label maps; classListLabel reads them back", () => {
  const rng = new Rng(5);
  const W = 2003;
  const map = randomLabelMaps(rng, 4, W, { ways: 7, holes: true });
  const batch = { ...pool(8, 4), labelMap: map, labelMapWidth: W, ways: 7 };
  const classes = episodeClasses(batch)!;
  assert.equal(classes.length, 4 * 7);
  assert.equal(classes[1 * 7 + 1], 0xffffffff, "episode 1's unused label");
  for (let e = 0; e < 4; e++) {
    for (let c = 0; c < W; c++) {
      assert.equal(classListLabel(classes, 7, e, c), map[e * W + c], `episode ${e} class ${c}`);
    }
  }
  assert.equal(episodeClasses(batch), classes, "built once per map");
  map[2 * W + classes[2 * 7 + 3]!] = 0;
  const dup = { ...batch, labelMap: map.slice() };
  assert.throws(() => episodeClasses(dup), /labelMap\[2\]\[\d+\]: must be a distinct label/);
});

gpuTest(
  "ResidentEpisodes uploads the same bytes for a pool whatever its class count",
  async (ctx) => {
    const sizes: number[] = [];
    for (const classes of [10, 4000]) {
      const resident = new ResidentEpisodes(ctx);
      const batch = pool(classes, 600);
      const r = resident.get(batch);
      sizes.push(r.support.size + r.query.size + r.classes.size);
      await ctx.device.queue.onSubmittedWorkDone();
      resident.destroy();
    }
    // support (600 x 5), query (600 x 5) and class lists (600 x 5) u32: not 600 x 4000 x 4 bytes.
    assert.deepEqual(sizes, [600 * 15 * 4, 600 * 15 * 4]);
  },
);

/** A 6-12-5 loop of 2 inner steps (Reptile's meta lr 0.5, the others' 0.02). */
function smallSpec(method: MetaLoopMethod, batchSize: number, metaBatch: number): MetaLoopSpec {
  return {
    method,
    widths: [6, 12, 5],
    batchSize,
    metaBatch,
    innerSteps: 2,
    innerLr: 0.3,
    metaLr: method === "reptile" ? 0.5 : 0.02,
  };
}

// Dense label maps of this pool take 6,800 x 5,000 x 4 = 136 MB, past a 128 MiB binding.
const BIG = { classes: 5000, episodes: 6800 };
let big: EpisodeBatch | undefined;

/** `iters` meta-iterations on the big pool (ids spread over all of it), read after each call. */
async function runBig(loop: MetaLoop, data: BackendDataset, stride: number) {
  big ??= pool(BIG.classes, BIG.episodes);
  const rng = new Rng(11);
  loop.write(startState(rng, stride));
  const out: MetaLoopReadout[] = [];
  for (const n of [2, 1]) {
    const ids = Uint32Array.from({ length: loop.spec.metaBatch * n }, () => rng.int(BIG.episodes));
    ids[0] = BIG.episodes - 1;
    loop.run(big, data, ids);
    out.push(await loop.read());
  }
  loop.destroy();
  return out;
}

for (
  const [method, lowrank] of [
    ["reptile", false],
    ["maml", false],
    ["protonet", false],
    ["fomaml", true],
  ] as [MetaLoopMethod, boolean][]
) {
  const what = lowrank ? "GpuLowrankLoop" : "GpuMetaLoop";
  gpuTest(
    `${what} matches the CPU twin over 3 ${method} iterations on a pool of ${BIG.episodes} episodes of ${BIG.classes} classes`,
    async (ctx) => {
      big ??= pool(BIG.classes, BIG.episodes);
      const spec = { ...smallSpec(method, 5, 3), lowrank };
      const stride = mlpLayout({ size: 1, ...spec }).stride;
      const cpu = new CpuBackend();
      const want = await runBig(
        await cpu.createMetaLoop({ ...spec, lowrank: false }),
        cpu.uploadDataset(big.dataset),
        stride,
      );
      const gpu = await GpuBackend.create(ctx);
      const data = gpu.uploadDataset(big.dataset);
      // ProtoNet's kernel directly: GpuBackend runs its loop on the host on a software adapter.
      const loop = method === "protonet"
        ? await directGpuLoop(ctx, gpu, spec)
        : await gpu.createMetaLoop(spec);
      assert.equal(loop.constructor.name, what);
      const got = await runBig(loop, data, stride);
      data.destroy();
      for (let r = 0; r < 2; r++) {
        const tol = { atol: 1e-5, rtol: 1e-4 };
        assertClose(got[r]!.state.theta, want[r]!.state.theta, { ...tol, what: `theta ${r}` });
        assertClose(got[r]!.log, want[r]!.log, { atol: 1e-5, rtol: 1e-3, what: `log ${r}` });
        if (method === "protonet") {
          assertClose(got[r]!.stats!, want[r]!.stats!, { ...tol, what: `stats ${r}` });
        }
      }
      assert.ok(want[0]!.log[1]! > 1e-3, "the first iteration moved theta");
      assert.equal(labelMapsBuilt(big), false, "the pool's dense label maps were never built");
    },
  );
}

// After a run's first gather the GPU gather rewrites only the label entries of each model's
// previous and new episode's classes. A table holding other maps than the previous iteration's
// cannot change what trains (the kernels read only the entries of the classes of the gathered
// samples, which are the new episode's, always written), but one sized or shaped for another pool
// would. One loop runs on pools of other class counts (70, 131: not multiples of the workgroup size)
// and ways in turn, the support set dividing the batch in one (a compacted inner population) and not
// in the other, several iterations a run, against the CPU twin, which gathers every row in full.
for (const method of ["fomaml", "maml", "reptile"] as const) {
  gpuTest(
    `GpuMetaLoop matches the CPU twin when one loop runs ${method} on pools of other class counts and ways in turn`,
    async (ctx) => {
      const pools = [pool(70, 40, 5), pool(131, 30, 3)];
      const spec = smallSpec(method, 6, 4);
      const stride = mlpLayout({ size: 1, ...spec }).stride;
      const runs = [[0, 3], [1, 2], [0, 2], [0, 1], [1, 3]] as const;
      const reads = async (backend: CpuBackend | GpuBackend) => {
        const loop = await backend.createMetaLoop(spec);
        const data = pools.map((p) => backend.uploadDataset(p.dataset));
        const rng = new Rng(7);
        loop.write(startState(rng, stride));
        const out: MetaLoopReadout[] = [];
        for (const [i, n] of runs) {
          const ids = Uint32Array.from({ length: 4 * n }, () => rng.int(pools[i]!.episodes));
          loop.run(pools[i]!, data[i]!, ids);
          out.push(await loop.read());
        }
        loop.destroy();
        for (const d of data) d.destroy();
        return out;
      };
      const want = await reads(new CpuBackend());
      const got = await reads(await GpuBackend.create(ctx));
      for (let r = 0; r < runs.length; r++) {
        const tol = { atol: 1e-5, rtol: 1e-4 };
        assertClose(got[r]!.state.theta, want[r]!.state.theta, { ...tol, what: `theta ${r}` });
        assertClose(got[r]!.log, want[r]!.log, { atol: 1e-5, rtol: 1e-3, what: `log ${r}` });
      }
      assert.ok(want[1]!.log[1]! > 1e-3, "the second run moved theta");
    },
  );
}
