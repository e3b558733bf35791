// Shared snippet of the evolution kernels (evolve_*.wgsl): the parameters every kernel reads, flag
// bits, RNG purposes and small helpers. Twin: learners/evolution/evolution_cpu.ts.
//
// A population of P = S*M models in S segments of M models; segment s owns models [s*M, (s+1)*M)
// and reads its genome row genome[s*GENOME_STRIDE ..] through the GENOME_* offsets, generated from
// learners/evolution/genome_layout.ts (likewise KNOB_* and METRIC_* for the knobs and metrics rows,
// and INFO_*, PARENT_*, SEG_*, BLOCK_*, TASK_*, HISTORY_* for the rows of
// learners/evolution/evolution_rows.ts).
// Random draws use key (seed, stream = child or model index) and counters (c0, gen*16 + purpose).

struct EvolveParams {
  P: u32,          // models
  M: u32,          // models per segment
  S: u32,          // segments
  D: u32,          // parameters per model (paramCount)
  stride: u32,     // distance between models in params
  seed: u32,       // RNG seed of the evolution
  nBlocks: u32,    // rows of the block table
  chunk: u32,      // parameters per breed invocation
  chunks: u32,     // ceil(D / chunk)
  histCap: u32,    // generations the history buffer holds
  gridModels: u32, // dispatch grid width of per-model kernels (x workgroups)
  gridBreed: u32,  // dispatch grid width of the breed kernel
  gridSegs: u32,   // dispatch grid width of the per-segment kernel
  generations: u32,// planned generations (learning-rate schedules)
  pad0: u32,
  pad1: u32,
}

// The kernels bind EvolveParams as `u_in` and copy it into `u` first thing in their entry point,
// through evolve_index: parameters are read from storage into a private copy once per invocation;
// see createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.
var<private> u: EvolveParams;

// The dispatch grids of the kernels: per model (u.gridModels wide), per (child, chunk) of the
// breed kernel (u.gridBreed), per segment (u.gridSegs); 64 invocations per workgroup.
const GRID_MODELS: u32 = 0u;
const GRID_BREED: u32 = 1u;
const GRID_SEGS: u32 = 2u;

// Loads `u`; returns the flat index of this invocation on dispatch grid `grid` (GRID_*).
fn evolve_index(gid: vec3<u32>, grid: u32) -> u32 {
  u = u_in;
  var widths = array<u32, 3>(u.gridModels, u.gridBreed, u.gridSegs);
  return gid.x + gid.y * widths[grid] * 64u;
}

const FLAG_ELITE: u32 = 1u;
const FLAG_CROSS: u32 = 2u;
const FLAG_ORPHAN: u32 = 4u;
const NEG_BIG: f32 = -3.0e38;
// Model flags (flags array): 0 valid, 1 invalid (diverged / non-finite), 2 inactive.
const MODEL_INVALID: u32 = 1u;
const MODEL_INACTIVE: u32 = 2u;

const PURPOSE_PARENT_A: u32 = 0u;
const PURPOSE_PARENT_B: u32 = 1u;
const PURPOSE_CROSS: u32 = 2u;
const PURPOSE_SIGMA: u32 = 3u;
const PURPOSE_MASK: u32 = 4u;
const PURPOSE_MUT_COIN: u32 = 5u;
const PURPOSE_MUT_NORMAL: u32 = 6u;
const PURPOSE_LR_U: u32 = 7u;
const PURPOSE_LR_V: u32 = 8u;
const PURPOSE_LR_BLOCK: u32 = 9u;
const PURPOSE_RESET: u32 = 10u;

fn ev_counter(gen: u32, purpose: u32) -> u32 {
  return gen * 16u + purpose;
}
