// meta_gather: loads the episodes of one meta-iteration into a population on the device. Model p
// reads episode e = ids[idsOffset + p] of a resident episode pool: its batch-index row holds
// `slots` support slots (support[e, i % supportSize] at position i of each slot), then a query slot
// when querySlot is 1 (query[e, i % querySize]); entry c of its label-map row labelOut[p] is the
// label of global class c in episode e: c's position in e's class list classes[e, 0 .. classWidth)
// (the first match; 0xffffffff when e does not use c). The pool holds class lists, not dense maps
// (learners/tasks/episode_classes.ts), so its size does not grow with the class count. With full = 1
// every entry of the row is written; with full = 0 the row must hold the map of the model's previous
// episode f = ids[prevOffset + p] (the previous gather wrote it): f's classes that e does not use
// are cleared and e's classes written, 2 * classWidth entries per model, disjoint addresses.
// CPU twin: gatherEpisodesCpu in learners/meta_train/meta_gather.ts.
// The bindings and struct Params are declared in learners/meta_train/meta_gather.ts.
// Bindings: 0 ids (iterations * models) u32 read; 1 support (E, supportSize) u32 read;
//           2 query (E, querySize) u32 read; 3 classes (E, classWidth) u32 read (unused when
//           labelWidth is 0); 4 batches (models, slots + querySlot, batchSize) u32 rw; 5 labelOut
//           (models, labelWidth) u32 rw; 6 params read (parameters).
// One invocation per (model, entry) of a row of (slots + querySlot) * batchSize + labelWidth
// (full = 0: + 2 * classWidth) entries; dispatch: ceil(models * rowEntries / 64) workgroups of 64
// (2-D grid of width gridX).

// Episode-local label of global class c in episode e (see above).
fn local_label(e: u32, c: u32) -> u32 {
  var label = 0xffffffffu;
  for (var k = 0u; k < params.classWidth; k++) {
    if (classes[e * params.classWidth + k] == c && label == 0xffffffffu) { label = k; }
  }
  return label;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let idx = grid_index(gid);
  let rowLen = (params.slots + params.querySlot) * params.batchSize;
  var labels = params.labelWidth;
  if (params.full == 0u) { labels = 2u * params.classWidth; }
  let per = rowLen + labels;
  if (idx >= params.models * per) { return; }
  let p = idx / per;
  let j = idx % per;
  let e = ids[params.idsOffset + p];
  if (j < rowLen) {
    let i = j % params.batchSize;
    if (j / params.batchSize < params.slots) {
      batches[p * rowLen + j] = support[e * params.supportSize + i % params.supportSize];
    } else {
      batches[p * rowLen + j] = query[e * params.querySize + i % params.querySize];
    }
  } else if (params.full == 1u) {
    let c = j - rowLen;
    labelOut[p * params.labelWidth + c] = local_label(e, c);
  } else {
    let k = j - rowLen;
    if (k < params.classWidth) {
      let c = classes[ids[params.prevOffset + p] * params.classWidth + k];
      if (c != 0xffffffffu && local_label(e, c) == 0xffffffffu) {
        labelOut[p * params.labelWidth + c] = 0xffffffffu;
      }
    } else {
      let c = classes[e * params.classWidth + k - params.classWidth];
      if (c != 0xffffffffu) { labelOut[p * params.labelWidth + c] = local_label(e, c); }
    }
  }
}
