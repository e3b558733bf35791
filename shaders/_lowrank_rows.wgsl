// _lowrank_rows.wgsl: the rows of a factored meta-iteration (learners/meta_train/lowrank_shape.ts):
// task t reads episode ids[params.idsOffset + t]; its row r is support sample r when r <
// params.supportSize, else query position r - supportSize (cyclic over params.querySize).
// Needs the bindings ids, support, query (array<u32>) and those Params fields.
// CPU twin: rowSample in learners/meta_train/lowrank_shape.ts.

fn row_sample(t: u32, r: u32) -> u32 {
  let e = ids[params.idsOffset + t];
  if (r < params.supportSize) { return support[e * params.supportSize + r]; }
  return query[e * params.querySize + (r - params.supportSize) % params.querySize];
}
