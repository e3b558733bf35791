// evolve_neural_fitness: fitness of MLPs from the last train step's metrics (a probe step with
// learning rate 0 measures the loss of the current parameters on a fresh minibatch).
// Twin: neuralFitnessCpu(). fitness = -loss; flags = 1 for a quarantined (diverged) model or a
// non-finite loss; an inactive model (index in its segment >= the genome's GENOME_ACTIVE count)
// gets fitness NEG_BIG and flags = 2.
//
// Bindings (group 0):
//   0 metrics (P, METRIC_STRIDE) f32 read  loss, gradient norm, quarantine flag, previous loss
//   1 fitness (P) f32     rw
//   2 flags   (P) u32     rw
//   3 u       EvolveParams read (parameters)
//   4 genome  (S, GENOME_STRIDE) f32 read  GENOME_ACTIVE: active models
// Dispatch: ceil(P / 64) workgroups of 64 (grid gridModels wide).

@group(0) @binding(0) var<storage, read> metrics: array<f32>;
@group(0) @binding(1) var<storage, read_write> fitness: array<f32>;
@group(0) @binding(2) var<storage, read_write> flags: array<u32>;
@group(0) @binding(3) var<storage, read> u_in: EvolveParams;
// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: EvolveParams;
@group(0) @binding(4) var<storage, read> genome: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
  let p = gid.x + gid.y * u.gridModels * 64u;
  if (p >= u.P) { return; }
  if (mark_inactive(p)) { return; }
  let loss = metrics[p * METRIC_STRIDE + METRIC_LOSS];
  let bad = metrics[p * METRIC_STRIDE + METRIC_QUARANTINED] != 0.0 || !finite(loss);
  fitness[p] = -loss;
  flags[p] = select(0u, 1u, bad);
}
