import { WORKGROUP } from './raw-dispatch.js';

/**
 * WGSL shared by our kernels. `workgroupSum(v, lid)`: the sum of v over the workgroup, for every invocation; call
 * it in uniform control flow. Its first barrier keeps the readers of an earlier result ahead of this call's writers,
 * so one shader may call it several times.
 */
export const WORKGROUP_SUM_WGSL = `
var<workgroup> acc: array<f32, ${WORKGROUP}>;
fn workgroupSum(v: f32, lid: u32) -> f32 {
  workgroupBarrier();
  acc[lid] = v;
  workgroupBarrier();
  for (var w = ${WORKGROUP / 2}u; w > 0u; w >>= 1u) {
    if (lid < w) { acc[lid] += acc[lid + w]; }
    workgroupBarrier();
  }
  return acc[0];
}`;

/** `flatIndex(gid, nwg)`: the element of an elementwise dispatch laid out as an (x, y) grid (elementwiseGrid). */
export const FLAT_INDEX_WGSL = `
fn flatIndex(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * ${WORKGROUP}u; }`;

/** `workgroupIndex(wg, nwg)`: the workgroup's number in a grid from workgroupGrid (workgroup_id, num_workgroups). */
export const WORKGROUP_INDEX_WGSL = `
fn workgroupIndex(wg: vec3<u32>, nwg: vec3<u32>) -> u32 { return wg.x + wg.y * nwg.x; }`;
