/**
 * How the MLP kernels declare their f32 buffers: as scalars, or as vec4 for vec4 tile plans
 * (learners/mlp/mlp_tiles.ts), with scalar accessors for the code outside the tiles.
 * @module
 */

/** Names of the scalar accessors of the f32 buffers the kernels declare as `array<F32V>`. */
const ACCESSORS: Record<string, { load: string; store?: string }> = {
  params: { load: "ld_params" },
  scratch: { load: "ld_scratch", store: "st_scratch" },
  params_out: { load: "ld_out", store: "st_out" },
  opt: { load: "ld_opt", store: "st_opt" },
};

/**
 * The element types of the buffers a plan's tiles read as vec4 or as scalars, and scalar
 * accessors of `buffers` for the code outside the tiles: with vec4, `F32V` (params, scratch,
 * params_out, opt) is vec4<f32> and `InputV` (the data set x) vec4<InputT>, and element i is
 * component i % 4 of vector i / 4 (quadLayout keeps every vector aligned). With `opt` (the train
 * step), also the constant V (floats per F32V) for its update loops, their Adam element type,
 * sum_squares and real_only (new values in the lanes of element k that hold parameters).
 */
export function storageViews(vec4: boolean, buffers: string[]): string {
  const at = (b: string) => (vec4 ? `${b}[i / 4u][i % 4u]` : `${b}[i]`);
  return [
    ...(buffers.includes("opt")
      ? [
        `const V: u32 = ${vec4 ? 4 : 1}u;`,
        `alias AdamT = F32V;`,
        `fn sum_squares(w: F32V) -> f32 { return ${vec4 ? "dot(w, w)" : "w * w"}; }`,
        // Element k's lanes that hold parameters (the others pad the model to its stride).
        vec4
          ? `fn real_only(old: F32V, next: F32V, k: u32) -> F32V { return select(old, next, 4u * k + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(u.paramCount)); }`
          : `fn real_only(old: F32V, next: F32V, k: u32) -> F32V { return next; }`,
      ]
      : []),
    ...(buffers.includes("params")
      ? vec4
        ? [`alias F32V = vec4<f32>;`, `alias InputV = vec4<InputT>;`]
        : [`alias F32V = f32;`, `alias InputV = InputT;`]
      : []),
    ...buffers.flatMap((b) => {
      const a = ACCESSORS[b]!;
      return [
        `fn ${a.load}(i: u32) -> f32 { return ${at(b)}; }`,
        ...(a.store ? [`fn ${a.store}(i: u32, v: f32) { ${at(b)} = v; }`] : []),
      ];
    }),
  ].join("\n");
}
