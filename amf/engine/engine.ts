// The AMF engine: a pure, deterministic state machine (DESIGN.md principles 1
// and 3). step() takes one event and returns the actions it causes; the
// driver performs them and feeds back what happens (CLC completions, timer
// expiries, process exits, library requests) as further events. The same model
// and the same event sequence give the same actions: timer ids, CLC run ids and
// callback invocations come from counters.
//
// docs/amf-engine.md describes the events, actions, state tables, assignment,
// escalation and timers. The work is split by concern:
//   states.ts      transition tables and readiness
//   lifecycle.ts   instantiate / terminate / cleanup, SU jobs
//   clc.ts         CLC-CLI commands
//   workload.ts    CSI set / remove, applying the redundancy model
//   assignment.ts  redundancy models as pure plans; reduction.ts the N+M reduction
//   recovery.ts    faults, escalation (escalation.ts), failover
//   healthcheck.ts, pg.ts, requests.ts, cluster.ts
import { SaAisErrorT } from '../../lib-ais/errors.js';
import type { AmfModel } from '../model.js';
import { clusterStart, clusterStop } from './cluster.js';
import { Core } from './core.js';
import { healthcheckConfirm, healthcheckStart, healthcheckStop, onHealthcheckTimer } from './healthcheck.js';
import { onClcCompleted, onExitTimeout, onInstantiateDelay, onInstantiateTimeout } from './lifecycle.js';
import type { EngineOptions } from './options.js';
import { pgFlush, pgTrack, pgTrackStop } from './pg.js';
import { onProbationTimer } from './recovery.js';
import {
  answer, connectionClosed, errorClear, errorReport, findComp, pmStart, pmStop, processExited, quiescingComplete, register,
  response, unregister,
} from './requests.js';
import type { AmfAction, AmfEvent, AmfSnapshot, AssignmentState, Dn, HaState } from './types.js';
import { onQuiescingTimeout } from './workload.js';

export type { EngineOptions } from './options.js';

export class AmfEngine {
  private readonly k: Core;

  constructor(model: AmfModel, opts: EngineOptions) {
    this.k = new Core(model, opts);
  }

  /** Apply one event; returns the actions to perform, in order. */
  step(event: AmfEvent): AmfAction[] {
    const k = this.k;
    k.actions = [];
    if (typeof event.at === 'number' && Number.isFinite(event.at)) k.now = event.at;
    this.dispatch(event);
    pgFlush(k);
    const out = k.actions;
    k.actions = [];
    return out;
  }

  private dispatch(ev: AmfEvent): void {
    const k = this.k;
    switch (ev.type) {
      case 'clusterStart':
        return clusterStart(k);
      case 'clusterStop':
        return clusterStop(k);
      case 'clcCompleted':
        return onClcCompleted(k, ev);
      case 'processExited':
        return processExited(k, ev);
      case 'register':
        return register(k, ev);
      case 'unregister':
        return unregister(k, ev);
      case 'connectionClosed':
        return connectionClosed(k, { node: ev.node, conn: ev.conn });
      case 'healthcheckStart':
        return healthcheckStart(k, ev);
      case 'healthcheckConfirm':
        return healthcheckConfirm(k, ev);
      case 'healthcheckStop':
        return healthcheckStop(k, ev);
      case 'pmStart':
        return pmStart(k, ev);
      case 'pmStop':
        return pmStop(k, ev);
      case 'response':
        return response(k, ev);
      case 'quiescingComplete':
        return quiescingComplete(k, ev);
      case 'errorReport':
        return errorReport(k, ev);
      case 'errorClear':
        return errorClear(k, ev);
      case 'pgTrack':
        return pgTrack(k, ev.csi, ev.flags, ev.client);
      case 'pgTrackStop':
        return pgTrackStop(k, ev.csi, ev.client);
      case 'timer':
        return this.timer(ev.timerId);
      default: {
        // Not a known event (a newer peer, a decoding mistake): log it, never throw.
        const unknown = ev as { type?: unknown; client?: unknown };
        k.log('warning', `unknown AMF event type ${String(unknown.type)}: ignored`);
        if (isClientRef(unknown.client)) k.reply(unknown.client, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
      }
    }
  }

  private timer(timerId: number): void {
    const k = this.k;
    const t = k.timers.get(timerId);
    if (!t) return; // cancelled, or fired twice
    k.timers.delete(timerId);
    switch (t.kind) {
      case 'instantiate':
        return onInstantiateTimeout(k, t.comp, timerId);
      case 'instantiateDelay':
        return onInstantiateDelay(k, t.comp, timerId);
      case 'terminateExit':
        return onExitTimeout(k, t.comp, timerId);
      case 'healthcheck':
        return onHealthcheckTimer(k, t.comp, t.key, timerId);
      case 'probation':
        return onProbationTimer(k, t.su, t.which, timerId);
      case 'quiescing':
        return onQuiescingTimeout(k, t.invocation, timerId);
      case 'callback': {
        const p = k.pending.get(t.invocation);
        if (!p || p.timerId !== timerId) return;
        k.pending.delete(t.invocation);
        return answer(k, p, 'timeout');
      }
    }
  }

  /** saAmfHAStateGet: the HA state the component has (or is being given) for the CSI. */
  haState(comp: Dn, csi: Dn): HaState | undefined {
    const c = findComp(this.k, comp);
    const s = this.k.world.csiByDn.get(csi);
    if (!c || !s) return undefined;
    const a = this.k.csiAssignment(c, s);
    return a && a.status !== 'deferred' ? a.haState : undefined;
  }

  snapshot(): AmfSnapshot {
    const k = this.k;
    const w = k.world;
    return {
      components: w.comps.map((c) => ({
        dn: c.dn, su: c.su.dn, presence: c.presence, operational: c.operational, readiness: c.readiness,
        restartCount: c.restartCount, ...(pidOf(c) !== undefined ? { pid: pidOf(c) } : {}),
      })),
      sus: w.sus.map((su) => ({
        dn: su.dn, sg: su.sg.dn, node: su.node, admin: su.admin, presence: su.presence, operational: su.operational,
        readiness: su.readiness, restartCount: su.restartCount, escalationLevel: su.escalation.level,
      })),
      sgs: w.sgs.map((sg) => ({
        dn: sg.dn, admin: sg.admin, redundancyModel: sg.model.redundancyModel,
        ...(sg.reductionLevel !== undefined ? { reductionLevel: sg.reductionLevel } : {}),
      })),
      sis: w.sis.map((si) => ({ dn: si.dn, sg: si.sg.dn, admin: si.admin, assignment: this.assignmentState(si.dn) })),
      siAssignments: w.sis.flatMap((si) =>
        [...(k.siAssignments.get(si)?.values() ?? [])].map((a) => ({ si: si.dn, su: a.su.dn, haState: a.haState }))),
      csiAssignments: w.csis.flatMap((csi) =>
        k.csiAssignmentsOfCsi(csi).map((a) => ({ csi: csi.dn, comp: a.comp.dn, haState: a.haState, pending: a.status !== 'assigned' }))),
    };
  }

  private assignmentState(siDn: Dn): AssignmentState {
    const k = this.k;
    const si = k.world.siByDn.get(siDn);
    if (!si) return 'unassigned';
    const as = [...(k.siAssignments.get(si)?.values() ?? [])];
    if (!as.some((a) => a.haState === 'active')) return 'unassigned';
    const m = si.sg.model;
    const wantStandby = m.redundancyModel === '2n' || (m.redundancyModel === 'nplusm' && m.preferredStandbyUnits > 0);
    if (wantStandby && !as.some((a) => a.haState === 'standby')) return 'partiallyAssigned';
    return 'fullyAssigned';
  }
}

/** The component's process: the one that registered, else the one its instantiate command reported. */
function pidOf(c: { registration?: { pid: number }; clcPid?: number }): number | undefined {
  return c.registration?.pid ?? c.clcPid;
}

function isClientRef(x: unknown): x is { node: number; conn: number; req: number; pid: number } {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.node === 'number' && typeof r.conn === 'number' && typeof r.req === 'number' && typeof r.pid === 'number';
}
