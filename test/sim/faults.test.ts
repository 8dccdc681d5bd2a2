// The simulator's fault machinery on its own, with a scripted stand-in core:
// links (partitions, one-way, clogging, bursts), node faults (crash, restart
// from the disk or a stale value, pause, leave), drop rules, refusal retries,
// and the fault planner's shape.
import assert from 'node:assert/strict';
import type { NodeId, RingId, TotemAction, TotemEvent, TotemMessage } from '../../aisexec/totem/types.js';
import { SimCluster, type CoreLike } from './cluster.js';
import { FAULT_KINDS, planFaults } from './faults.js';
import { Network, type NetworkParams } from './network.js';
import { Prng } from './prng.js';

const QUIET: NetworkParams = { lossProbability: 0, duplicateProbability: 0, delayMinMs: 1, delayMeanMs: 0 };

/** A scripted core: pings on a timer, stores ring seq + 4 at start, refuses the first `refuse` submissions. */
class ScriptCore implements CoreLike {
  readonly seen: { now: number; what: string }[] = [];
  currentState = 'gather';
  readonly ringId: RingId = { rep: 1, seq: 0n };
  refuse = 0;
  constructor(
    readonly nodeId: NodeId,
    readonly bootSeq: bigint,
  ) {}
  queues(): { recvHighWater: number; newQueued: number } {
    return { recvHighWater: 0, newQueued: 0 };
  }
  private join(failSet: NodeId[] = []): TotemMessage {
    return { type: 'memb_join', source: this.nodeId, procSet: [this.nodeId], failSet, ringSeq: this.bootSeq };
  }
  step(e: TotemEvent): TotemAction[] {
    this.seen.push({ now: e.now, what: e.kind === 'packet' ? `packet ${e.message.type} from ${e.from}` : e.kind === 'timer' ? `timer ${e.name}` : e.kind });
    switch (e.kind) {
      case 'start':
        return [{ kind: 'store_ring_seq', seq: this.bootSeq + 4n }, { kind: 'set_timer', name: 'join', afterMs: 10 }];
      case 'timer':
        return [{ kind: 'send_multicast', message: this.join() }, { kind: 'set_timer', name: 'join', afterMs: 10 }];
      case 'leave':
        return [{ kind: 'send_multicast', message: this.join([this.nodeId]) }];
      case 'app_mcast':
        if (this.refuse > 0) {
          this.refuse--;
          return [{ kind: 'mcast_refused', reqId: e.reqId }];
        }
        return [];
      default:
        return [];
    }
  }
}

function cluster(nodes: NodeId[], net: NetworkParams = QUIET): { c: SimCluster; cores: ScriptCore[] } {
  const cores: ScriptCore[] = [];
  const c = new SimCluster(new Prng(1), net, (id, seq) => {
    const core = new ScriptCore(id, seq);
    cores.push(core);
    return core;
  }, nodes, { trace: true, traceLines: 1000, submitRetryMs: 5, healedNetwork: net });
  return { c, cores };
}

const latest = (cores: ScriptCore[], id: NodeId): ScriptCore => cores.filter((x) => x.nodeId === id).at(-1)!;
const packetsFrom = (core: ScriptCore, from: NodeId): number[] => core.seen.filter((s) => s.what === `packet memb_join from ${from}`).map((s) => s.now);

describe('sim fault machinery', () => {
  describe('network links', () => {
    it('a partition blocks both ways, a one-way block only one direction, and unblocking restores them', () => {
      const n = new Network(new Prng(1), QUIET);
      n.block(1, 2);
      assert.equal(n.route(1, 2, 0).lost, 'partition');
      assert.deepEqual(n.route(2, 1, 0).arrivals, [1]);
      n.block(1, 2); // a second, overlapping partition
      n.unblock(1, 2);
      assert.equal(n.route(1, 2, 0).lost, 'partition', 'still blocked by the other partition');
      n.unblock(1, 2);
      assert.deepEqual(n.route(1, 2, 0).arrivals, [1]);
    });
    it('a clogged link holds packets until the clog ends; a burst loses them until it ends; heal removes both', () => {
      const n = new Network(new Prng(1), QUIET);
      n.clog(1, 2, 50);
      assert.deepEqual(n.route(1, 2, 10).arrivals, [51]);
      assert.deepEqual(n.route(1, 2, 60).arrivals, [61]);
      n.burst(2, 1, 100, 1);
      assert.equal(n.route(2, 1, 10).lost, 'burst');
      assert.deepEqual(n.route(2, 1, 100).arrivals, [101]);
      n.clog(1, 2, 500);
      n.block(3, 1);
      n.heal();
      assert.deepEqual(n.route(1, 2, 10).arrivals, [11]);
      assert.deepEqual(n.route(3, 1, 10).arrivals, [11]);
    });
    it('i.i.d. loss and duplication happen at about their rates', () => {
      const n = new Network(new Prng(3), { lossProbability: 0.2, duplicateProbability: 0.1, delayMinMs: 1, delayMeanMs: 1 });
      let lost = 0;
      let dup = 0;
      for (let i = 0; i < 10_000; i++) {
        const r = n.route(1, 2, 0);
        if (r.lost === 'loss') lost++;
        if (r.arrivals.length === 2) dup++;
      }
      assert.ok(lost > 1800 && lost < 2200, `lost ${lost}`);
      assert.ok(dup > 650 && dup < 950, `duplicated ${dup}`);
    });
  });

  describe('nodes', () => {
    it('a multicast reaches every other node, not the sender, and nothing reaches a crashed node', () => {
      const { c, cores } = cluster([1, 2, 3]);
      for (const n of [1, 2, 3]) c.bootAt(n, 0);
      c.faultAt({ at: 25, fault: { kind: 'crash', node: 3 } });
      c.runUntil(() => false, 40, 1e6);
      assert.deepEqual(packetsFrom(latest(cores, 2), 1), [11, 21, 31]);
      assert.deepEqual(packetsFrom(latest(cores, 1), 1), []);
      assert.deepEqual(packetsFrom(latest(cores, 3), 1), [11, 21], 'the crash at 25 stops delivery to n3');
      assert.ok(c.counts.lostDown > 0);
      assert.deepEqual(c.liveNodes(), [1, 2]);
    });
    it('a crash kills the node\'s timers; a restart boots a new core from the disk', () => {
      const { c, cores } = cluster([1, 2]);
      c.bootAt(1, 0);
      c.bootAt(2, 0);
      c.faultAt({ at: 15, fault: { kind: 'crash', node: 1 } });
      c.faultAt({ at: 17, fault: { kind: 'restart', node: 1, stale: false } });
      c.runUntil(() => false, 30, 1e6);
      const [first, second] = cores.filter((x) => x.nodeId === 1);
      assert.deepEqual(first!.seen.map((s) => s.what).filter((w) => w.startsWith('timer')), ['timer join'], 'the join timer armed at 10 died with the crash at 15');
      assert.equal(second!.bootSeq, 4n, 'the disk held the seq stored by the first boot');
      assert.deepEqual(second!.seen.filter((s) => s.what === 'timer join').map((s) => s.now), [27]);
      const boots = c.history.nodes.get(1)!.filter((e) => e.kind === 'boot');
      assert.equal(boots.length, 2);
    });
    it('a re-armed timer fires once, at its last time; an earlier re-arm fires early; a cancelled one never', () => {
      const fired: string[] = [];
      const script: Record<number, TotemAction[]> = {
        0: [{ kind: 'set_timer', name: 'token_loss', afterMs: 10 }, { kind: 'set_timer', name: 'join', afterMs: 10 }, { kind: 'set_timer', name: 'consensus', afterMs: 10 }],
        5: [{ kind: 'set_timer', name: 'token_loss', afterMs: 20 }, { kind: 'set_timer', name: 'join', afterMs: 1 }, { kind: 'cancel_timer', name: 'consensus' }],
      };
      const core: CoreLike = {
        currentState: 'gather',
        queues: () => ({}),
        step: (e) => {
          if (e.kind === 'timer') fired.push(`${e.now} ${e.name}`);
          return e.kind === 'start' ? script[0]! : e.kind === 'packet' ? script[5]! : [];
        },
      };
      const c = new SimCluster(new Prng(1), QUIET, () => core, [1, 2], { trace: false, traceLines: 0, submitRetryMs: 5, healedNetwork: QUIET });
      c.bootAt(1, 0);
      c.runUntil(() => false, 4, 1e6);
      // A packet reaching n1 at 5 makes it re-arm (the network delay is 1 ms).
      (c as unknown as { transmit(f: number, t: number, m: TotemMessage): void }).transmit(2, 1, { type: 'token_hold_cancel', source: 2, ringId: { rep: 1, seq: 4n } });
      c.runUntil(() => false, 100, 1e6);
      assert.deepEqual(fired, ['6 join', '25 token_loss']);
    });
    it('a stale restart boots from an older value the disk held', () => {
      const { c, cores } = cluster([1]);
      c.bootAt(1, 0);
      for (const [at, stale] of [[5, false], [6, false], [7, true]] as const) {
        c.faultAt({ at: at - 0.5, fault: { kind: 'crash', node: 1 } });
        c.faultAt({ at, fault: { kind: 'restart', node: 1, stale } });
      }
      c.runUntil(() => false, 8, 1e6);
      assert.deepEqual(cores.map((x) => x.bootSeq), [0n, 4n, 8n, cores[3]!.bootSeq]);
      assert.ok(cores[3]!.bootSeq < 12n, `stale boot with ${cores[3]!.bootSeq}, the disk had 12`);
      const last = c.history.nodes.get(1)!.filter((e) => e.kind === 'boot').at(-1)!;
      assert.ok(last.kind === 'boot' && last.stale);
    });
    it('a pause queues packets and timers and handles them in order, late, in a burst at the resume', () => {
      const { c, cores } = cluster([1, 2]);
      c.bootAt(1, 0);
      c.bootAt(2, 0);
      c.faultAt({ at: 12, fault: { kind: 'pause', node: 2, ms: 30 } });
      c.runUntil(() => false, 50, 1e6);
      const n2 = latest(cores, 2);
      const during = n2.seen.filter((s) => s.now > 12 && s.now <= 42).map((s) => `${s.now} ${s.what}`);
      assert.deepEqual(during, ['42 timer join', '42 packet memb_join from 1', '42 packet memb_join from 1', '42 packet memb_join from 1'],
        'n2\'s own timer was due at 20; n1 pinged at 20, 30, 40 (arriving 21, 31, 41)');
      assert.ok(c.counts.pausedEvents >= 4);
      assert.ok(packetsFrom(latest(cores, 1), 2).every((t) => t <= 12 || t > 42), 'n2 sent nothing while paused');
    });
    it('a leave hands the core a leave event, performs its actions, then stops the node', () => {
      const { c, cores } = cluster([1, 2]);
      c.bootAt(1, 0);
      c.bootAt(2, 0);
      c.faultAt({ at: 5, fault: { kind: 'leave', node: 1 } });
      c.runUntil(() => false, 30, 1e6);
      assert.deepEqual(latest(cores, 1).seen.map((s) => s.what), ['start', 'leave']);
      assert.deepEqual(packetsFrom(latest(cores, 2), 1), [6], 'the leave went out');
      assert.equal(c.status(1), 'down');
      assert.ok(c.history.nodes.get(1)!.some((e) => e.kind === 'down' && e.how === 'leave'));
    });
    it('a drop rule drops the next messages of its type at a node in the named state, and only those', () => {
      const { c, cores } = cluster([1, 2]);
      c.bootAt(1, 0);
      c.bootAt(2, 0);
      c.faultAt({ at: 1, fault: { kind: 'drop', type: 'memb_join', state: 'gather', node: 2, count: 2, untilMs: 1000 } });
      c.faultAt({ at: 1, fault: { kind: 'drop', type: 'memb_join', state: 'commit', node: 1, count: 5, untilMs: 1000 } });
      c.runUntil(() => false, 45, 1e6);
      assert.deepEqual(packetsFrom(latest(cores, 2), 1), [31, 41], 'the joins arriving at 11 and 21 were dropped');
      assert.deepEqual(packetsFrom(latest(cores, 1), 2), [11, 21, 31, 41], 'n1 is never in commit');
      assert.equal(c.counts.dropped, 2);
    });
    it('a refused submission is retried until accepted; a submission to a down node is skipped', () => {
      const { c, cores } = cluster([1, 2]);
      c.bootAt(1, 0);
      c.runUntil(() => false, 0, 1e6);
      latest(cores, 1).refuse = 2;
      c.submitAt(1, 'n1/0', 'agreed', 1);
      c.submitAt(2, 'n2/0', 'agreed', 1);
      c.runUntil(() => false, 30, 1e6);
      assert.equal(latest(cores, 1).seen.filter((s) => s.what === 'app_mcast').length, 3);
      assert.deepEqual(c.history.nodes.get(1)!.filter((e) => e.kind === 'accept').map((e) => e.t), [11]);
      assert.equal(c.counts.refused, 2);
      assert.equal(c.counts.submitsSkipped, 1);
      assert.equal(c.submitsInFlight, 0);
    });
    it('the heal resumes paused nodes, restarts or removes the down ones, and clears link faults', () => {
      const { c } = cluster([1, 2, 3]);
      for (const n of [1, 2, 3]) c.bootAt(n, 0);
      c.faultAt({ at: 2, fault: { kind: 'crash', node: 2 } });
      c.faultAt({ at: 2, fault: { kind: 'crash', node: 3 } });
      c.faultAt({ at: 3, fault: { kind: 'pause', node: 1, ms: 1000 } });
      c.faultAt({ at: 3, fault: { kind: 'partition', id: 1, groups: [[1], [2, 3]] } });
      c.faultAt({ at: 5, fault: { kind: 'heal', restart: [{ node: 2, stale: false }], remove: [3] } });
      c.runUntil(() => false, 5, 1e6);
      assert.equal(c.status(1), 'up');
      assert.equal(c.status(2), 'up');
      assert.equal(c.status(3), 'gone');
      assert.equal(c.network.isBlocked(1, 2), false);
      assert.deepEqual(c.liveNodes(), [1, 2]);
    });
  });

  describe('fault plans', () => {
    const input = { nodes: [1, 2, 3, 4, 5], tokenMs: 500, faultPhaseMs: 5000, count: 8, kinds: FAULT_KINDS, staleProbability: 0.3 };
    it('are deterministic per seed and end with one heal at the end of the fault phase', () => {
      for (let seed = 1; seed <= 200; seed++) {
        const a = planFaults(new Prng(seed), input);
        assert.deepEqual(a, planFaults(new Prng(seed), input));
        assert.equal(a.at(-1)!.fault.kind, 'heal');
        assert.equal(a.filter((f) => f.fault.kind === 'heal').length, 1);
        for (let i = 1; i < a.length; i++) assert.ok(a[i - 1]!.at <= a[i]!.at && a[i]!.at <= 5000, `seed ${seed}: fault times out of order or past the heal`);
      }
    });
    it('restart only nodes that are down, and leave somebody to converge', () => {
      for (let seed = 1; seed <= 300; seed++) {
        const plan = planFaults(new Prng(seed), { ...input, nodes: [1, 2], kinds: ['crash', 'leave'] });
        const down = new Set<NodeId>();
        for (const { fault: f } of plan) {
          if (f.kind === 'crash' || f.kind === 'leave') {
            assert.ok(!down.has(f.node), `seed ${seed}: n${f.node} stopped twice`);
            down.add(f.node);
          } else if (f.kind === 'restart') {
            assert.ok(down.delete(f.node), `seed ${seed}: restart of n${f.node}, which is up`);
          } else if (f.kind === 'heal') {
            const handled = [...f.restart.map((r) => r.node), ...f.remove].sort();
            assert.deepEqual(handled, [...down].sort(), `seed ${seed}: the heal must restart or remove exactly the down nodes`);
            assert.ok(f.remove.length < 2, `seed ${seed}: nobody left`);
          }
        }
      }
    });
  });
});
