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
import type { CompRt, Conn, CsiAssignment, SgRt, SiRt, SuRt } from './runtime.js';
import { sameConn } from './runtime.js';
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

/** Returns the callback's invocation; undefined when no callback can reach the component (it takes effect at once). */
function sendCsiSet(k: Core, c: CompRt, as: CsiAssignment[], haState: HaState, descriptor: CsiDescriptor): number | undefined {
  const reg = c.registration;
  for (const a of as) {
    k.dropPending(a.invocation);
    delete a.invocation;
  }
  if (!reg) {
    // Not SA-aware (or not registered): no callback can reach it; the assignment takes effect at once.
    for (const a of as) confirm(k, a, haState);
    k.log('info', `comp ${c.dn}: ${as.map((a) => a.csi.dn).join(', ')} ${stateName(haState)} (no callback: the component is not registered)`);
    return undefined;
  }
  const invocation = k.invocation();
  const timerId = k.setTimer(c.node, c.model.callbackTimeoutMs, { kind: 'callback', invocation });
  k.pending.set(invocation, { kind: 'csiSet', comp: c, conn: reg.conn, timerId, assignments: as, haState });
  for (const a of as) {
    a.status = 'setting';
    a.invocation = invocation;
  }
  k.callback(reg.conn, { kind: 'csiSet', invocation, comp: c.dn, haState, descriptor });
  return invocation;
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

/** Can a callback reach the component now (whatever its intent)? */
function callable(c: CompRt): boolean {
  return c.registration !== undefined && c.presence === 'instantiated' && c.activity.kind === 'idle';
}

/**
 * Cluster stop: take away everything an SU holds. A component holding CSIs
 * ACTIVE (answered) is drained first: CSI set QUIESCING (TARGET_ALL when they
 * are all it holds, TARGET_ONE per CSI otherwise), and its CSIs are removed
 * once it has called saAmfCSIQuiescingComplete, or answered with an error, or
 * after callback_timeout. Every other component gets one CSI remove
 * (TARGET_ALL) at once. Returns true when callbacks are outstanding.
 */
export function removeAllOfSu(k: Core, su: SuRt): boolean {
  let outstanding = false;
  const quiescing = new Set<SiRt>();
  for (const comp of su.comps) {
    const as = k.csiAssignmentsOfComp(comp);
    if (as.length === 0) continue;
    const active = as.filter((a) => a.haState === 'active' && a.status === 'assigned');
    if (active.length > 0 && callable(comp)) {
      quiesce(k, comp, active, active.length === as.length);
      for (const a of active) quiescing.add(a.csi.si);
      outstanding = true;
      continue;
    }
    sendRemove(k, comp, as, SA_AMF_CSI_TARGET_ALL, '');
    if (as.some((a) => a.status === 'removing')) outstanding = true;
  }
  for (const si of su.sg.sis) {
    const a = k.siAssignment(si, su);
    if (!a) continue;
    if (quiescing.has(si) && a.haState === 'active') {
      k.putSiAssignment(si, su, 'quiescing');
      k.log('notice', `si ${si.dn} on su ${su.dn}: ACTIVE -> QUIESCING (cluster stop)`);
    } else {
      k.deleteSiAssignment(si, su);
    }
  }
  return outstanding;
}

function quiesce(k: Core, c: CompRt, active: CsiAssignment[], all: boolean): void {
  const reg = c.registration;
  assert(reg !== undefined, `quiesce unregistered ${c.dn}`);
  const batches = all ? [active] : active.map((a) => [a]);
  for (const as of batches) {
    for (const a of as) {
      pgTouch(k, a.csi);
      a.haState = 'quiescing';
    }
    const descriptor: CsiDescriptor = all
      ? { flags: SA_AMF_CSI_TARGET_ALL, csi: '', attributes: [] }
      : { flags: SA_AMF_CSI_TARGET_ONE, csi: as[0]!.csi.dn, attributes: [] };
    const invocation = sendCsiSet(k, c, as, 'quiescing', descriptor);
    assert(invocation !== undefined, `quiescing ${c.dn} without a callback`);
    const timerId = k.setTimer(c.node, c.model.callbackTimeoutMs, { kind: 'quiescing', invocation });
    k.quiescing.set(invocation, { comp: c, conn: reg.conn, timerId, assignments: as });
  }
  k.log('notice', `comp ${c.dn}: quiescing ${active.map((a) => a.csi.dn).join(', ')} (cluster stop): ` +
    `CSI set QUIESCING, removal once saAmfCSIQuiescingComplete comes (at most callback_timeout ${c.model.callbackTimeoutMs} ms)`);
}

function quiescingOf(k: Core, p: Extract<Pending, { kind: 'csiSet' }>): number | undefined {
  for (const [invocation, q] of k.quiescing) if (q.assignments === p.assignments) return invocation;
  return undefined;
}

/** The CSI set QUIESCING was answered (or timed out). */
function onQuiescingSetAnswer(k: Core, p: Extract<Pending, { kind: 'csiSet' }>, error: SaAisErrorT | 'timeout'): void {
  const invocation = quiescingOf(k, p);
  if (invocation === undefined) return;
  const q = k.quiescing.get(invocation)!;
  if (error === SaAisErrorT.SA_AIS_OK) {
    const live = p.assignments.filter((a) => k.csiAssignment(a.comp, a.csi) === a && a.status === 'setting');
    for (const a of live) confirm(k, a, 'quiescing');
    k.log('info', `comp ${p.comp.dn}: ${live.map((a) => a.csi.dn).join(', ')} QUIESCING (CSI set answered SA_AIS_OK)`);
    if (q.completed !== undefined) quiescingOutcome(k, invocation, q.completed);
    return;
  }
  const why = error === 'timeout' ? `not answered within callback_timeout ${p.comp.model.callbackTimeoutMs} ms` : `answered ${saAisErrorName(error)}`;
  k.log('warning', `comp ${p.comp.dn}: CSI set callback (QUIESCING) ${why}: its CSIs are removed without waiting`);
  finishQuiescing(k, invocation, false);
}

/** saAmfCSIQuiescingComplete for a QUIESCING callback (the request is validated and answered by the caller). */
export function onQuiescingComplete(k: Core, invocation: number, error: SaAisErrorT): void {
  const q = k.quiescing.get(invocation);
  if (!q) return;
  if (k.pending.has(invocation)) {
    // The CSI set's own answer is still to come: it completes then.
    q.completed = error;
    return;
  }
  quiescingOutcome(k, invocation, error);
}

function quiescingOutcome(k: Core, invocation: number, error: SaAisErrorT): void {
  const q = k.quiescing.get(invocation);
  if (!q) return;
  if (error !== SaAisErrorT.SA_AIS_OK) {
    k.log('warning', `comp ${q.comp.dn}: saAmfCSIQuiescingComplete reported ${saAisErrorName(error)}: its CSIs are removed anyway`);
  }
  finishQuiescing(k, invocation, error === SaAisErrorT.SA_AIS_OK);
}

export function onQuiescingTimeout(k: Core, invocation: number, timerId: number): void {
  const q = k.quiescing.get(invocation);
  if (!q || q.timerId !== timerId) return;
  k.log('warning', `comp ${q.comp.dn}: quiescing not complete within callback_timeout ${q.comp.model.callbackTimeoutMs} ms: its CSIs are removed without waiting`);
  finishQuiescing(k, invocation, false);
}

/** The component's connection closed: no quiescing of its can complete. */
export function quiescingConnectionClosed(k: Core, conn: Conn): void {
  for (const [invocation, q] of [...k.quiescing]) {
    if (!k.quiescing.has(invocation) || !sameConn(q.conn, conn)) continue;
    k.log('warning', `comp ${q.comp.dn}: its connection closed while quiescing: its CSIs are removed`);
    finishQuiescing(k, invocation, false);
  }
}

/** Quiescing ended (QUIESCED when `ok`): once the component has none left, remove all it holds. */
function finishQuiescing(k: Core, invocation: number, ok: boolean): void {
  const q = k.quiescing.get(invocation);
  if (!q) return;
  k.quiescing.delete(invocation);
  k.cancelTimer(q.comp.node, q.timerId);
  k.dropPending(invocation);
  const c = q.comp;
  const live = q.assignments.filter((a) => k.csiAssignment(a.comp, a.csi) === a);
  for (const a of live) delete a.invocation;
  if (ok) {
    for (const a of live) {
      pgTouch(k, a.csi);
      a.haState = 'quiesced';
      a.confirmed = 'quiesced';
      a.status = 'assigned';
    }
    k.log('notice', `comp ${c.dn}: ${live.map((a) => a.csi.dn).join(', ')} QUIESCED (saAmfCSIQuiescingComplete)`);
  }
  const busy = (x: CompRt) => [...k.quiescing.values()].some((o) => o.comp === x);
  if (busy(c)) return;
  if (!c.su.comps.some(busy)) {
    for (const si of c.su.sg.sis) if (k.siAssignment(si, c.su)) k.deleteSiAssignment(si, c.su);
  }
  const as = k.csiAssignmentsOfComp(c);
  if (as.length > 0) sendRemove(k, c, as, SA_AMF_CSI_TARGET_ALL, '');
  removalDone(k, c.su);
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
  if (p.haState === 'quiescing') {
    onQuiescingSetAnswer(k, p, error);
    return;
  }
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

