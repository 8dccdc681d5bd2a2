// The N+M "reduction procedure": how many SUs are made active and how many
// standby when fewer SUs are in service than the SG prefers. A pure function.
//
// openais EARLY (exec/amf.c assign_sis, 2006; shared/reference/openais.md §6)
// tests six levels in this order, with
//   ins        = the number of in-service SUs, si = the number of SIs,
//   act_needed = ceil(si / maximum-active-instances),
//   stby_needed = ceil(si / maximum-standby-instances),
//   u_act = max(ins - pref_stby, 0), u_stby = max(ins - pref_act, 0),
//   spare = max(ins - pref_act - pref_stby, 0):
//
//   | condition                        | level | active SUs     | standby SUs                     |
//   | ins < act_needed                 | VI    | act_needed     | 0                               |
//   | ins < act_needed + stby_needed   | V     | act_needed     | min(stby_needed, u_stby)        |
//   | max_stby * u_stby <= si          | IV    | ins - stby_needed | stby_needed                  |
//   | max_act * u_act <= si            | III   | pref_act       | u_stby                          |
//   | spare == 0                       | II    | pref_act       | pref_stby                       |
//   | otherwise                        | I     | pref_act       | pref_stby, the rest are spares  |
//
// Ringfort keeps these conditions and figures, and only clamps them to what
// exists: never more active SUs than are in service (level VI asks for
// act_needed of them and gets ins: the lowest-ranked SIs are then left
// unassigned, "SIs drop out"), never more standby SUs than are left over.
// openais LATER (amfsg.c) rewrote the conditions in terms of the preferred
// counts; the two agree on the sample configuration (openais-early.conf:
// 1 SU in service -> V, 2 -> IV, 3 -> III, 4 -> II).
import { assert } from '../../lib-ais/errors.js';

export type ReductionLevel = 'I' | 'II' | 'III' | 'IV' | 'V' | 'VI';

export interface ReductionInput {
  /** SUs in service. */
  inService: number;
  /** SIs of the SG. */
  sis: number;
  prefActive: number;
  prefStandby: number;
  /** maximum-active-instances (>= 1). */
  maxActive: number;
  /** maximum-standby-instances (>= 1). */
  maxStandby: number;
}

export interface Reduction {
  level: ReductionLevel;
  /** How many SUs to make active. */
  activeSus: number;
  /** How many SUs to make standby. */
  standbySus: number;
  /** In-service SUs left over (level I only). */
  spareSus: number;
}

export function nplusmReduction(p: ReductionInput): Reduction {
  for (const [k, v] of Object.entries(p)) assert(Number.isInteger(v) && v >= 0, `reduction input ${k}=${v}`);
  assert(p.maxActive >= 1 && p.maxStandby >= 1, 'maximum instances are at least 1');
  const ins = p.inService;
  const actNeeded = Math.ceil(p.sis / p.maxActive);
  const stbyNeeded = Math.ceil(p.sis / p.maxStandby);
  const uAct = Math.max(ins - p.prefStandby, 0);
  const uStby = Math.max(ins - p.prefActive, 0);
  const spare = Math.max(ins - p.prefActive - p.prefStandby, 0);

  let level: ReductionLevel;
  let active: number;
  let standby: number;
  if (ins < actNeeded) {
    level = 'VI'; active = actNeeded; standby = 0;
  } else if (ins < actNeeded + stbyNeeded) {
    level = 'V'; active = actNeeded; standby = Math.min(stbyNeeded, uStby);
  } else if (p.maxStandby * uStby <= p.sis) {
    level = 'IV'; active = ins - stbyNeeded; standby = stbyNeeded;
  } else if (p.maxActive * uAct <= p.sis) {
    level = 'III'; active = p.prefActive; standby = uStby;
  } else if (spare === 0) {
    level = 'II'; active = p.prefActive; standby = p.prefStandby;
  } else {
    level = 'I'; active = p.prefActive; standby = p.prefStandby;
  }
  active = Math.min(active, ins);
  standby = Math.max(0, Math.min(standby, ins - active));
  return { level, activeSus: active, standbySus: standby, spareSus: ins - active - standby };
}
