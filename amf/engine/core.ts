// The engine's shared state and its primitives: the action batch of the
// current step, the clock of the current event, id counters (timers, runs,
// invocations: never reused, so the engine is deterministic), the registries
// of timers and outstanding callbacks, the assignment tables, and one
// transition() per state machine, which checks the table and logs.
import { assert } from '../../lib-ais/errors.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import type { AmfModel } from '../model.js';
import type { ClcOptions } from './clc.js';
import type { PgSubscriptions } from './pg.js';
import { newPgSubscriptions } from './pg.js';
import {
  buildWorld, type CompRt, type Conn, type CsiAssignment, type CsiRt, type SiAssignment, type SiRt, type SuRt,
  type World,
} from './runtime.js';
import { checkTransition, componentReadiness, stateName, suReadiness } from './states.js';
import type {
  AdminState, AmfAction, Callback, ClientRef, Dn, HaState, OperationalState, PresenceState, ReplyBody,
} from './types.js';
import type { EngineOptions } from './options.js';

export type TimerPurpose =
  | { kind: 'instantiate'; comp: CompRt }
  | { kind: 'instantiateDelay'; comp: CompRt }
  | { kind: 'terminateExit'; comp: CompRt }
  | { kind: 'callback'; invocation: number }
  | { kind: 'quiescing'; invocation: number }
  | { kind: 'healthcheck'; comp: CompRt; key: string }
  | { kind: 'probation'; su: SuRt; which: 'component' | 'su' | 'repair' };

export type Pending =
  | { kind: 'csiSet'; comp: CompRt; conn: Conn; timerId: number; assignments: CsiAssignment[]; haState: HaState }
  | { kind: 'csiRemove'; comp: CompRt; conn: Conn; timerId: number; assignments: CsiAssignment[] }
  | { kind: 'terminate'; comp: CompRt; conn: Conn; timerId: number }
  | { kind: 'healthcheck'; comp: CompRt; conn: Conn; key: string; timerId: number };

/**
 * Cluster stop drain: a CSI set QUIESCING is out (its invocation is the key); it ends with
 * saAmfCSIQuiescingComplete, an error, or callback_timeout from when it went out.
 */
export interface Quiescing { comp: CompRt; conn: Conn; timerId: number; assignments: CsiAssignment[]; completed?: SaAisErrorT }

export type LogLevel = Extract<AmfAction, { type: 'log' }>['level'];

export class Core {
  readonly world: World;
  readonly clc: ClcOptions;
  /** Actions of the step in progress. */
  actions: AmfAction[] = [];
  /** `at` of the event in progress. */
  now = 0;
  private nextTimerId = 1;
  private nextRunId = 1;
  private nextInvocation = 1;
  readonly timers = new Map<number, TimerPurpose>();
  readonly pending = new Map<number, Pending>();
  /** QUIESCING callbacks at cluster stop, by invocation, until quiescing is complete (or failed or timed out). */
  readonly quiescing = new Map<number, Quiescing>();
  /** SI -> SU -> assignment. */
  readonly siAssignments = new Map<SiRt, Map<SuRt, SiAssignment>>();
  /** CSI -> component -> assignment. */
  readonly byCsi = new Map<CsiRt, Map<CompRt, CsiAssignment>>();
  /** component -> CSI -> assignment. */
  readonly byComp = new Map<CompRt, Map<CsiRt, CsiAssignment>>();
  /** The component that last held each CSI ACTIVE (for the activeComp of a takeover). */
  readonly lastActive = new Map<CsiRt, Dn>();
  readonly pg: PgSubscriptions = newPgSubscriptions();
  cluster: 'idle' | 'started' | 'stopping' | 'stopped' = 'idle';

  constructor(model: AmfModel, opts: EngineOptions) {
    this.world = buildWorld(model, (su) => opts.hostOf(su));
    this.clc = { clcEnv: opts.clcEnv, pidFileOf: (c) => opts.pidFileOf(c) };
  }

  // --- output -------------------------------------------------------------

  emit(a: AmfAction): void {
    this.actions.push(a);
  }

  log(level: LogLevel, text: string): void {
    this.actions.push({ type: 'log', level, text });
  }

  reply(client: ClientRef, error: SaAisErrorT, body?: ReplyBody): void {
    this.actions.push(body ? { type: 'reply', client, error, body } : { type: 'reply', client, error });
  }

  callback(conn: Conn, callback: Callback): void {
    this.actions.push({ type: 'callback', node: conn.node, conn: conn.conn, callback });
  }

  // --- ids, timers, invocations ---------------------------------------------

  runId(): number {
    return this.nextRunId++;
  }

  invocation(): number {
    return this.nextInvocation++;
  }

  setTimer(node: number, delayMs: number, purpose: TimerPurpose): number {
    assert(Number.isFinite(delayMs) && delayMs >= 0, `timer delay ${delayMs}`);
    const timerId = this.nextTimerId++;
    this.timers.set(timerId, purpose);
    this.actions.push({ type: 'setTimer', node, timerId, at: this.now + delayMs });
    return timerId;
  }

  /** Cancel a timer if it is still armed; undefined is allowed for convenience. */
  cancelTimer(node: number, timerId: number | undefined): void {
    if (timerId === undefined || !this.timers.delete(timerId)) return;
    this.actions.push({ type: 'cancelTimer', node, timerId });
  }

  /** Forget an outstanding callback and its timer. */
  dropPending(invocation: number | undefined): Pending | undefined {
    if (invocation === undefined) return undefined;
    const p = this.pending.get(invocation);
    if (!p) return undefined;
    this.pending.delete(invocation);
    this.cancelTimer(p.comp.node, p.timerId);
    return p;
  }

  // --- transitions ----------------------------------------------------------

  setCompPresence(c: CompRt, to: PresenceState, cause: string): void {
    if (c.presence === to) return;
    checkTransition('presence', c.dn, c.presence, to, cause);
    this.log('info', `comp ${c.dn} presence ${stateName(c.presence)} -> ${stateName(to)} (${cause})`);
    c.presence = to;
    this.updateCompReadiness(c, cause);
  }

  setCompOperational(c: CompRt, to: OperationalState, cause: string): void {
    if (c.operational === to) return;
    checkTransition('operational', c.dn, c.operational, to, cause);
    this.log('info', `comp ${c.dn} operational ${stateName(c.operational)} -> ${stateName(to)} (${cause})`);
    c.operational = to;
    this.updateCompReadiness(c, cause);
  }

  setSuPresence(su: SuRt, to: PresenceState, cause: string): void {
    if (su.presence === to) return;
    checkTransition('suPresence', su.dn, su.presence, to, cause);
    this.log('info', `su ${su.dn} presence ${stateName(su.presence)} -> ${stateName(to)} (${cause})`);
    su.presence = to;
    this.updateSuReadiness(su, cause);
  }

  setSuOperational(su: SuRt, to: OperationalState, cause: string): void {
    if (su.operational === to) return;
    checkTransition('operational', su.dn, su.operational, to, cause);
    this.log(to === 'disabled' ? 'warning' : 'info', `su ${su.dn} operational ${stateName(su.operational)} -> ${stateName(to)} (${cause})`);
    su.operational = to;
    this.updateSuReadiness(su, cause);
  }

  setSuAdmin(su: SuRt, to: AdminState, cause: string): void {
    if (su.admin === to) return;
    checkTransition('admin', su.dn, su.admin, to, cause);
    this.log('notice', `su ${su.dn} admin ${stateName(su.admin)} -> ${stateName(to)} (${cause})`);
    su.admin = to;
    this.updateSuReadiness(su, cause);
  }

  /** Readiness is derived; returns true when it changed. */
  updateSuReadiness(su: SuRt, cause: string): boolean {
    const to = suReadiness({ operational: su.operational, presence: su.presence, admins: [su.admin, su.sg.admin] });
    if (to === su.readiness) return false;
    this.log('info', `su ${su.dn} readiness ${stateName(su.readiness)} -> ${stateName(to)} (${cause})`);
    su.readiness = to;
    for (const c of su.comps) this.updateCompReadiness(c, cause);
    return true;
  }

  updateCompReadiness(c: CompRt, cause: string): void {
    const to = componentReadiness({ operational: c.operational, presence: c.presence, su: c.su.readiness });
    if (to === c.readiness) return;
    this.log('debug', `comp ${c.dn} readiness ${stateName(c.readiness)} -> ${stateName(to)} (${cause})`);
    c.readiness = to;
  }

  // --- assignment tables ------------------------------------------------------

  siAssignment(si: SiRt, su: SuRt): SiAssignment | undefined {
    return this.siAssignments.get(si)?.get(su);
  }

  siAssignmentsOfSu(su: SuRt): SiAssignment[] {
    const out: SiAssignment[] = [];
    for (const si of su.sg.sis) {
      const a = this.siAssignments.get(si)?.get(su);
      if (a) out.push(a);
    }
    return out;
  }

  putSiAssignment(si: SiRt, su: SuRt, haState: HaState): SiAssignment {
    let m = this.siAssignments.get(si);
    if (!m) this.siAssignments.set(si, (m = new Map()));
    const old = m.get(su);
    checkTransition('ha', `${si.dn} on ${su.dn}`, old?.haState ?? 'none', haState, 'assignment');
    const a: SiAssignment = old ?? { si, su, haState };
    a.haState = haState;
    m.set(su, a);
    return a;
  }

  deleteSiAssignment(si: SiRt, su: SuRt): void {
    this.siAssignments.get(si)?.delete(su);
  }

  csiAssignment(comp: CompRt, csi: CsiRt): CsiAssignment | undefined {
    return this.byComp.get(comp)?.get(csi);
  }

  csiAssignmentsOfComp(comp: CompRt): CsiAssignment[] {
    return [...(this.byComp.get(comp)?.values() ?? [])];
  }

  csiAssignmentsOfCsi(csi: CsiRt): CsiAssignment[] {
    return [...(this.byCsi.get(csi)?.values() ?? [])];
  }

  putCsiAssignment(a: CsiAssignment): void {
    assert(!this.byComp.get(a.comp)?.has(a.csi), `duplicate CSI assignment ${a.csi.dn} on ${a.comp.dn}`);
    let byComp = this.byComp.get(a.comp);
    if (!byComp) this.byComp.set(a.comp, (byComp = new Map()));
    byComp.set(a.csi, a);
    let byCsi = this.byCsi.get(a.csi);
    if (!byCsi) this.byCsi.set(a.csi, (byCsi = new Map()));
    byCsi.set(a.comp, a);
  }

  deleteCsiAssignment(a: CsiAssignment): void {
    this.byComp.get(a.comp)?.delete(a.csi);
    this.byCsi.get(a.csi)?.delete(a.comp);
  }
}
