/**
 * The ProtoNet twin (learners/meta_train/protonet_cpu.ts): its gradient against central finite
 * differences of its own prototype loss (tanh and relu, each distance, a label map, a class
 * without support samples in one episode), its statistics on a hand-made episode, and the
 * distances' values on hand-made vectors.
 */
import assert from "node:assert/strict";
import {
  embedLayer,
  PROTONET_STATS,
  protonetEpisodeCpu,
  protonetGradCpu,
  type ProtonetSource,
} from "../../../learners/meta_train/protonet_cpu.ts";
import {
  addPairGradient,
  checkProtonetDistance,
  distanceOperands,
  EUCLIDEAN,
  NORM_EPS,
  pairDistance,
  type ProtonetDistance,
} from "../../../learners/meta_train/protonet_distance.ts";
import { Rng } from "../../../core/rng.ts";
import { METRIC, METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { forwardCpu } from "../../../learners/mlp/mlp_cpu.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { protonetProblem } from "./_protonet_problem.ts";

const DISTANCES: ProtonetDistance[] = [
  EUCLIDEAN,
  { kind: "euclidean", scale: 0.4 },
  { kind: "cosine", scale: 6 },
  { kind: "dot", scale: 0.7 },
  { kind: "cosine", scale: 6, embedding: "linear" },
  { kind: "euclidean", scale: 0.4, embedding: "linear" },
];

for (
  const [activation, dist] of [
    ...DISTANCES.map((d) => ["tanh", d] as const),
    ...DISTANCES.map((d) => ["relu", d] as const),
  ]
) {
  const name = `${activation}, ${dist.kind} scale ${dist.scale}, ${
    dist.embedding ?? "activation"
  } embedding`;
  Deno.test(`protonet gradient matches finite differences of the prototype loss (${name})`, () => {
    const { L, episodes, data, theta } = protonetProblem(3, {
      widths: [5, 7, 6, 3],
      activation,
      episodes: 2,
      shots: 2,
      queries: 5,
    });
    const src: ProtonetSource = { episodes, data, ids: [1], idsOffset: 0 };
    const { grad, stats } = protonetEpisodeCpu(L, theta, src, 1, dist);
    assert.ok(Number.isFinite(stats[0]!) && stats[0]! > 0);
    const E = embedLayer(L);
    assert.equal(E, 1);
    let checked = 0;
    for (let i = 0; i < L.paramCount; i++) {
      const t = theta[i]!;
      const plus = Math.fround(t + 1e-3);
      const minus = Math.fround(t - 1e-3);
      theta[i] = plus;
      const lp = protonetEpisodeCpu(L, theta, src, 1, dist).stats[0]!;
      theta[i] = minus;
      const lm = protonetEpisodeCpu(L, theta, src, 1, dist).stats[0]!;
      theta[i] = t;
      const fd = (lp - lm) / (plus - minus);
      const g = grad[i]!;
      if (i >= L.weightOffset[L.layers - 1]!) {
        assert.equal(g, 0, `output layer parameter ${i} is not part of the embedding`);
        continue;
      }
      assert.ok(
        Math.abs(g - fd) <= 2e-4 + 2e-3 * Math.abs(fd),
        `${name} param ${i}: ${g} vs ${fd}`,
      );
      if (Math.abs(fd) > 1e-3) checked++;
    }
    assert.ok(checked > 20, `only ${checked} parameters with a visible gradient`);
  });
}

Deno.test("protonet statistics: loss, accuracy, quarantine, a class with no support sample", () => {
  const { L, episodes, data, theta } = protonetProblem(5, {
    widths: [5, 8, 3],
    activation: "tanh",
    episodes: 3,
    shots: 1,
    queries: 4,
  });
  // Episode 2 loses class 2's support sample (its label is now unused): its queries of class 2
  // have no prototype, so its loss is infinite and the model is quarantined.
  episodes.labelMap!.set([0xffffffff], 2 * 6 + ((2 + 2) % 6));
  const P = 3;
  const out = {
    grads: new Float32Array(P * L.stride),
    metrics: new Float32Array(P * METRIC_STRIDE),
    stats: new Float32Array(P * PROTONET_STATS),
  };
  protonetGradCpu(L, theta, { episodes, data, ids: [0, 1, 2], idsOffset: 0 }, P, out);
  for (let p = 0; p < 2; p++) {
    const m = out.metrics.subarray(p * METRIC_STRIDE, (p + 1) * METRIC_STRIDE);
    assert.equal(m[METRIC.quarantined], 0);
    assert.ok(m[METRIC.loss]! > 0 && Number.isFinite(m[METRIC.loss]!));
    assert.equal(m[METRIC.loss], out.stats[p * PROTONET_STATS]);
    const acc = out.stats[p * PROTONET_STATS + 1]!;
    assert.ok([0, 0.25, 0.5, 0.75, 1].includes(acc), `accuracy ${acc} is a multiple of 1/4`);
    // One shot: every support sample is its own prototype, so support accuracy is 1.
    assert.equal(out.stats[p * PROTONET_STATS + 3], 1);
    assert.ok(m[METRIC.gradNorm]! > 0);
  }
  assert.equal(out.metrics[2 * METRIC_STRIDE + METRIC.quarantined], 1);
});

Deno.test("pairDistance: euclidean, cosine and dot product on hand-made vectors", () => {
  const z = Float64Array.from([3, 4, 0, 1, 0, 0]);
  const c = Float64Array.from([0, 4, 3, 2, 0, 0]);
  const at = (d: ProtonetDistance, a: number, k: number) =>
    pairDistance(d, distanceOperands(d, z, c, 3), a, k);
  assert.equal(at(EUCLIDEAN, 0, 0), 9 + 0 + 9);
  assert.equal(at({ kind: "euclidean", scale: 0.5 }, 0, 0), 9);
  assert.equal(at({ kind: "dot", scale: 2 }, 0, 0), -2 * 16);
  // cos = 16 / (5 * 5), within the 1e-8 norm guard.
  assert.ok(Math.abs(at({ kind: "cosine", scale: 10 }, 0, 0) + 10 * 16 / 25) < 1e-8);
  // Parallel vectors of different lengths: cosine -scale, Euclidean not 0.
  assert.ok(Math.abs(at({ kind: "cosine", scale: 3 }, 1, 1) + 3) < 1e-7);
  assert.equal(at(EUCLIDEAN, 1, 1), 1);
  // A zero embedding scores 0 under the cosine (no division by zero).
  const zero = Float64Array.from([0, 0, 0]);
  const cos3: ProtonetDistance = { kind: "cosine", scale: 3 };
  const d0 = pairDistance(cos3, distanceOperands(cos3, zero, c, 3), 0, 0);
  assert.equal(Math.abs(d0), 0);
});

/**
 * The distance and its gradient of one pair from the pair's own sums (|z - c|^2, z.c, |z|^2,
 * |c|^2), as the twin computed them for every query-prototype pair before it prepared unit rows.
 */
function pairReference(
  dist: ProtonetDistance,
  z: Float64Array,
  c: Float64Array,
  D: number,
): { d: number; gz: Float64Array; gc: Float64Array } {
  let sq = 0, dot = 0, zz = 0, cc = 0;
  for (let j = 0; j < D; j++) {
    sq += (z[j]! - c[j]!) ** 2;
    dot += z[j]! * c[j]!;
    zz += z[j]! * z[j]!;
    cc += c[j]! * c[j]!;
  }
  const nz = Math.sqrt(zz + NORM_EPS);
  const nc = Math.sqrt(cc + NORM_EPS);
  const s = dist.scale;
  const gz = new Float64Array(D);
  const gc = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    if (dist.kind === "euclidean") {
      gz[j] = 2 * s * (z[j]! - c[j]!);
      gc[j] = -gz[j]!;
    } else if (dist.kind === "dot") {
      gz[j] = -s * c[j]!;
      gc[j] = -s * z[j]!;
    } else {
      gz[j] = -s * (c[j]! / (nz * nc) - dot * z[j]! / (nz * nz * nz * nc));
      gc[j] = -s * (z[j]! / (nz * nc) - dot * c[j]! / (nz * nc * nc * nc));
    }
  }
  const d = dist.kind === "euclidean"
    ? s * sq
    : dist.kind === "dot"
    ? -s * dot
    : -s * dot / (nz * nc);
  return { d, gz, gc };
}

Deno.test("pairDistance and addPairGradient equal the per-pair sums on random rows (a zero row too)", () => {
  const rng = new Rng(11);
  const D = 37;
  const rows = 9;
  const ways = 5;
  const z = Float64Array.from({ length: rows * D }, (_, i) => (i < D ? 0 : rng.normal()));
  const c = Float64Array.from({ length: ways * D }, () => 2 * rng.normal());
  for (const dist of DISTANCES) {
    const ops = distanceOperands(dist, z, c, D);
    const dz = new Float64Array(rows * D);
    const dc = new Float64Array(ways * D);
    const wantZ = new Float64Array(rows * D);
    const wantC = new Float64Array(ways * D);
    for (let a = 0; a < rows; a++) {
      for (let k = 0; k < ways; k++) {
        const g = rng.normal();
        const ref = pairReference(dist, z.subarray(a * D, (a + 1) * D), c.subarray(k * D), D);
        const d = pairDistance(dist, ops, a, k);
        assert.ok(
          Math.abs(d - ref.d) <= 1e-12 * (1 + Math.abs(ref.d)),
          `${dist.kind} d ${d} vs ${ref.d}`,
        );
        addPairGradient(dist, ops, { a, k }, g, { dz, dc });
        for (let j = 0; j < D; j++) {
          wantZ[a * D + j] = wantZ[a * D + j]! + g * ref.gz[j]!;
          wantC[k * D + j] = wantC[k * D + j]! + g * ref.gc[j]!;
        }
      }
    }
    for (const [got, want, what] of [[dz, wantZ, "dz"], [dc, wantC, "dc"]] as const) {
      for (let i = 0; i < got.length; i++) {
        assert.ok(
          Math.abs(got[i]! - want[i]!) <= 1e-12 + 1e-10 * Math.abs(want[i]!),
          `${dist.kind} ${what}[${i}]: ${got[i]} vs ${want[i]}`,
        );
      }
    }
    assert.ok(dz.some((v) => v !== 0) && dc.some((v) => v !== 0));
  }
});

Deno.test("checkProtonetDistance names the field out of range", () => {
  assert.throws(
    () => checkProtonetDistance({ kind: "manhattan" as "dot", scale: 1 }),
    /kind must be one of euclidean, cosine, dot: current value is manhattan/,
  );
  for (const scale of [0, -1, NaN, Infinity]) {
    assert.throws(
      () => checkProtonetDistance({ kind: "cosine", scale }),
      /scale must be a finite number > 0/,
    );
  }
  assert.throws(
    () => checkProtonetDistance({ kind: "cosine", scale: 1, embedding: "relu" as "linear" }),
    /embedding must be one of activation, linear: current value is relu/,
  );
  checkProtonetDistance({ kind: "cosine", scale: 10 });
  checkProtonetDistance({ kind: "cosine", scale: 10, embedding: "linear" });
});

Deno.test("protonetEpisodeCpu: a linear embedding is the embedding layer before its nonlinearity", () => {
  // The pre-activation of layer 1 of 5-7-6-3 is the raw output of the 5-7-6 network that shares
  // its first two layers: the loss computed by hand from that output must be the twin's.
  const dist: ProtonetDistance = { kind: "cosine", scale: 4, embedding: "linear" };
  const opts = { activation: "relu", episodes: 2, shots: 2, queries: 5 } as const;
  const { L, episodes, data, theta } = protonetProblem(4, { widths: [5, 7, 6, 3], ...opts });
  const src = { episodes, data, ids: [1], idsOffset: 0 };
  const got = protonetEpisodeCpu(L, theta, src, 1, dist).stats;
  const head = mlpLayout({ size: 1, widths: [5, 7, 6], batchSize: 4, activation: "relu" });
  const { supportSize: S, querySize: Q } = episodes;
  const idx = [...episodes.support.subarray(S, 2 * S), ...episodes.query.subarray(Q, 2 * Q)];
  const out = forwardCpu(head, theta.slice(0, head.stride), 0, data, idx);
  const z = (b: number) => out.subarray(b * head.actWidth + head.actOffset[1]!).subarray(0, 6);
  const label = (b: number) => episodes.labelMap![6 + data.y[idx[b]!]!]!;
  const protos = [0, 1, 2].map((k) => {
    const rows = [...Array(S).keys()].filter((b) => label(b) === k);
    return [...Array(6).keys()].map((j) => rows.reduce((t, b) => t + z(b)[j]!, 0) / rows.length);
  });
  const norm = (v: ArrayLike<number>) =>
    Math.sqrt(Array.from(v).reduce((t, x) => t + x * x, 0) + 1e-8);
  let loss = 0;
  for (let q = S; q < S + Q; q++) {
    const logits = protos.map((c) =>
      4 * c.reduce((t, cj, j) => t + cj * z(q)[j]!, 0) / (norm(c) * norm(z(q)))
    );
    const lse = Math.log(logits.reduce((t, l) => t + Math.exp(l), 0));
    loss += (lse - logits[label(q)]!) / Q;
  }
  assert.ok(Math.abs(got[0]! - loss) < 1e-9, `${got[0]} vs ${loss}`);
  // With ReLU some pre-activations are negative, so the activation embedding scores differently.
  const act = protonetEpisodeCpu(L, theta, src, 1, { ...dist, embedding: "activation" }).stats;
  assert.ok(Math.abs(act[0]! - loss) > 1e-3, `${act[0]} vs ${loss}`);
});
