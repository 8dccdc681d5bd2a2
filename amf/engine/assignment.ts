// Redundancy models as pure planning functions: given the SG's configuration,
// which SUs are in service (in configuration order, which is their rank) and
// the SU<->SI assignments that exist, say which assignments to add, which
// STANDBY assignments to promote to ACTIVE and which to remove. Existing
// assignments are never moved (there is no auto-adjust yet): a plan only fills
// gaps, so running it again after it has been applied plans nothing.
//
// Rules (specification B.02.01 §3.7, shared/reference/amf.md §1.4):
// - 2N (§3.7.2): one in-service SU holds every SI ACTIVE, one other holds every
//   SI STANDBY; the rest are spares. When no SU is active but one is standby,
//   the standby SU takes over (failover).
// - N+M (§3.7.3): an SU is active for all of its SIs or standby for all of
//   them; each SI has at most one ACTIVE and one STANDBY assignment; the number
//   of active and standby SUs comes from the reduction procedure
//   (reduction.ts); an active SU takes at most
//   min(maximum-active-instances, ceil(SIs / active SUs)) SIs, as openais did,
//   and likewise for standby SUs. A standby SU that takes over an SI becomes an
//   active SU: its remaining STANDBY assignments are removed.
// - No-Redundancy (§3.7.6): each SI is ACTIVE on at most one SU, each SU holds
//   at most one SI; spare SUs take the SIs of failed ones.
// - N-Way and N-Way-Active: not supported yet; nothing is assigned.
import { assert } from '../../lib-ais/errors.js';
import type { RedundancyModel } from '../model.js';
import { nplusmReduction, type ReductionLevel } from './reduction.js';

export type Role = 'active' | 'standby';

export interface PlanInput {
  model: RedundancyModel;
  prefActive: number;
  prefStandby: number;
  maxActive: number;
  maxStandby: number;
  /** In-service SUs, in configuration (rank) order. */
  sus: readonly string[];
  /** SIs in configuration (rank) order. */
  sis: readonly string[];
  /** Existing SU<->SI assignments (ACTIVE or STANDBY; others are ignored), on in-service SUs. */
  current: ReadonlyArray<{ si: string; su: string; role: Role }>;
}

export interface Plan {
  supported: boolean;
  level?: ReductionLevel;
  /** STANDBY assignments to make ACTIVE (first, for speed). */
  promote: Array<{ si: string; su: string }>;
  /** STANDBY assignments to remove. */
  remove: Array<{ si: string; su: string }>;
  add: Array<{ si: string; su: string; role: Role }>;
}

/** The current assignments as a mutable table, so that planning can apply its own steps as it goes. */
class Table {
  private readonly bySi = new Map<string, Map<string, Role>>();
  constructor(input: PlanInput) {
    const inService = new Set(input.sus);
    const known = new Set(input.sis);
    for (const a of input.current) {
      if (!inService.has(a.su) || !known.has(a.si)) continue;
      this.set(a.si, a.su, a.role);
    }
  }
  set(si: string, su: string, role: Role): void {
    let m = this.bySi.get(si);
    if (!m) this.bySi.set(si, (m = new Map()));
    m.set(su, role);
  }
  delete(si: string, su: string): void {
    this.bySi.get(si)?.delete(su);
  }
  holder(si: string, role: Role): string | undefined {
    for (const [su, r] of this.bySi.get(si) ?? []) if (r === role) return su;
    return undefined;
  }
  roleOf(si: string, su: string): Role | undefined {
    return this.bySi.get(si)?.get(su);
  }
  load(su: string, role: Role): number {
    let n = 0;
    for (const m of this.bySi.values()) if (m.get(su) === role) n++;
    return n;
  }
  has(su: string, role?: Role): boolean {
    for (const m of this.bySi.values()) {
      const r = m.get(su);
      if (r !== undefined && (role === undefined || r === role)) return true;
    }
    return false;
  }
  sisOf(su: string, role: Role): string[] {
    const out: string[] = [];
    for (const [si, m] of this.bySi) if (m.get(su) === role) out.push(si);
    return out;
  }
}

export function planAssignments(input: PlanInput): Plan {
  assert(new Set(input.sus).size === input.sus.length, 'SUs are distinct');
  switch (input.model) {
    case '2n':
      return plan2n(input);
    case 'nplusm':
      return planNplusM(input);
    case 'noredundancy':
      return planNoRedundancy(input);
    case 'nway':
    case 'nwayactive':
      return { supported: false, promote: [], remove: [], add: [] };
  }
}

function plan2n(input: PlanInput): Plan {
  const t = new Table(input);
  const plan: Plan = { supported: true, promote: [], remove: [], add: [] };
  let activeSu = input.sus.find((su) => t.has(su, 'active'));
  if (activeSu === undefined) {
    // The active SU is gone: the standby SU takes over every SI it protects.
    activeSu = input.sus.find((su) => t.has(su, 'standby'));
    if (activeSu !== undefined) {
      for (const si of t.sisOf(activeSu, 'standby')) {
        plan.promote.push({ si, su: activeSu });
        t.set(si, activeSu, 'active');
      }
    }
  }
  activeSu ??= input.sus.find((su) => !t.has(su));
  if (activeSu === undefined) return plan;
  for (const si of input.sis) {
    if (t.holder(si, 'active') !== undefined) continue;
    if (t.roleOf(si, activeSu) === 'standby') {
      plan.promote.push({ si, su: activeSu });
    } else {
      plan.add.push({ si, su: activeSu, role: 'active' });
    }
    t.set(si, activeSu, 'active');
  }
  const standbySu =
    input.sus.find((su) => su !== activeSu && t.has(su, 'standby')) ??
    input.sus.find((su) => su !== activeSu && !t.has(su));
  if (standbySu === undefined) return plan;
  for (const si of input.sis) {
    if (t.holder(si, 'standby') !== undefined || t.roleOf(si, standbySu) !== undefined) continue;
    plan.add.push({ si, su: standbySu, role: 'standby' });
    t.set(si, standbySu, 'standby');
  }
  return plan;
}

function planNplusM(input: PlanInput): Plan {
  const t = new Table(input);
  const plan: Plan = { supported: true, promote: [], remove: [], add: [] };
  const red = nplusmReduction({
    inService: input.sus.length, sis: input.sis.length,
    prefActive: input.prefActive, prefStandby: input.prefStandby,
    maxActive: input.maxActive, maxStandby: input.maxStandby,
  });
  plan.level = red.level;

  // Failover: an SI whose ACTIVE assignment is gone goes to its standby SU.
  for (const si of input.sis) {
    if (t.holder(si, 'active') !== undefined) continue;
    const su = t.holder(si, 'standby');
    if (su === undefined) continue;
    plan.promote.push({ si, su });
    t.set(si, su, 'active');
  }
  // An N+M SU is active or standby, never both: a promoted SU drops its other standbys.
  for (const su of input.sus) {
    if (!t.has(su, 'active')) continue;
    for (const si of t.sisOf(su, 'standby')) {
      plan.remove.push({ si, su });
      t.delete(si, su);
    }
  }

  const activeSus = input.sus.filter((su) => t.has(su, 'active'));
  for (const su of input.sus) {
    if (activeSus.length >= red.activeSus) break;
    if (!t.has(su)) activeSus.push(su);
  }
  const standbySus = input.sus.filter((su) => t.has(su, 'standby'));
  for (const su of input.sus) {
    if (standbySus.length >= red.standbySus) break;
    if (!t.has(su) && !activeSus.includes(su)) standbySus.push(su);
  }

  fill(input, t, plan, activeSus, 'active', input.maxActive, () => true);
  fill(input, t, plan, standbySus, 'standby', input.maxStandby, (si) => t.holder(si, 'active') !== undefined);
  return plan;
}

/** Give each SI lacking `role` to the first of `sus` with room, in SI rank order. */
function fill(
  input: PlanInput, t: Table, plan: Plan, sus: readonly string[], role: Role, max: number, wanted: (si: string) => boolean,
): void {
  if (sus.length === 0) return;
  const cap = Math.min(max, Math.ceil(input.sis.length / sus.length));
  for (const si of input.sis) {
    if (t.holder(si, role) !== undefined || !wanted(si)) continue;
    const su = sus.find((s) => t.load(s, role) < cap && t.roleOf(si, s) === undefined);
    if (su === undefined) continue;
    plan.add.push({ si, su, role });
    t.set(si, su, role);
  }
}

function planNoRedundancy(input: PlanInput): Plan {
  const t = new Table(input);
  const plan: Plan = { supported: true, promote: [], remove: [], add: [] };
  for (const si of input.sis) {
    if (t.holder(si, 'active') !== undefined) continue;
    const su = input.sus.find((s) => !t.has(s));
    if (su === undefined) break;
    plan.add.push({ si, su, role: 'active' });
    t.set(si, su, 'active');
  }
  return plan;
}
