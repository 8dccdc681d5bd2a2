// The application workload: messages submitted throughout the run, before and
// after the heal, each with a unique id `n<node>/<k>` as its payload, agreed
// or safe.
import type { NodeId } from '../../aisexec/totem/types.js';
import type { Prng } from './prng.js';

export interface Submission {
  node: NodeId;
  id: string;
  guarantee: 'agreed' | 'safe';
  at: number;
}

export interface WorkloadInput {
  nodes: readonly NodeId[];
  perNodeMax: number;
  /** Share of submissions asking for safe delivery. */
  safeFraction: number;
  /** Most submissions fall in [0, faultEndMs); the rest in [faultEndMs, tailEndMs). */
  faultEndMs: number;
  tailEndMs: number;
}

export function planWorkload(prng: Prng, w: WorkloadInput): Submission[] {
  const out: Submission[] = [];
  for (const node of w.nodes) {
    const count = prng.int(0, w.perNodeMax);
    for (let k = 0; k < count; k++) {
      const tail = prng.chance(0.2);
      const at = tail ? w.faultEndMs + prng.float() * (w.tailEndMs - w.faultEndMs) : prng.float() * w.faultEndMs;
      out.push({ node, id: `n${node}/${k}`, guarantee: prng.chance(w.safeFraction) ? 'safe' : 'agreed', at });
    }
  }
  return out;
}
