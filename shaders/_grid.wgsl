// _grid.wgsl: the parameters and invocation index of a kernel dispatched on the 2-D grid of
// `dispatchGrid` (core/buffers.ts): gridX workgroups of 64 per row. The kernel declares
// `struct Params` (with a `gridX` field) and binds it as `params_in`; its entry point starts with
// `grid_index` (one invocation per index) or `group_index` (one workgroup per index), which copy
// the parameters into `params`. They are read from storage into a private copy once per
// invocation; see createParamsBuffer in core/buffers.ts for why they are not a uniform buffer.

var<private> params: Params;

// Loads `params`; returns the flat index of this invocation on the grid.
fn grid_index(gid: vec3<u32>) -> u32 {
  params = params_in;
  return gid.x + gid.y * params.gridX * 64u;
}

// Loads `params`; returns the flat index of this invocation's workgroup on the grid.
fn group_index(wid: vec3<u32>) -> u32 {
  params = params_in;
  return wid.x + wid.y * params.gridX;
}
