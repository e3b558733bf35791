// sample_batches: draws minibatch indices for every model on the GPU. Entry (p, s, b) is
// start[p] + rng_int(seed, k, count[p], c * B + b, round), k = keys[p] when keyed, else first + p,
// and c = s but for the last slot, which draws from c = lastSlot (lastShift = (lastSlot - s) * B).
// Twin: sampleBatchesCpu().
//
// Bindings (group 0): 0 ranges (P, 2) u32 read (start, count >= 1); 1 keys (P) u32 read (the RNG
//   stream of each model when keyed); 2 batchIdx (P, numBatches, B) u32 rw; 3 params_in
//   (parameters), declared with the struct Params in learners/mlp/sample_batches.ts: P, perModel
//   (numBatches * B), seed, round, gridX, first (the model number of model 0 of this dispatch; the
//   RNG stream is first + p unless keyed), keyed (1: the stream is keys[p]), lastFrom (the first
//   entry of the last slot, (numBatches - 1) * B) and lastShift (added to the counter there).
// Dispatch: ceil(P * numBatches * B / 64) invocations of 64, grid gridX wide.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = grid_index(gid);
  if (i >= params.P * params.perModel) { return; }
  let p = i / params.perModel;
  let r = i % params.perModel;
  let stream = select(params.first + p, keys[p], params.keyed == 1u);
  let c = r + select(0u, params.lastShift, r >= params.lastFrom);
  batchIdx[i] = ranges[2u * p] + rng_int(params.seed, stream, ranges[2u * p + 1u], c, params.round);
}
