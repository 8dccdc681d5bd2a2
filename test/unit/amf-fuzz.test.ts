// The AMF engine on hostile input: random sequences of events, with garbage
// DNs, duplicate and unknown responses, stray timers, CLC completions in any
// order, random process exits and closed connections. Whatever the sequence,
// the engine never throws (its assertions hold), answers every client request
// with exactly one reply in the same step, emits `stopped` at most once, and
// never gives an SI two ACTIVE or two STANDBY assignments. Seeded: a failure
// prints the seed and path to replay it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AmfEngine } from '../../amf/engine/engine.js';
import type { AmfAction, AmfEvent, ClientRef, Recovery } from '../../amf/engine/types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { AmfHarness, model, twoN } from '../helpers/amf-harness.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';

const SEED = 20260601;

const MODEL_TEXTS = [
  twoN({ sus: 3, extra: '\tcomponent_restart_max=1\n\tunit_restart_max=1\n\tcomponent_restart_probation=3000\n\tunit_restart_probation=5000',
    comp: '\t\t\tinstantiate_retries=1\n\t\t\tinstantiate_delay=100\n\t\t\tinstantiate_timeout=1000\n\t\t\tcallback_timeout=500' }),
  twoN({ model: 'nplusm', sus: 4, sis: 3, extra: '\tpreferred-active-units=2\n\tmaximum-active-instances=2\n\tcomponent_restart_max=0\n\tunit_restart_max=1' }) +
    twoN({ model: 'noredundancy', sus: 2, sis: 2, comp: '\t\t\tcomptype=non_proxied_non_sa_aware' })
      .replace('name=demo', 'name=nored').replace(/healthcheck \{[^}]*\}\n/, ''),
];
const MODELS = MODEL_TEXTS.map((t) => model(t));

/** recovery_on_error values for the fault property ('' leaves the default). */
const ON_ERROR = ['', 'component_failover', 'node_failover', 'no_recommendation', 'cluster_reset'] as const;

/** Model `mi` with auto_repair=yes in every group and recovery_on_error on every component, as asked. */
function variant(mi: number, autoRepair: boolean, onError: (typeof ON_ERROR)[number]) {
  let t = MODEL_TEXTS[mi]!;
  if (autoRepair) t = t.replace(/^\tmodel=/gm, '\tauto_repair=yes\n\tmodel=');
  if (onError !== '') t = t.replace(/^\t\t\tname=c$/gm, `\t\t\tname=c\n\t\t\trecovery_on_error=${onError}`);
  return model(t);
}

const RECOVERIES: Recovery[] = [
  'noRecommendation', 'componentRestart', 'componentFailover', 'nodeSwitchover', 'nodeFailover', 'nodeFailfast', 'clusterReset',
  'applicationRestart', 'bogus' as Recovery,
];
const GARBAGE = ['', 'safComp=x', 'c', 'safComp=c,safSu=SU_9,safSg=demo', 'safCsi=csi', '\u0000', 'x'.repeat(300)];

type Op = [number, number, number, number];

class Driver {
  readonly engine: AmfEngine;
  now = 0;
  readonly timers = new Map<number, number>();
  readonly runs: Array<Extract<AmfAction, { type: 'runClc' }>> = [];
  readonly invocations: number[] = [];
  /** Callbacks not yet answered by a cooperative move. */
  readonly callbacks: Array<{ invocation: number; conn: number }> = [];
  /** Events a move implies (a registration after a successful instantiate). */
  readonly followUps: AmfEvent[] = [];
  readonly pids: number[] = [1, 2];
  readonly conns: number[] = [1];
  readonly comps: string[];
  readonly csis: string[];
  stopped = 0;
  private req = 1;

  constructor(m: (typeof MODELS)[number]) {
    this.engine = new AmfEngine(m, { hostOf: () => 1, clcEnv: {}, pidFileOf: () => '/p' });
    this.comps = m.sgs.flatMap((g) => g.sus.flatMap((u) => u.components.map((c) => c.dn)));
    this.csis = m.sgs.flatMap((g) => g.sis.flatMap((s) => s.csis.map((c) => c.dn)));
  }

  pick<T>(xs: readonly T[], n: number): T | undefined {
    return xs.length === 0 ? undefined : xs[n % xs.length];
  }

  comp(n: number): string {
    return n % 7 === 0 ? GARBAGE[n % GARBAGE.length]! : this.pick(this.comps, n)!;
  }

  client(n: number): ClientRef {
    const conn = n % 3 === 0 || this.conns.length === 0 ? 100 + this.conns.length : this.pick(this.conns, n)!;
    if (!this.conns.includes(conn)) this.conns.push(conn);
    return { node: 1, conn, req: this.req++, pid: this.pick(this.pids, n) ?? 5 };
  }

  /** Out of 64, how many moves cooperate (complete a command, register, answer a callback, let time pass); the rest are chaos. */
  cooperation = 40;

  event([op, a, b, c]: Op): AmfEvent {
    const kind = op < this.cooperation ? 24 + (op % 7) : op % 24;
    this.now += c % 700;
    const at = this.now;
    const comp = this.comp(a);
    switch (kind) {
      // Cooperative moves, so that random runs reach assignment, failover and stop.
      case 24: case 25: case 26: {
        const run = this.runs.shift();
        if (!run) break;
        if (run.op === 'instantiate') {
          const pid = 5000 + this.req;
          this.pids.push(pid);
          const conn = 200 + this.req;
          this.conns.push(conn);
          this.followUps.push({ type: 'register', at, comp: run.comp, client: { node: 1, conn, req: this.req++, pid } });
          return { type: 'clcCompleted', at, comp: run.comp, op: run.op, runId: run.runId, outcome: 'exited', exitCode: 0, pid };
        }
        return { type: 'clcCompleted', at, comp: run.comp, op: run.op, runId: run.runId, outcome: 'exited', exitCode: 0 };
      }
      case 27: case 28: case 29: {
        const cb = this.callbacks.shift();
        if (!cb) break;
        return { type: 'response', at, invocation: cb.invocation, error: SaAisErrorT.SA_AIS_OK, client: { node: 1, conn: cb.conn, req: this.req++, pid: 1 } };
      }
      case 30: {
        const first = [...this.timers].sort((x, y) => x[1] - y[1])[0];
        if (!first) break;
        this.now = Math.max(this.now, first[1]);
        return { type: 'timer', at: this.now, timerId: first[0] };
      }
      default:
    }
    switch (kind >= 24 ? 0 : kind) {
      case 0: return { type: 'clusterStart', at };
      case 1: return a % 10 === 0 ? { type: 'clusterStop', at } : { type: 'clusterStart', at };
      case 2: case 3: case 4: {
        const run = this.runs.length > 0 ? this.runs.splice(a % this.runs.length, 1)[0]! : undefined;
        const outcomes = [
          { outcome: 'exited' as const, exitCode: 0, pid: 3000 + b % 50 }, { outcome: 'exited' as const, exitCode: 0 },
          { outcome: 'exited' as const, exitCode: 1 }, { outcome: 'timeout' as const },
          { outcome: 'spawnFailed' as const, message: 'ENOENT' }, { outcome: 'exited' as const, exitCode: 0, signal: 'SIGKILL' },
        ];
        const o = outcomes[b % 7 === 6 ? 0 : b % outcomes.length]!;
        if ('pid' in o && o.pid !== undefined) this.pids.push(o.pid);
        const stale = b % 13 === 0;
        if (run && stale) this.runs.push(run); // a stale completion: the real one is still to come
        return run
          ? { type: 'clcCompleted', at, comp: run.comp, op: run.op, runId: stale ? run.runId + 1000 : run.runId, ...o }
          : { type: 'clcCompleted', at, comp, op: 'cleanup', runId: b, ...o };
      }
      case 5: case 6: {
        const id = b % 5 === 0 ? b : this.pick([...this.timers.keys()], b);
        if (id !== undefined) {
          const t = this.timers.get(id);
          if (t !== undefined) this.now = Math.max(this.now, t);
        }
        return { type: 'timer', at: this.now, timerId: id ?? b };
      }
      case 7: case 8: return { type: 'register', at, comp, ...(b % 11 === 0 ? { proxy: this.comp(b) } : {}), client: this.client(b) };
      case 9: return { type: 'unregister', at, comp, client: this.client(b) };
      case 10: case 11: {
        const inv = b % 6 === 0 ? b : this.pick(this.invocations, b) ?? b;
        const error = c % 5 === 0 ? SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION : c % 17 === 0 ? (99 as SaAisErrorT) : SaAisErrorT.SA_AIS_OK;
        return { type: 'response', at, invocation: inv, error, client: this.client(c) };
      }
      case 12: return { type: 'quiescingComplete', at, invocation: this.pick(this.invocations, b) ?? b, error: SaAisErrorT.SA_AIS_OK, client: this.client(c) };
      case 13: return {
        type: 'healthcheckStart', at, comp, key: b % 5 === 0 ? 'nokey' : 'hc', invocation: b % 2 ? 'amfInvoked' : 'componentInvoked',
        recovery: this.pick(RECOVERIES, c)!, client: this.client(c),
      };
      case 14: return { type: 'healthcheckConfirm', at, comp, key: 'hc', result: c % 4 === 0 ? SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION : SaAisErrorT.SA_AIS_OK, client: this.client(c) };
      case 15: return { type: 'healthcheckStop', at, comp, key: b % 3 ? 'hc' : 'x', client: this.client(c) };
      case 16: return { type: 'pmStart', at, comp, pid: this.pick(this.pids, b) ?? b, depth: 0, errors: (c % 9), recovery: this.pick(RECOVERIES, b)!, client: this.client(c) };
      case 17: return { type: 'pmStop', at, comp, qualifier: this.pick(['proc', 'procAndDescendents', 'allProcesses', 'bogus'] as const, c) as 'proc', pid: this.pick(this.pids, b) ?? b, errors: 7, client: this.client(c) };
      case 18: return { type: 'errorReport', at, comp, recovery: this.pick(RECOVERIES, b)!, client: this.client(c) };
      case 19: return { type: 'errorClear', at, comp, client: this.client(c) };
      case 20: return { type: 'pgTrack', at, csi: b % 6 === 0 ? this.pick(GARBAGE, b)! : this.pick(this.csis, b)!, flags: [1, 2, 4, 3, 5, 6, 0, 8][c % 8]!, client: this.client(c) };
      case 21: return { type: 'pgTrackStop', at, csi: this.pick(this.csis, b) ?? 'x', client: this.client(c) };
      case 22: return { type: 'processExited', at, comp, pid: this.pick(this.pids, b) ?? b, ...(c % 2 ? { signal: 'SIGKILL' } : { exitCode: c % 3 }) };
      default: return { type: 'connectionClosed', at, node: 1, conn: this.pick(this.conns, b) ?? b };
    }
  }

  step(ev: AmfEvent): void {
    const acts = this.engine.step(ev);
    const client = (ev as { client?: ClientRef }).client;
    const replies = acts.filter((x) => x.type === 'reply');
    if (client) {
      assert.equal(replies.length, 1, `${ev.type} got ${replies.length} replies`);
      assert.equal(replies[0]!.type === 'reply' && replies[0]!.client.req, client.req);
    } else {
      assert.equal(replies.length, 0, `${ev.type} is no request but produced a reply`);
    }
    for (const x of acts) {
      switch (x.type) {
        case 'setTimer':
          assert.ok(!this.timers.has(x.timerId), 'a timer id is never reused');
          assert.ok(Number.isFinite(x.at));
          this.timers.set(x.timerId, x.at);
          break;
        case 'cancelTimer':
          this.timers.delete(x.timerId);
          break;
        case 'runClc':
          this.runs.push(x);
          break;
        case 'callback':
          if ('invocation' in x.callback) {
            this.invocations.push(x.callback.invocation);
            this.callbacks.push({ invocation: x.callback.invocation, conn: x.conn });
          }
          break;
        case 'stopped':
          this.stopped++;
          break;
        default:
      }
    }
    if (ev.type === 'timer') this.timers.delete(ev.timerId);
    assert.ok(this.stopped <= 1, 'stopped at most once');
    const s = this.engine.snapshot();
    for (const si of s.sis) {
      const roles = s.siAssignments.filter((x) => x.si === si.dn).map((x) => x.haState);
      assert.ok(roles.filter((r) => r === 'active').length <= 1, `${si.dn}: one ACTIVE at most`);
      assert.ok(roles.filter((r) => r === 'standby').length <= 1, `${si.dn}: one STANDBY at most`);
    }
  }
}

describe('AMF engine under random events (property)', () => {
  shallowStacksDuringBlock();

  it('never throws, answers every request exactly once, stops at most once, never doubles an ACTIVE or STANDBY', () => {
    const op = fc.tuple(fc.nat(63), fc.nat(1000), fc.nat(1000), fc.nat(1000));
    const cooperation = fc.integer({ min: 32, max: 62 });
    fc.assert(fc.property(fc.nat(MODELS.length - 1), cooperation, fc.array(op, { minLength: 1, maxLength: 200 }), (mi, coop, ops) => {
      const d = new Driver(MODELS[mi]!);
      d.cooperation = coop;
      d.step({ type: 'clusterStart', at: 0 });
      for (const o of ops) {
        d.step(d.event(o));
        while (d.followUps.length > 0) d.step(d.followUps.shift()!);
      }
      // Then let it run down: complete every command, fire every timer, stop.
      d.step({ type: 'clusterStop', at: d.now });
      for (let i = 0; i < 2000 && (d.runs.length > 0 || d.timers.size > 0); i++) {
        const run = d.runs.shift();
        if (run) {
          d.step({ type: 'clcCompleted', at: d.now, comp: run.comp, op: run.op, runId: run.runId, outcome: 'exited', exitCode: 0 });
          continue;
        }
        const [id, at] = [...d.timers].sort((x, y) => x[1] - y[1])[0]!;
        d.now = Math.max(d.now, at);
        d.step({ type: 'timer', at: d.now, timerId: id });
      }
      assert.equal(d.stopped, 1, 'the stop completes once everything has run down');
    }), { seed: SEED, numRuns: 250 });
  });
});

describe('AMF engine under random faults with a cooperative world (property)', () => {
  shallowStacksDuringBlock();

  it('components that answer, crash, hang and report errors at random: the invariants hold and the stop completes', () => {
    const fault = fc.tuple(fc.nat(9), fc.nat(100), fc.nat(100));
    fc.assert(fc.property(fc.nat(MODELS.length - 1), fc.boolean(), fc.nat(ON_ERROR.length - 1), fc.array(fault, { maxLength: 40 }), (mi, autoRepair, oe, faults) => {
      const h = new AmfHarness(variant(mi, autoRepair, ON_ERROR[oe]!));
      assert.equal(h.model.sgs[0]!.autoRepair, autoRepair);
      assert.equal(h.model.sgs[0]!.sus[0]!.components[0]!.recoveryOnError === 'componentRestart', oe === 0, 'recovery_on_error applied');
      const comps = MODELS[mi]!.sgs.flatMap((g) => g.sus.flatMap((u) => u.components.map((c) => c.dn)));
      const check = (): void => {
        const s = h.engine.snapshot();
        for (const si of s.sis) {
          const roles = s.siAssignments.filter((x) => x.si === si.dn).map((x) => x.haState);
          assert.ok(roles.filter((r) => r === 'active').length <= 1);
          assert.ok(roles.filter((r) => r === 'standby').length <= 1);
        }
        for (const a of s.csiAssignments) {
          const c = s.components.find((x) => x.dn === a.comp)!;
          if (!a.pending) assert.equal(c.presence, 'instantiated', `${a.comp} holds ${a.csi} while ${c.presence}`);
        }
      };
      h.start();
      check();
      for (const [kind, x, y] of faults) {
        const dn = comps[x % comps.length]!;
        const alive = h.procs.get(dn)?.alive;
        switch (kind) {
          case 0: if (alive) h.kill(dn); break;
          case 1: h.request({ type: 'errorReport', comp: dn, recovery: (['componentRestart', 'componentFailover', 'noRecommendation', 'nodeFailover'] as const)[y % 4]! }); break;
          case 2: h.behavior(dn, { csiSet: y % 3 === 0 ? 'ignore' : y % 3 === 1 ? SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION : SaAisErrorT.SA_AIS_OK }); break;
          case 3: h.behavior(dn, { register: y % 4 !== 0 }); break;
          case 4: if (alive) h.request({ type: 'healthcheckStart', comp: dn, key: 'hc', invocation: y % 2 ? 'amfInvoked' : 'componentInvoked', recovery: 'componentRestart', client: { conn: h.procs.get(dn)!.conn } }); break;
          case 5: h.behavior(dn, { healthcheck: y % 2 ? 'ignore' : SaAisErrorT.SA_AIS_OK, terminate: y % 3 ? SaAisErrorT.SA_AIS_OK : 'ignore' }); break;
          case 6: h.clc = (r) => (r.op === 'instantiate' && y % 5 === 0 ? { outcome: 'exited', exitCode: 1 } : r.op === 'cleanup' && y % 11 === 0 ? { outcome: 'timeout' } : { outcome: 'exited', exitCode: 0 }); break;
          default: h.advance(y * 50);
        }
        check();
      }
      h.clc = () => ({ outcome: 'exited', exitCode: 0 });
      h.send({ type: 'clusterStop', at: h.now });
      h.advance(120_000);
      assert.equal(h.stopped, 1);
      h.checkReplies();
      for (const c of h.engine.snapshot().components) {
        assert.ok(['uninstantiated', 'terminationFailed', 'instantiationFailed'].includes(c.presence), `${c.dn} ${c.presence} after the stop`);
      }
    }), { seed: SEED, numRuns: 150 });
  });
});
