// The engine's run-time state beside the (frozen) information model: one
// record per entity, keyed by DN, built once from the model in configuration
// order. Only the engine's modules mutate these records.
import type { AmfComponent, AmfCsi, AmfHealthcheckKey, AmfModel, AmfSg, AmfSi, AmfSu } from '../model.js';
import type { EscalationCounters } from './escalation.js';
import { INITIAL_COUNTERS } from './escalation.js';
import type {
  AdminState, ClientRef, Dn, HaState, HealthcheckInvocation, OperationalState, PresenceState, ReadinessState, Recovery,
} from './types.js';

/** Where a client lives: its node and IPC connection. */
export interface Conn { node: number; conn: number }

export function sameConn(a: Conn, b: Conn): boolean {
  return a.node === b.node && a.conn === b.conn;
}

export function connOf(c: ClientRef): Conn {
  return { node: c.node, conn: c.conn };
}

/** What a component is busy with; `idle` when nothing is in flight. */
export type Activity =
  | { kind: 'idle' }
  /** INSTANTIATE is running (clcDone false) or has exited 0 and an SA-aware component has yet to register. */
  | { kind: 'instantiate'; runId: number; attempt: number; clcDone: boolean; timerId?: number }
  /** Waiting instantiate_delay before the next attempt. */
  | { kind: 'instantiateDelay'; attempt: number; timerId: number }
  /** The terminate callback is out (SA-aware). */
  | { kind: 'terminateCallback'; invocation: number }
  | { kind: 'terminateClc'; runId: number }
  /** CLEANUP is running; `attempt` when it cleans up after a failed instantiation attempt. */
  | { kind: 'cleanup'; runId: number; attempt?: number }
  /**
   * Terminated gracefully (terminate callback answered OK, or TERMINATE exited 0): waiting, at most
   * terminate_timeout, for the component's own processes (`exitPids`) to end before it counts as terminated.
   */
  | { kind: 'awaitExit'; timerId: number; why: string };

/**
 * What the component should end up as: `run` instantiated (a restart goes on
 * to instantiate), `stop` uninstantiated (cluster stop), `disable`
 * uninstantiated and out of service (SU failover, failed SU).
 */
export type Intent = 'run' | 'stop' | 'disable';

export interface HealthcheckRt {
  key: string;
  invocation: HealthcheckInvocation;
  recovery: Recovery;
  /** The client that started it: AMF-invoked callbacks go to it. */
  conn: Conn;
  periodMs: number;
  maximumDurationMs: number;
  /** AMF-invoked: the period timer (waiting to call), or the outstanding callback. Component-invoked: the confirm deadline. */
  timerId?: number;
  pendingInvocation?: number;
}

export interface CompRt {
  readonly model: AmfComponent;
  readonly dn: Dn;
  readonly su: SuRt;
  readonly node: number;
  presence: PresenceState;
  operational: OperationalState;
  readiness: ReadinessState;
  /** saAmfCompRestartCount: restarts since the start, never reset. */
  restartCount: number;
  intent: Intent;
  activity: Activity;
  /** The registered client, for callbacks. */
  registration?: { conn: Conn; pid: number };
  /** The pid the instantiate command reported (pid file), while the component runs. */
  clcPid?: number;
  /** Processes watched as the component itself (the pid the CLC reported, the registering process). */
  readonly ownPids: Set<number>;
  /**
   * While it is terminated gracefully: its own processes not yet seen to end, still watched. Their end is
   * expected, not a fault; the component is not terminated until they are gone (or CLEANUP ran).
   */
  readonly exitPids: Set<number>;
  /** Processes watched by saAmfPmStart, with the recovery to apply and the ends that count (SaAmfPmErrorsT). */
  readonly pmPids: Map<number, { recovery: Recovery; errors: number }>;
  readonly healthchecks: Map<string, HealthcheckRt>;
  /** saAmfComponentErrorReport was called and not cleared. */
  errorReported: boolean;
  /** Set for categories the engine does not manage yet (proxied): never instantiated. */
  readonly unsupported: boolean;
}

/** An SU's life-cycle job: components are handled one at a time, in order. */
export interface SuJob {
  kind: 'instantiate' | 'terminate' | 'restart';
  /** restart: first `terminate` (reverse order) then `instantiate`. */
  phase: 'instantiate' | 'terminate';
  /** Components still to handle, in the order to handle them. */
  queue: CompRt[];
  /** terminate: gracefully (callbacks, TERMINATE) or abruptly (CLEANUP). */
  graceful: boolean;
}

export interface SuRt {
  readonly model: AmfSu;
  readonly dn: Dn;
  readonly sg: SgRt;
  readonly node: number;
  readonly comps: CompRt[];
  admin: AdminState;
  presence: PresenceState;
  operational: OperationalState;
  readiness: ReadinessState;
  /** saAmfSURestartCount. */
  restartCount: number;
  escalation: EscalationCounters;
  compProbationTimer?: number;
  suProbationTimer?: number;
  /** Armed for unit_restart_probation after an auto-repair: a failover meanwhile is not repaired again. */
  repairProbationTimer?: number;
  job?: SuJob;
  /** clusterStop: the SU's assignments are being removed before it is terminated. */
  stopping?: 'removing' | 'terminating' | 'done';
}

export interface SgRt {
  readonly model: AmfSg;
  readonly dn: Dn;
  readonly sus: SuRt[];
  readonly sis: SiRt[];
  admin: AdminState;
  reductionLevel?: string;
  /** The first assignment waits until every SU of the SG has finished instantiating. */
  started: boolean;
  /** nway/nwayactive: logged once. */
  unsupportedLogged: boolean;
}

export interface SiRt {
  readonly model: AmfSi;
  readonly dn: Dn;
  readonly sg: SgRt;
  readonly csis: CsiRt[];
  admin: AdminState;
}

export interface CsiRt {
  readonly model: AmfCsi;
  readonly dn: Dn;
  readonly si: SiRt;
}

/** SU <-> SI assignment: the unit of the redundancy model. */
export interface SiAssignment {
  readonly si: SiRt;
  readonly su: SuRt;
  haState: HaState;
}

/**
 * Component <-> CSI assignment. `deferred`: the component is not instantiated
 * (restarting); the CSI set callback goes out when it is. `setting`: the CSI
 * set callback is out. `assigned`: answered OK. `removing`: the CSI remove
 * callback is out.
 */
export interface CsiAssignment {
  readonly csi: CsiRt;
  readonly comp: CompRt;
  /** The HA state AMF gives it (a CSI set to this state may still be unanswered). */
  haState: HaState;
  /** The HA state the component has accepted (answered OK): what protection groups show. */
  confirmed?: HaState;
  status: 'deferred' | 'setting' | 'assigned' | 'removing';
  /** The outstanding CSI set or remove callback. */
  invocation?: number;
}

export interface World {
  readonly sgs: SgRt[];
  readonly sus: SuRt[];
  readonly comps: CompRt[];
  readonly sis: SiRt[];
  readonly csis: CsiRt[];
  readonly compByDn: Map<Dn, CompRt>;
  /** Plain component names that are unique in the model (docs/groups-conf.md: accepted where unambiguous). */
  readonly compByName: Map<string, CompRt>;
  readonly suByDn: Map<Dn, SuRt>;
  readonly siByDn: Map<Dn, SiRt>;
  readonly csiByDn: Map<Dn, CsiRt>;
  readonly healthcheckKeys: Map<string, AmfHealthcheckKey>;
}

export function buildWorld(model: AmfModel, hostOf: (su: AmfSu) => number): World {
  const w: World = {
    sgs: [], sus: [], comps: [], sis: [], csis: [],
    compByDn: new Map(), compByName: new Map(), suByDn: new Map(), siByDn: new Map(), csiByDn: new Map(),
    healthcheckKeys: new Map(model.healthchecks.map((h) => [h.key, h])),
  };
  const nameCount = new Map<string, number>();
  for (const sgm of model.sgs) {
    const sg: SgRt = { model: sgm, dn: sgm.dn, sus: [], sis: [], admin: 'unlocked', started: false, unsupportedLogged: false };
    w.sgs.push(sg);
    for (const sum of sgm.sus) {
      const su: SuRt = {
        model: sum, dn: sum.dn, sg, node: hostOf(sum), comps: [], admin: 'unlocked', presence: 'uninstantiated',
        operational: 'enabled', readiness: 'outOfService', restartCount: 0, escalation: INITIAL_COUNTERS,
      };
      sg.sus.push(su);
      w.sus.push(su);
      w.suByDn.set(su.dn, su);
      for (const cm of sum.components) {
        const comp: CompRt = {
          model: cm, dn: cm.dn, su, node: su.node, presence: 'uninstantiated', operational: 'enabled',
          readiness: 'outOfService', restartCount: 0, intent: 'stop', activity: { kind: 'idle' },
          ownPids: new Set(), exitPids: new Set(), pmPids: new Map(), healthchecks: new Map(), errorReported: false,
          unsupported: cm.category === 'proxied_pre' || cm.category === 'proxied_non_pre',
        };
        su.comps.push(comp);
        w.comps.push(comp);
        w.compByDn.set(comp.dn, comp);
        nameCount.set(cm.name, (nameCount.get(cm.name) ?? 0) + 1);
      }
    }
    for (const sim of sgm.sis) {
      const si: SiRt = { model: sim, dn: sim.dn, sg, csis: [], admin: 'unlocked' };
      sg.sis.push(si);
      w.sis.push(si);
      w.siByDn.set(si.dn, si);
      for (const cm of sim.csis) {
        const csi: CsiRt = { model: cm, dn: cm.dn, si };
        si.csis.push(csi);
        w.csis.push(csi);
        w.csiByDn.set(csi.dn, csi);
      }
    }
  }
  for (const c of w.comps) if (nameCount.get(c.model.name) === 1) w.compByName.set(c.model.name, c);
  return w;
}
