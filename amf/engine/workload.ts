// Workload assignment: applies the redundancy model's plan (assignment.ts) as
// CSI set and CSI remove callbacks, confirms assignments when the components
// answer, and takes assignments back from components that go down.
//
// Assigning an SI to an SU gives each CSI of the SI to every component of the
// SU whose csi_type_name list holds the CSI's type (exact match): one CSI set
// callback per component and CSI, flags ADD_ONE, with the CSI's attributes;
// ACTIVE with transition NEW_ASSIGN, STANDBY with the active component and
// standby rank 1. A component that cannot be called yet (restarting) gets it
// when it is instantiated again. A non-SA-aware component has no callbacks: its
// assignment takes effect at once.
import { SaAisErrorT, assert, saAisErrorName } from '../../lib-ais/errors.js';
import { acceptsCsi } from '../model.js';
import { planAssignments } from './assignment.js';
import type { Core, Pending } from './core.js';
import { pgTouch } from './pg.js';
import { removalDone } from './cluster.js';
import { fault } from './recovery.js';
import type { CompRt, CsiAssignment, SgRt, SiRt, SuRt } from './runtime.js';
import { stateName } from './states.js';
import type { CsiDescriptor, HaState } from './types.js';

export const SA_AMF_CSI_ADD_ONE = 1;
export const SA_AMF_CSI_TARGET_ONE = 2;
export const SA_AMF_CSI_TARGET_ALL = 4;
export const TRANSITION_NEW_ASSIGN = 1;
export const TRANSITION_NOT_QUIESCED = 3;

/** Can the component take a CSI set callback now? */
function reachable(c: CompRt): boolean {
  return c.presence === 'instantiated' && c.activity.kind === 'idle' && c.intent === 'run';
}

// --- the redundancy model --------------------------------------------------------------

/** Run the SG's redundancy model and apply the plan. */
export function assignSg(k: Core, sg: SgRt): void {
  if (k.cluster !== 'started') return;
  if (!sg.started) {
    // The first assignment waits for every SU to finish instantiating (as openais
    // LATER waited for its cluster start-up timeout), so that it is made once.
    if (sg.sus.some((su) => su.job?.kind === 'instantiate')) return;
    sg.started = true;
  }
  const inService = sg.sus.filter((su) => su.readiness === 'inService');
  const current: Array<{ si: string; su: string; role: 'active' | 'standby' }> = [];
  for (const si of sg.sis) {
    for (const a of k.siAssignments.get(si)?.values() ?? []) {
      if (a.haState === 'active' || a.haState === 'standby') current.push({ si: si.dn, su: a.su.dn, role: a.haState });
    }
  }
  const m = sg.model;
  const plan = planAssignments({
    model: m.redundancyModel, prefActive: m.preferredActiveUnits, prefStandby: m.preferredStandbyUnits,
    maxActive: m.maximumActiveInstances, maxStandby: m.maximumStandbyInstances,
    sus: inService.map((su) => su.dn), sis: sg.sis.map((si) => si.dn), current,
  });
  if (!plan.supported) {
    if (!sg.unsupportedLogged) {
      k.log('warning', `sg ${sg.dn}: redundancy model ${m.redundancyModel} is not supported yet: no SI is assigned`);
      sg.unsupportedLogged = true;
    }
    return;
  }
  if (plan.level !== undefined && plan.level !== sg.reductionLevel) {
    k.log('info', `sg ${sg.dn}: N+M reduction level ${plan.level} with ${inService.length} SU${inService.length === 1 ? '' : 's'} in service`);
    sg.reductionLevel = plan.level;
  }
  const si = (dn: string): SiRt => must(k.world.siByDn.get(dn), dn);
  const su = (dn: string): SuRt => must(k.world.suByDn.get(dn), dn);
  for (const p of plan.promote) promote(k, si(p.si), su(p.su));
  for (const r of plan.remove) removeSiAssignment(k, si(r.si), su(r.su), 'N+M: an active SU holds no standby assignment');
  for (const a of plan.add) addSiAssignment(k, si(a.si), su(a.su), a.role);
  for (const s of sg.sis) {
    if (!k.siAssignments.get(s)?.size) k.log('warning', `si ${s.dn}: UNASSIGNED (no SU in service can take it)`);
  }
}

function must<T>(v: T | undefined, what: string): T {
  assert(v !== undefined, `unknown ${what}`);
  return v;
}

function addSiAssignment(k: Core, si: SiRt, su: SuRt, haState: HaState): void {
  k.putSiAssignment(si, su, haState);
  k.log('notice', `si ${si.dn} assigned ${stateName(haState)} to su ${su.dn}`);
  for (const csi of si.csis) {
    for (const comp of su.comps) {
      if (!acceptsCsi(comp.model, csi.model)) continue;
      pgTouch(k, csi);
      const old = k.csiAssignment(comp, csi);
      if (old) {
        // Given back while its removal is still unanswered: the new assignment replaces it (the
        // component gets the remove, then the new set, in that order); the remove's answer no longer matches.
        assert(old.status === 'removing', `${csi.dn} on ${comp.dn} is already ${old.status}`);
        k.deleteCsiAssignment(old);
      }
      const a: CsiAssignment = { csi, comp, haState, status: 'deferred' };
      k.putCsiAssignment(a);
      sendAddOne(k, a);
    }
  }
}

/** The active component of a CSI: the one with an ACTIVE assignment, else the last that had one. */
function activeCompOf(k: Core, a: CsiAssignment): string {
  for (const b of k.csiAssignmentsOfCsi(a.csi)) if (b.haState === 'active' && b !== a) return b.comp.dn;
  return k.lastActive.get(a.csi) ?? '';
}

/** CSI set with ADD_ONE for an assignment, now if the component can take it, else when it is instantiated. */
function sendAddOne(k: Core, a: CsiAssignment): void {
  const c = a.comp;
  if (!reachable(c)) {
    a.status = 'deferred';
    return;
  }
  const descriptor: CsiDescriptor = {
    flags: SA_AMF_CSI_ADD_ONE, csi: a.csi.dn,
    attributes: a.csi.model.attributes.map((x) => ({ name: x.name, value: x.value })),
  };
  if (a.haState === 'active') {
    descriptor.transition = TRANSITION_NEW_ASSIGN;
    descriptor.activeComp = '';
  } else {
    descriptor.activeComp = activeCompOf(k, a);
    descriptor.standbyRank = 1;
  }
  sendCsiSet(k, c, [a], a.haState, descriptor);
}

function sendCsiSet(k: Core, c: CompRt, as: CsiAssignment[], haState: HaState, descriptor: CsiDescriptor): void {
  const reg = c.registration;
  for (const a of as) {
    k.dropPending(a.invocation);
    delete a.invocation;
  }
  if (!reg) {
    // Not SA-aware (or not registered): no callback can reach it; the assignment takes effect at once.
    for (const a of as) confirm(k, a, haState);
    k.log('info', `comp ${c.dn}: ${as.map((a) => a.csi.dn).join(', ')} ${stateName(haState)} (no callback: the component is not registered)`);
    return;
  }
  const invocation = k.invocation();
  const timerId = k.setTimer(c.node, c.model.callbackTimeoutMs, { kind: 'callback', invocation });
  k.pending.set(invocation, { kind: 'csiSet', comp: c, conn: reg.conn, timerId, assignments: as, haState });
  for (const a of as) {
    a.status = 'setting';
    a.invocation = invocation;
  }
  k.callback(reg.conn, { kind: 'csiSet', invocation, comp: c.dn, haState, descriptor });
}

function confirm(k: Core, a: CsiAssignment, haState: HaState): void {
  pgTouch(k, a.csi);
  a.haState = haState;
  a.confirmed = haState;
  a.status = 'assigned';
  delete a.invocation;
  if (haState === 'active') k.lastActive.set(a.csi, a.comp.dn);
}

/**
 * Failover of one SI to the SU that holds it STANDBY: a CSI set to ACTIVE,
 * transition NOT_QUIESCED, naming the component that was active. TARGET_ALL
 * when the component's assignments are exactly the ones promoted, TARGET_ONE
 * per CSI otherwise.
 */
function promote(k: Core, si: SiRt, su: SuRt): void {
  k.putSiAssignment(si, su, 'active');
  k.log('notice', `si ${si.dn}: su ${su.dn} takes over: STANDBY -> ACTIVE`);
  const csis = new Set(si.csis);
  for (const comp of su.comps) {
    const mine = k.csiAssignmentsOfComp(comp);
    const promoted = mine.filter((a) => csis.has(a.csi) && a.haState === 'standby' && a.status !== 'removing');
    if (promoted.length === 0) continue;
    for (const a of promoted) {
      pgTouch(k, a.csi);
      a.haState = 'active';
    }
    if (!reachable(comp)) {
      for (const a of promoted) {
        k.dropPending(a.invocation);
        delete a.invocation;
        delete a.confirmed;
        a.status = 'deferred';
      }
      continue;
    }
    const first = promoted[0]!;
    const all = promoted.length === mine.length && mine.every((a) => a.status === 'assigned');
    if (all) {
      sendCsiSet(k, comp, promoted, 'active', {
        flags: SA_AMF_CSI_TARGET_ALL, csi: '', transition: TRANSITION_NOT_QUIESCED,
        activeComp: k.lastActive.get(first.csi) ?? '', attributes: [],
      });
    } else {
      for (const a of promoted) {
        sendCsiSet(k, comp, [a], 'active', {
          flags: SA_AMF_CSI_TARGET_ONE, csi: a.csi.dn, transition: TRANSITION_NOT_QUIESCED,
          activeComp: k.lastActive.get(a.csi) ?? '', attributes: [],
        });
      }
    }
  }
}

/** Remove an SU's assignment of an SI with CSI remove callbacks (TARGET_ONE). */
function removeSiAssignment(k: Core, si: SiRt, su: SuRt, cause: string): void {
  k.deleteSiAssignment(si, su);
  k.log('notice', `si ${si.dn} removed from su ${su.dn} (${cause})`);
  for (const comp of su.comps) {
    const as = k.csiAssignmentsOfComp(comp).filter((a) => a.csi.si === si);
    for (const a of as) sendRemove(k, comp, [a], SA_AMF_CSI_TARGET_ONE, a.csi.dn);
  }
}

/**
 * Cluster stop: remove everything an SU holds, one CSI remove (TARGET_ALL) per
 * component. Returns true when removals are outstanding.
 */
export function removeAllOfSu(k: Core, su: SuRt): boolean {
  for (const si of su.sg.sis) k.deleteSiAssignment(si, su);
  let outstanding = false;
  for (const comp of su.comps) {
    const as = k.csiAssignmentsOfComp(comp);
    if (as.length === 0) continue;
    sendRemove(k, comp, as, SA_AMF_CSI_TARGET_ALL, '');
    if (as.some((a) => a.status === 'removing')) outstanding = true;
  }
  return outstanding;
}

function sendRemove(k: Core, c: CompRt, as: CsiAssignment[], flags: number, csi: string): void {
  for (const a of as) {
    k.dropPending(a.invocation);
    delete a.invocation;
  }
  const reg = c.registration;
  if (!reg || c.presence !== 'instantiated' || c.activity.kind !== 'idle') {
    for (const a of as) dropAssignment(k, a);
    return;
  }
  const invocation = k.invocation();
  const timerId = k.setTimer(c.node, c.model.callbackTimeoutMs, { kind: 'callback', invocation });
  k.pending.set(invocation, { kind: 'csiRemove', comp: c, conn: reg.conn, timerId, assignments: as });
  for (const a of as) {
    a.status = 'removing';
    a.invocation = invocation;
  }
  k.callback(reg.conn, { kind: 'csiRemove', invocation, comp: c.dn, csi, flags });
}

function dropAssignment(k: Core, a: CsiAssignment): void {
  pgTouch(k, a.csi);
  if (a.confirmed === 'active') k.lastActive.set(a.csi, a.comp.dn);
  k.dropPending(a.invocation);
  k.deleteCsiAssignment(a);
}

// --- components going down and coming up ---------------------------------------------------

/**
 * The component is being restarted or terminated: a restart keeps its
 * assignments for when it is back (deferred); otherwise they go.
 */
export function compDown(k: Core, c: CompRt): void {
  for (const a of k.csiAssignmentsOfComp(c)) {
    if (c.intent === 'run' && a.status !== 'removing') {
      pgTouch(k, a.csi);
      k.dropPending(a.invocation);
      delete a.invocation;
      if (a.confirmed === 'active') k.lastActive.set(a.csi, c.dn);
      delete a.confirmed;
      a.status = 'deferred';
    } else {
      dropAssignment(k, a);
    }
  }
}

/** The component is instantiated again: give it back what it held (openais B.01.01 did not). */
export function compUp(k: Core, c: CompRt): void {
  for (const a of k.csiAssignmentsOfComp(c)) if (a.status === 'deferred') sendAddOne(k, a);
}

/**
 * An SU leaves service (failover, failure): its assignments are dropped and
 * the redundancy model runs again at once, so that the standbys take over in
 * this same step.
 */
export function suLeftService(k: Core, su: SuRt): void {
  for (const si of su.sg.sis) {
    const a = k.siAssignment(si, su);
    if (!a) continue;
    k.deleteSiAssignment(si, su);
    k.log('notice', `si ${si.dn} removed from su ${su.dn} (${stateName(a.haState)}; the SU is out of service)`);
  }
  for (const comp of su.comps) for (const a of k.csiAssignmentsOfComp(comp)) dropAssignment(k, a);
  assignSg(k, su.sg);
}

// --- answers -------------------------------------------------------------------------

export function onCsiSetAnswer(k: Core, p: Extract<Pending, { kind: 'csiSet' }>, error: SaAisErrorT | 'timeout'): void {
  const live = p.assignments.filter((a) => k.csiAssignment(a.comp, a.csi) === a && a.status === 'setting');
  if (error === SaAisErrorT.SA_AIS_OK) {
    for (const a of live) confirm(k, a, p.haState);
    if (live.length > 0) {
      k.log('info', `comp ${p.comp.dn}: ${live.map((a) => a.csi.dn).join(', ')} ${stateName(p.haState)} (CSI set answered SA_AIS_OK)`);
    }
    return;
  }
  const why = error === 'timeout' ? `not answered within callback_timeout ${p.comp.model.callbackTimeoutMs} ms` : `answered ${saAisErrorName(error)}`;
  for (const a of live) a.status = 'deferred';
  fault(k, p.comp, 'noRecommendation', `CSI set callback (${stateName(p.haState)}) ${why}`);
}

export function onCsiRemoveAnswer(k: Core, p: Extract<Pending, { kind: 'csiRemove' }>, error: SaAisErrorT | 'timeout'): void {
  for (const a of p.assignments) if (k.csiAssignment(a.comp, a.csi) === a) dropAssignment(k, a);
  if (error !== SaAisErrorT.SA_AIS_OK) {
    const why = error === 'timeout' ? `not answered within callback_timeout ${p.comp.model.callbackTimeoutMs} ms` : `answered ${saAisErrorName(error)}`;
    fault(k, p.comp, 'noRecommendation', `CSI remove callback ${why}`);
  }
  removalDone(k, p.comp.su);
}

