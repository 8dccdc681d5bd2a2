// Node-id sets of the membership protocol as sorted, duplicate-free arrays:
// joins carry them on the wire in this form, and equality is then a plain
// element-wise comparison (corosync memb_set_equal / memb_set_subset / merge).
import type { NodeId } from './types.js';

export type NodeSet = readonly NodeId[];

export function setOf(ids: Iterable<NodeId>): NodeId[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

export function setEqual(a: NodeSet, b: NodeSet): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function setHas(a: NodeSet, id: NodeId): boolean {
  return a.includes(id);
}

/** Every element of `sub` is in `sup`. */
export function setSubset(sub: NodeSet, sup: NodeSet): boolean {
  return sub.every((x) => sup.includes(x));
}

export function setUnion(a: NodeSet, b: NodeSet): NodeId[] {
  return setOf([...a, ...b]);
}

export function setMinus(a: NodeSet, b: NodeSet): NodeId[] {
  return a.filter((x) => !b.includes(x));
}

/** Sorted, duplicate-free, positive integers: the only form a set from the network may take. */
export function validSet(a: readonly unknown[], max: number): a is NodeId[] {
  if (a.length > max) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x <= 0 || x > 0xffff_ffff) return false;
    if (i > 0 && (a[i - 1] as number) >= x) return false;
  }
  return true;
}
