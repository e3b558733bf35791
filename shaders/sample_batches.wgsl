// sample_batches: draws minibatch indices for every model on the GPU. Entry (p, s, b) is
// start[p] + rng_int(seed, p, count[p], s * B + b, round). Twin: sampleBatchesCpu().
//
// Bindings (group 0): 0 ranges (P, 2) u32 read (start, count >= 1);
//   1 batchIdx (P, numBatches, B) u32 rw; 2 params_in (parameters), declared with the struct
//   Params in learners/mlp/sample_batches.ts: P, perModel (numBatches * B), seed, round, gridX,
//   first (the model number of model 0 of this dispatch; the RNG stream is first + p).
// Dispatch: ceil(P * numBatches * B / 64) invocations of 64, grid gridX wide.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.P * params.perModel) { return; }
  let p = i / params.perModel;
  let r = i % params.perModel;
  let stream = params.first + p;
  batchIdx[i] = ranges[2u * p] + rng_int(params.seed, stream, ranges[2u * p + 1u], r, params.round);
}
