// A deterministic stand-in for the AMF driver: it feeds an AmfEngine events
// and plays the world's part in answer to its actions. CLC-CLI commands
// "run" at once (success by default, or as a test's policy says, or held for
// the test to complete); an instantiated SA-aware component "registers" from
// a fresh connection and answers its callbacks (as its behaviour says); a
// cleanup or terminate kills the component's process; timers fire in time
// order when the test advances the clock. Every client request the harness
// makes is checked to get exactly one reply.
import assert from 'node:assert/strict';
import { parseGroupsConf } from '../../amf/config/groups.js';
import { AmfEngine } from '../../amf/engine/engine.js';
import type {
  AmfAction, AmfEvent, Callback, ClientRef, Dn, PresenceState,
} from '../../amf/engine/types.js';
import type { AmfModel } from '../../amf/model.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';

export type RunClc = Extract<AmfAction, { type: 'runClc' }>;
export type ClcResult =
  | { outcome: 'exited'; exitCode: number; signal?: string }
  | { outcome: 'timeout' }
  | { outcome: 'spawnFailed'; message: string }
  | 'hold';

/** How a simulated component behaves. */
export interface CompBehavior {
  /** Register after a successful instantiate (SA-aware). Default true. */
  register: boolean;
  /** Answer to CSI set callbacks: an error, or 'ignore' (never answer). Default OK. */
  csiSet: SaAisErrorT | 'ignore';
  csiRemove: SaAisErrorT | 'ignore';
  terminate: SaAisErrorT | 'ignore';
  healthcheck: SaAisErrorT | 'ignore';
  /** After answering a CSI set QUIESCING OK: saAmfCSIQuiescingComplete with this error, or 'ignore' (never). Default OK. */
  quiescingComplete: SaAisErrorT | 'ignore';
  /** Exit (and close the connection) right after answering the terminate callback OK, or when TERMINATE runs. Default true; false: the process lingers until it exits or is killed (CLEANUP). */
  exitOnTerminate: boolean;
  /** The instantiate command reports the pid, and the process registers with its pid. Default true; false: no pid is known. */
  reportPid: boolean;
}

const DEFAULT_BEHAVIOR: CompBehavior = {
  register: true, csiSet: SaAisErrorT.SA_AIS_OK, csiRemove: SaAisErrorT.SA_AIS_OK,
  terminate: SaAisErrorT.SA_AIS_OK, healthcheck: SaAisErrorT.SA_AIS_OK, quiescingComplete: SaAisErrorT.SA_AIS_OK, exitOnTerminate: true, reportPid: true,
};

export interface Proc { comp: Dn; pid: number; node: number; conn: number; alive: boolean }

export type Reply = Extract<AmfAction, { type: 'reply' }>;
type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A library request without its `at` and with an optional (partial) client. */
export type RequestEvent = DistOmit<Extract<AmfEvent, { client: ClientRef }>, 'client' | 'at'> & { client?: Partial<ClientRef> };
export type CallbackAction = Extract<AmfAction, { type: 'callback' }>;

export function model(text: string): AmfModel {
  return parseGroupsConf(text, '/etc/ais/groups.conf');
}

/** A 2N group of `sus` SUs with one SA-aware component each, one SI with one CSI; `extra` adds group keys. */
export function twoN(opts: { extra?: string; comp?: string; sus?: number; model?: string; sis?: number } = {}): string {
  const sus = opts.sus ?? 2;
  const sis = opts.sis ?? 1;
  let t = `group {\n\tname=demo\n\tmodel=${opts.model ?? '2n'}\n\tclccli_path=/clc\n\tbinary_path=/bin\n${opts.extra ?? ''}\n`;
  for (let i = 1; i <= sus; i++) {
    t += `\tunit {\n\t\tname=SU_${i}\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tinstantiate=clc_cli_script\n\t\t\tterminate=clc_cli_script\n` +
      `\t\t\tcleanup=clc_cli_script\n\t\t\tbn=demo\n${opts.comp ?? ''}\n\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}\n\t\t}\n\t}\n`;
  }
  for (let i = 1; i <= sis; i++) {
    t += `\tserviceinstance {\n\t\tname=SI_${i}\n\t\tcsi_descriptor {\n\t\t\tcsi_name=csi\n\t\t\ttype_name=t\n` +
      `\t\t\tname_value {\n\t\t\t\tname=greeting\n\t\t\t\tvalue=hello\n\t\t\t}\n\t\t}\n\t}\n`;
  }
  return `${t}}\nhealthcheck {\n\tkey=hc\n\tperiod=1000\n\tmaximum_duration=500\n}\n`;
}

export const comp = (su: number, sg = 'demo'): Dn => `safComp=c,safSu=SU_${su},safSg=${sg}`;
export const suDn = (su: number, sg = 'demo'): Dn => `safSu=SU_${su},safSg=${sg}`;
export const csiDn = (si = 1, sg = 'demo'): Dn => `safCsi=csi,safSi=SI_${si},safSg=${sg}`;

export class AmfHarness {
  readonly engine: AmfEngine;
  now = 0;
  readonly timers = new Map<number, { at: number; node: number }>();
  /** Every action, in order. */
  readonly actions: AmfAction[] = [];
  readonly queue: AmfEvent[] = [];
  readonly procs = new Map<Dn, Proc>();
  readonly held: RunClc[] = [];
  readonly behaviors = new Map<Dn, Partial<CompBehavior>>();
  /** Decides each CLC-CLI run's result; default: exit 0. */
  clc: (run: RunClc) => ClcResult = () => ({ outcome: 'exited', exitCode: 0 });
  readonly watched = new Set<string>();
  stopped = 0;
  private nextPid = 1000;
  private nextConn = 100;
  private nextReq = 1;
  /** Requests made, by req id: the replies each got. */
  readonly requests = new Map<number, Reply[]>();

  constructor(readonly model: AmfModel, readonly node = 1) {
    this.engine = new AmfEngine(model, {
      hostOf: () => node, clcEnv: { PATH: '/usr/bin:/bin' }, pidFileOf: (c) => `/run/ringfort/${c.name}.pid`,
    });
  }

  behavior(dn: Dn, b: Partial<CompBehavior>): this {
    this.behaviors.set(dn, { ...this.behaviors.get(dn), ...b });
    return this;
  }

  private b(dn: Dn): CompBehavior {
    return { ...DEFAULT_BEHAVIOR, ...this.behaviors.get(dn) };
  }

  /** Deliver an event now, then everything it leads to at this instant. Returns that step's actions. */
  send(ev: AmfEvent): AmfAction[] {
    const first = this.apply(ev);
    this.drain();
    return first;
  }

  /** A client request from `client` (a fresh one by default); returns its reply. */
  request(ev: RequestEvent): Reply {
    const client = this.client(ev.client);
    this.send({ ...ev, at: this.now, client } as AmfEvent);
    const replies = this.requests.get(client.req) ?? [];
    assert.equal(replies.length, 1, `request ${ev.type} got ${replies.length} replies`);
    return replies[0]!;
  }

  client(p: Partial<ClientRef> = {}): ClientRef {
    const c: ClientRef = { node: p.node ?? this.node, conn: p.conn ?? this.nextConn++, req: this.nextReq++, pid: p.pid ?? this.nextPid++ };
    this.requests.set(c.req, []);
    return c;
  }

  start(): this {
    this.send({ type: 'clusterStart', at: this.now });
    return this;
  }

  /** Advance the clock by `ms`, firing every timer due, in time order (ties by id). */
  advance(ms: number): this {
    const target = this.now + ms;
    for (;;) {
      let next: [number, { at: number }] | undefined;
      for (const e of this.timers) if (e[1].at <= target && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.now = Math.max(this.now, next[1].at);
      this.timers.delete(next[0]);
      this.send({ type: 'timer', at: this.now, timerId: next[0] });
    }
    this.now = target;
    return this;
  }

  /** kill -9 of a component's process: the watch reports it, its connection closes. */
  kill(dn: Dn, signal = 'SIGKILL'): AmfAction[] {
    const p = this.procs.get(dn);
    assert.ok(p?.alive, `no live process for ${dn}`);
    p.alive = false;
    const out = this.apply({ type: 'processExited', at: this.now, comp: dn, pid: p.pid, signal });
    this.queue.push({ type: 'connectionClosed', at: this.now, node: p.node, conn: p.conn });
    this.drain();
    return out;
  }

  /** The component's process exits on its own with `exitCode`: the watch reports it, its connection closes. */
  exit(dn: Dn, exitCode = 0): AmfAction[] {
    const p = this.procs.get(dn);
    assert.ok(p?.alive, `no live process for ${dn}`);
    p.alive = false;
    const out = this.apply({ type: 'processExited', at: this.now, comp: dn, pid: p.pid, exitCode });
    this.queue.push({ type: 'connectionClosed', at: this.now, node: p.node, conn: p.conn });
    this.drain();
    return out;
  }

  /** Complete a held CLC run. */
  complete(run: RunClc, result: Exclude<ClcResult, 'hold'>): void {
    const i = this.held.indexOf(run);
    assert.ok(i >= 0, 'not a held run');
    this.held.splice(i, 1);
    this.finishClc(run, result);
    this.drain();
  }

  private drain(): void {
    for (let n = 0; this.queue.length > 0; n++) {
      assert.ok(n < 100_000, 'the harness does not settle');
      this.apply(this.queue.shift()!);
    }
  }

  private apply(ev: AmfEvent): AmfAction[] {
    const out = this.engine.step(ev);
    for (const a of out) this.perform(a);
    return out;
  }

  private perform(a: AmfAction): void {
    this.actions.push(a);
    switch (a.type) {
      case 'setTimer':
        assert.ok(!this.timers.has(a.timerId), `timer ${a.timerId} set twice`);
        this.timers.set(a.timerId, { at: a.at, node: a.node });
        return;
      case 'cancelTimer':
        this.timers.delete(a.timerId);
        return;
      case 'runClc': {
        const r = this.clc(a);
        if (r === 'hold') this.held.push(a);
        else this.finishClc(a, r);
        return;
      }
      case 'callback':
        this.answer(a);
        return;
      case 'reply': {
        const list = this.requests.get(a.client.req);
        if (list) list.push(a);
        return;
      }
      case 'watchProcess':
        this.watched.add(`${a.comp}#${a.pid}`);
        return;
      case 'unwatchProcess':
        this.watched.delete(`${a.comp}#${a.pid}`);
        return;
      case 'stopped':
        this.stopped++;
        return;
      case 'log':
        return;
    }
  }

  private finishClc(run: RunClc, r: Exclude<ClcResult, 'hold'>): void {
    const base = { type: 'clcCompleted' as const, at: this.now, comp: run.comp, op: run.op, runId: run.runId };
    if (r.outcome !== 'exited' || r.exitCode !== 0 || r.signal !== undefined) {
      this.queue.push({ ...base, ...r });
      return;
    }
    if (run.op === 'instantiate') {
      const pid = this.nextPid++;
      const p: Proc = { comp: run.comp, pid, node: run.node, conn: this.nextConn++, alive: true };
      this.procs.set(run.comp, p);
      const reportPid = this.b(run.comp).reportPid;
      this.queue.push(reportPid ? { ...base, outcome: 'exited', exitCode: 0, pid } : { ...base, outcome: 'exited', exitCode: 0 });
      const sa = this.model.sgs.some((g) => g.sus.some((u) => u.components.some((c) => c.dn === run.comp && c.category === 'sa_aware')));
      if (sa && this.b(run.comp).register) {
        const client = this.client({ node: p.node, conn: p.conn, pid: reportPid ? pid : 0 });
        this.queue.push({ type: 'register', at: this.now, comp: run.comp, client });
      }
      return;
    }
    // terminate / cleanup: the process goes (unless it lingers after a TERMINATE).
    const p = this.procs.get(run.comp);
    if (p?.alive && (run.op === 'cleanup' || this.b(run.comp).exitOnTerminate)) {
      p.alive = false;
      this.queue.push({ type: 'processExited', at: this.now, comp: p.comp, pid: p.pid, signal: 'SIGKILL' });
      this.queue.push({ type: 'connectionClosed', at: this.now, node: p.node, conn: p.conn });
    }
    this.queue.push({ ...base, outcome: 'exited', exitCode: 0 });
  }

  private answer(a: CallbackAction): void {
    const cb = a.callback;
    if (cb.kind === 'pgTrack') return;
    const p = [...this.procs.values()].find((x) => x.alive && x.node === a.node && x.conn === a.conn);
    if (!p) return; // nobody listens on that connection
    const b = this.b(cb.comp);
    const answer = b[cb.kind];
    if (answer === 'ignore') return;
    const client = this.client({ node: p.node, conn: p.conn, pid: p.pid });
    this.queue.push({ type: 'response', at: this.now, invocation: cb.invocation, error: answer, client });
    if (cb.kind === 'csiSet' && cb.haState === 'quiescing' && answer === SaAisErrorT.SA_AIS_OK && b.quiescingComplete !== 'ignore') {
      const c2 = this.client({ node: p.node, conn: p.conn, pid: p.pid });
      this.queue.push({ type: 'quiescingComplete', at: this.now, invocation: cb.invocation, error: b.quiescingComplete, client: c2 });
    }
    if (cb.kind === 'terminate' && answer === SaAisErrorT.SA_AIS_OK && b.exitOnTerminate) {
      // It answers, then exits: the watch reports the exit, its connection closes.
      p.alive = false;
      this.queue.push({ type: 'processExited', at: this.now, comp: p.comp, pid: p.pid, exitCode: 0 });
      this.queue.push({ type: 'connectionClosed', at: this.now, node: p.node, conn: p.conn });
    }
  }

  // --- queries ---------------------------------------------------------------

  logs(): string[] {
    return this.actions.flatMap((a) => (a.type === 'log' ? [a.text] : []));
  }

  callbacks<K extends Callback['kind']>(kind: K, comp?: Dn): Array<Extract<Callback, { kind: K }>> {
    return this.actions.flatMap((a) =>
      a.type === 'callback' && a.callback.kind === kind && (comp === undefined || ('comp' in a.callback && a.callback.comp === comp))
        ? [a.callback as Extract<Callback, { kind: K }>]
        : []);
  }

  runs(op?: string, dn?: Dn): RunClc[] {
    return this.actions.flatMap((a) => (a.type === 'runClc' && (op === undefined || a.op === op) && (dn === undefined || a.comp === dn) ? [a] : []));
  }

  presence(dn: Dn): PresenceState | undefined {
    const s = this.engine.snapshot();
    return s.components.find((c) => c.dn === dn)?.presence ?? s.sus.find((u) => u.dn === dn)?.presence;
  }

  su(dn: Dn) {
    const s = this.engine.snapshot().sus.find((u) => u.dn === dn);
    assert.ok(s, dn);
    return s;
  }

  compState(dn: Dn) {
    const s = this.engine.snapshot().components.find((c) => c.dn === dn);
    assert.ok(s, dn);
    return s;
  }

  /** CSI assignments as "comp csi HA" strings, confirmed only. */
  assigned(): string[] {
    return this.engine.snapshot().csiAssignments.filter((a) => !a.pending).map((a) => `${a.comp} ${a.csi} ${a.haState}`);
  }

  /** Actions since `mark` (an index into `actions`). */
  since(mark: number): AmfAction[] {
    return this.actions.slice(mark);
  }

  /** Every request got exactly one reply. */
  checkReplies(): void {
    for (const [req, rs] of this.requests) assert.equal(rs.length, 1, `request ${req} got ${rs.length} replies`);
  }
}
