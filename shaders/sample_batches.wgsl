// sample_batches: draws minibatch indices for every model on the GPU. Entry (p, s, b) is
// start[p] + rng_int(seed, p, count[p], s * B + b, round). Twin: sampleBatchesCpu().
//
// Bindings (group 0): 0 ranges (P, 2) u32 read (start, count >= 1);
//   1 batchIdx (P, numBatches, B) u32 rw; 2 u SampleParams read (parameters).
// Dispatch: ceil(P * numBatches * B / 64) invocations of 64, grid gridX wide.

struct SampleParams {
  P: u32,          // @0
  perModel: u32,   // @4  numBatches * B
  seed: u32,       // @8
  round: u32,      // @12
  gridX: u32,      // @16
  first: u32,      // @20 model number of model 0 of this dispatch (the RNG stream is first + p)
}

@group(0) @binding(0) var<storage, read> ranges: array<u32>;
@group(0) @binding(1) var<storage, read_write> batchIdx: array<u32>;
@group(0) @binding(2) var<storage, read> u_in: SampleParams;
// Parameters are read from storage into a private copy once per invocation; see
// createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: SampleParams;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  u = u_in;
  let i = gid.x + gid.y * u.gridX * 64u;
  if (i >= u.P * u.perModel) { return; }
  let p = i / u.perModel;
  let r = i % u.perModel;
  batchIdx[i] = ranges[2u * p] + rng_int(u.seed, u.first + p, ranges[2u * p + 1u], r, u.round);
}
