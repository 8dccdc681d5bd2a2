// The Totem core's rules, each on a small hand-driven network (no PRNG: the
// seeded simulator in this folder covers random schedules). Paper sections
// are of Amir et al., TOCS 1995.
import assert from 'node:assert/strict';
import { TotemCore, type TotemCoreConfig } from '../../aisexec/totem/core.js';
import type { ConfChangeAction, NodeId, TimerName, TotemAction, TotemMessage } from '../../aisexec/totem/types.js';

const TOKEN_MS = 1000;
function config(nodeId: number, over: Partial<TotemCoreConfig> = {}): TotemCoreConfig {
  return {
    nodeId, ringSeq: 0n, tokenMs: TOKEN_MS, tokenRetransmitMs: 238, joinMs: 50, consensusMs: 1200, failWaitMs: 200, mergeMs: 200, holdMs: 180,
    seqnoUnchangedConst: 30, failRecvConst: 2500, windowSize: 50, maxMessages: 17, missCountConst: 5, tokenHold: true, senderHoldMs: 1, ...over,
  };
}
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A deterministic network: fixed 0.1 ms delay, per-link blocking, a drop filter, named timers. */
class Net {
  now = 0;
  private order = 0;
  private readonly q: Array<{ t: number; o: number; f: () => void }> = [];
  readonly cores = new Map<NodeId, TotemCore>();
  readonly up = new Set<NodeId>();
  readonly disk = new Map<NodeId, bigint>();
  readonly delivered = new Map<NodeId, string[]>();
  readonly confs = new Map<NodeId, Array<ConfChangeAction & { at: number }>>();
  readonly actions = new Map<NodeId, TotemAction[]>();
  private readonly timers = new Map<string, number>();
  blocked = new Set<string>(); // "a>b"
  drop: (from: NodeId, to: NodeId, m: TotemMessage) => boolean = () => false;

  boot(id: NodeId, over: Partial<TotemCoreConfig> = {}): TotemCore {
    const core = new TotemCore(config(id, { ringSeq: this.disk.get(id) ?? 0n, ...over }));
    this.cores.set(id, core);
    this.up.add(id);
    for (const m of [this.delivered, this.confs, this.actions]) if (!m.has(id)) m.set(id, []);
    this.step(id, { kind: 'start', now: this.now });
    return core;
  }
  crash(id: NodeId): void {
    this.up.delete(id);
  }
  partition(a: NodeId[], b: NodeId[]): void {
    for (const x of a) for (const y of b) this.blocked.add(`${x}>${y}`).add(`${y}>${x}`);
  }
  mcast(id: NodeId, payload: string, guarantee: 'agreed' | 'safe' = 'agreed'): void {
    this.step(id, { kind: 'app_mcast', now: this.now, reqId: 0, payload: new TextEncoder().encode(payload), guarantee });
  }
  step(id: NodeId, ev: Parameters<TotemCore['step']>[0]): void {
    if (!this.up.has(id)) return;
    for (const a of this.cores.get(id)!.step(ev)) {
      this.actions.get(id)!.push(a);
      switch (a.kind) {
        case 'send_unicast': this.send(id, a.to, a.message); break;
        case 'send_multicast': for (const n of this.cores.keys()) if (n !== id) this.send(id, n, a.message); break;
        case 'set_timer': this.arm(id, a.name, a.afterMs); break;
        case 'cancel_timer': this.timers.delete(`${id}:${a.name}`); break;
        case 'deliver': this.delivered.get(id)!.push(text(a.payload)); break;
        case 'conf_change': this.confs.get(id)!.push({ ...a, at: this.now }); break;
        case 'store_ring_seq': this.disk.set(id, a.seq); break;
        default: break;
      }
    }
  }
  private send(from: NodeId, to: NodeId, m: TotemMessage): void {
    if (this.blocked.has(`${from}>${to}`) || this.drop(from, to, m)) return;
    this.at(this.now + 0.1, () => this.step(to, { kind: 'packet', now: this.now, from, message: m }));
  }
  private arm(id: NodeId, name: TimerName, afterMs: number): void {
    const gen = ++this.order;
    this.timers.set(`${id}:${name}`, gen);
    this.at(this.now + afterMs, () => {
      if (this.timers.get(`${id}:${name}`) !== gen) return;
      this.timers.delete(`${id}:${name}`);
      this.step(id, { kind: 'timer', now: this.now, name });
    });
  }
  at(t: number, f: () => void): void {
    this.q.push({ t, o: ++this.order, f });
  }
  run(untilMs: number): void {
    for (;;) {
      this.q.sort((a, b) => a.t - b.t || a.o - b.o);
      const e = this.q[0];
      if (e === undefined || e.t > untilMs) break;
      this.q.shift();
      this.now = e.t;
      e.f();
    }
    this.now = untilMs;
  }
  lastRegular(id: NodeId): (ConfChangeAction & { at: number }) | undefined {
    return this.confs.get(id)!.filter((c) => c.type === 'regular').at(-1);
  }
}

function cluster(n: number): Net {
  const net = new Net();
  for (let i = 1; i <= n; i++) net.boot(i);
  net.run(50);
  return net;
}

describe('totem core: membership, recovery and delivery', () => {
  it('a lone node forms a singleton ring: transitional {me} then regular {me}; the ring seq is stored before the commit token is sent (paper §6)', () => {
    const net = new Net();
    net.boot(7, { ringSeq: 40n });
    net.run(10);
    const acts = net.actions.get(7)!;
    const store = acts.findIndex((a) => a.kind === 'store_ring_seq');
    const send = acts.findIndex((a) => a.kind === 'send_unicast' && a.message.type === 'memb_commit_token');
    assert.ok(store >= 0 && store < send, 'store_ring_seq precedes the commit token');
    const confs = net.confs.get(7)!.map((c) => `${c.type} ${c.ringId.rep}.${c.ringId.seq} ${c.members.join(',')}`);
    assert.deepEqual(confs, ['transitional 7.44 7', 'regular 7.44 7'], 'ring seq = stored + 4');
    assert.equal(net.cores.get(7)!.currentState, 'operational');
  });

  it('three nodes form one ring: the lowest id is the representative, all install the same members and ring id', () => {
    const net = cluster(3);
    const rings = [1, 2, 3].map((n) => net.lastRegular(n)!);
    for (const r of rings) {
      assert.deepEqual(r.members, [1, 2, 3]);
      assert.equal(r.ringId.rep, 1);
      assert.equal(r.ringId.seq, rings[0]!.ringId.seq);
    }
    net.mcast(2, 'a');
    net.mcast(3, 'b');
    net.run(100);
    for (const n of [1, 2, 3]) assert.deepEqual(net.delivered.get(n), ['a', 'b']);
  });

  it('fast failure detection: after kill -9 of a member the others install a ring without it within 1.3 x token (departure 5)', () => {
    const net = cluster(3);
    net.mcast(1, 'x');
    net.run(60);
    const crashAt = 60;
    net.crash(3);
    net.run(3000);
    for (const n of [1, 2]) {
      const r = net.lastRegular(n)!;
      assert.deepEqual(r.members, [1, 2]);
      assert.ok(r.at - crashAt <= 1.3 * TOKEN_MS, `node ${n}: new ring after ${r.at - crashAt} ms`);
      const trans = net.confs.get(n)!.filter((c) => c.type === 'transitional').at(-1)!;
      assert.deepEqual(trans.members, [1, 2]);
      assert.deepEqual(trans.left, [3]);
    }
    assert.equal(net.cores.get(1)!.counters.gather.token_lost_operational + net.cores.get(2)!.counters.gather.token_lost_operational >= 1, true);
  });

  it('leave: an orderly shutdown takes the others to a new ring in well under the token timeout', () => {
    const net = cluster(3);
    const leftAt = net.now;
    net.step(2, { kind: 'leave', now: net.now });
    net.crash(2);
    net.run(leftAt + 2000);
    for (const n of [1, 3]) {
      const r = net.lastRegular(n)!;
      assert.deepEqual(r.members, [1, 3]);
      assert.ok(r.at - leftAt < 100, `node ${n}: ${r.at - leftAt} ms`);
    }
  });

  it('recovery and EVS (paper §7): a message of a crashed node that only one survivor received is delivered by every survivor, before the transitional change', () => {
    const net = cluster(3);
    // Node 3's message reaches node 1 only; then node 3 dies.
    net.drop = (from, to, m) => from === 3 && to === 2 && m.type === 'mcast';
    net.mcast(3, 'only-to-1');
    net.run(net.now + 5);
    net.crash(3);
    net.drop = () => false;
    net.run(net.now + 3000);
    for (const n of [1, 2]) {
      assert.ok(net.delivered.get(n)!.includes('only-to-1'), `node ${n} delivered it`);
      assert.deepEqual(net.lastRegular(n)!.members, [1, 2]);
    }
    assert.deepEqual(net.delivered.get(1), net.delivered.get(2));
  });

  it('SAFE delivery: a safe message is delivered only after the aru has covered it on two successive visits, and by every member', () => {
    const net = cluster(3);
    const before = net.now;
    net.mcast(2, 's1', 'safe');
    net.mcast(2, 'a1');
    // The first visit after the submission sends them; no one may deliver s1 (or a1 behind it) in that same step.
    const firstDelivery = () => net.actions.get(2)!.findIndex((a) => a.kind === 'deliver');
    net.run(net.now + 0.15);
    assert.equal(firstDelivery(), -1);
    net.run(before + 100);
    for (const n of [1, 2, 3]) assert.deepEqual(net.delivered.get(n), ['s1', 'a1'], `node ${n}`);
  });

  it('partition and merge: each side forms its own ring; after the heal one ring with every node, ring ids growing at every node', () => {
    const net = cluster(3);
    net.partition([1, 2], [3]);
    net.run(net.now + 3000);
    assert.deepEqual(net.lastRegular(1)!.members, [1, 2]);
    assert.deepEqual(net.lastRegular(3)!.members, [3]);
    net.mcast(1, 'p1');
    net.mcast(3, 'p3');
    net.run(net.now + 100);
    net.blocked.clear();
    net.run(net.now + 3000);
    for (const n of [1, 2, 3]) {
      assert.deepEqual(net.lastRegular(n)!.members, [1, 2, 3], `node ${n}`);
      const seqs = net.confs.get(n)!.filter((c) => c.type === 'regular').map((c) => c.ringId.seq);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, `node ${n}: ring seqs ${seqs.join(',')}`);
    }
    assert.deepEqual(net.delivered.get(1), ['p1']);
    assert.deepEqual(net.delivered.get(3), ['p3']);
  });

  it('a restarted node never reuses a ring id: its rings are numbered above the seq it stored', () => {
    const net = cluster(2);
    const stored = net.disk.get(2)!;
    net.crash(2);
    net.run(net.now + 2000);
    net.boot(2);
    net.run(net.now + 2000);
    const r = net.lastRegular(2)!;
    assert.deepEqual(r.members, [1, 2]);
    assert.ok(r.ringId.seq > stored);
  });

  it('token hold: on an idle ring the representative holds the token, and a new message releases it at once', () => {
    const net = cluster(3);
    net.run(net.now + 2000);
    const rep = net.cores.get(1)!;
    assert.ok(rep.counters.tokenHolds > 0, 'held');
    const rotations = rep.counters.tokensReceived;
    net.run(net.now + 1000);
    assert.ok(rep.counters.tokensReceived - rotations < 10, `an idle ring rotates about every hold period, not continuously (${rep.counters.tokensReceived - rotations} in 1 s)`);
    const at = net.now;
    net.mcast(3, 'wake');
    net.run(at + 20);
    for (const n of [1, 2, 3]) assert.deepEqual(net.delivered.get(n), ['wake'], `node ${n}`);
  });

  it('sender hold: a lone sender keeps the token and sends its next messages at once; a member with news gets it by TOKEN_HOLD_CANCEL (departure 13)', () => {
    const net = new Net();
    for (let i = 1; i <= 3; i++) net.boot(i, { senderHoldMs: 5, tokenHold: false });
    net.run(50);
    const [c1, c2, c3] = [1, 2, 3].map((n) => net.cores.get(n)!) as [TotemCore, TotemCore, TotemCore];
    net.mcast(2, 'a');
    net.run(net.now + 2);
    assert.equal(c2.counters.senderHolds, 1, 'node 2 holds after sending alone');
    const rotations = c3.counters.tokensReceived;
    for (const p of ['b', 'c']) {
      net.mcast(2, p);
      assert.equal(net.delivered.get(2)!.at(-1), p, `${p} is delivered at its sender within the call`);
      net.run(net.now + 0.5);
    }
    assert.equal(c3.counters.tokensReceived, rotations, 'no token rotation was needed');
    assert.equal(c2.counters.mcastsSentHeld, 2);
    for (const n of [1, 3]) assert.deepEqual(net.delivered.get(n), ['a', 'b', 'c'], `node ${n} delivers without the token`);
    // Node 3 saw the held flag: its message asks for the token instead of waiting for the hold to end.
    const t = net.now;
    net.mcast(3, 'd');
    assert.equal(c3.counters.holdCancelsSent, 1);
    net.run(t + 1);
    for (const n of [1, 2, 3]) assert.deepEqual(net.delivered.get(n), ['a', 'b', 'c', 'd'], `node ${n}`);
    // With nothing more to send the hold ends by its timer, and the token goes round again.
    net.mcast(1, 'e');
    net.run(net.now + 2);
    const before = c2.counters.tokensReceived;
    net.run(net.now + 20);
    assert.ok(c2.counters.tokensReceived > before, 'the hold timer let the token go');
    // A safe message ends the hold at once: it needs the token to go round twice before anyone delivers it.
    net.mcast(1, 'f');
    net.run(net.now + 2);
    const held = c1.counters.senderHolds;
    net.mcast(1, 's', 'safe');
    assert.notEqual(net.delivered.get(1)!.at(-1), 's', 'not delivered before it is safe');
    net.run(net.now + 3);
    for (const n of [1, 2, 3]) assert.deepEqual(net.delivered.get(n), ['a', 'b', 'c', 'd', 'e', 'f', 's'], `node ${n}`);
    assert.ok(held > 0);
  });

  it('sequence renewal (departure 9): a ring whose seq reaches the limit is replaced by a new ring of the same members, and nothing is lost or reordered', () => {
    const net = new Net();
    for (let i = 1; i <= 3; i++) net.boot(i, { seqRenewAt: 100 });
    net.run(50);
    const first = net.lastRegular(1)!;
    const sent: string[] = [];
    for (let k = 0; k < 250; k++) {
      const from = (k % 3) + 1;
      net.mcast(from, `m${k}@${from}`);
      sent.push(`m${k}@${from}`);
      if (k % 10 === 9) net.run(net.now + 1);
    }
    net.run(net.now + 1500);
    const order = net.delivered.get(1)!;
    assert.equal(new Set(order).size, 250, 'no duplicates');
    assert.deepEqual([...order].sort(), [...sent].sort(), 'every message delivered');
    for (const n of [2, 3]) assert.deepEqual(net.delivered.get(n), order, `node ${n}: the same order`);
    for (const [n, from] of [[1, 1], [2, 2], [3, 3]] as const) {
      const own = order.filter((m) => m.endsWith(`@${from}`));
      assert.deepEqual(own, sent.filter((m) => m.endsWith(`@${from}`)), `node ${n}'s messages in the order it sent them`);
    }
    const renewed = [1, 2, 3].reduce((a, n) => a + net.cores.get(n)!.counters.gather.seq_exhausted, 0);
    assert.ok(renewed >= 2, `renewals started: ${renewed}`);
    for (const n of [1, 2, 3]) {
      const regular = net.confs.get(n)!.filter((c) => c.type === 'regular' && c.ringId.seq >= first.ringId.seq);
      assert.ok(regular.length >= 3, `node ${n}: ${regular.length} rings`);
      for (const c of regular) assert.deepEqual(c.members, [1, 2, 3]);
      for (let i = 1; i < regular.length; i++) assert.ok(regular[i]!.ringId.seq > regular[i - 1]!.ringId.seq, 'ring seqs grow');
      assert.ok(net.lastRegular(n)!.ringId.seq > first.ringId.seq);
    }
  });

  it('departure 10: a node whose join fails me withdraws its consensus; at the first timeout I fail it and form without it (sim seed 484)', () => {
    const net = new Net();
    net.boot(3);
    net.run(50);
    const join = (failSet: number[]): TotemMessage => ({ type: 'memb_join', source: 2, procSet: [2, 3], failSet, ringSeq: net.cores.get(3)!.ringId!.seq });
    const t0 = net.now;
    net.step(3, { kind: 'packet', now: net.now, from: 2, message: join([]) }); // node 2 appears: gather with it
    net.step(3, { kind: 'packet', now: net.now, from: 2, message: join([]) }); // it agrees; it is the representative
    net.step(3, { kind: 'packet', now: net.now, from: 2, message: join([3]) }); // then it fails me: ignored, and no longer agreeing
    net.run(t0 + 3000);
    const after = net.confs.get(3)!.filter((c) => c.type === 'regular' && c.at > t0);
    assert.ok(after.length >= 1, 'a new ring');
    assert.deepEqual(after[0]!.members, [3]);
    // One consensus period (1200 ms), not two: before the fix its earlier matching join still counted at the first timeout.
    assert.ok(after[0]!.at - t0 < 1500, `formed ${Math.round(after[0]!.at - t0)} ms after the joins`);
  });

  it('packets are untrusted: malformed joins, commit tokens and messages are counted and dropped, never asserted on', () => {
    const net = cluster(2);
    const core = net.cores.get(1)!;
    const bad: TotemMessage[] = [
      { type: 'memb_join', source: 2, procSet: [2, 1], failSet: [], ringSeq: 0n },
      { type: 'memb_join', source: 2, procSet: [1], failSet: [], ringSeq: 0n },
      { type: 'memb_join', source: 2, procSet: [0, 2], failSet: [], ringSeq: 0n },
      { type: 'memb_commit_token', ringId: { rep: 2, seq: 100n }, tokenSeq: 0, retransFlg: false, membIndex: 0, memb: [{ nodeId: 1, oldRingId: null, aru: 0, highDelivered: 0, receivedFlg: false }, { nodeId: 2, oldRingId: null, aru: 0, highDelivered: 0, receivedFlg: false }] },
      { type: 'mcast', ringId: net.lastRegular(1)!.ringId, seq: 0, source: 2, guarantee: 'agreed', encapsulated: null, payload: new Uint8Array() },
      { type: 'orf_token', ringId: net.lastRegular(1)!.ringId, seq: 1, tokenSeq: 1, aru: 5, aruAddr: null, fcc: 0, backlog: 0, retransFlg: false, rtr: [] },
    ];
    for (const m of bad) core.step({ kind: 'packet', now: net.now, from: 2, message: m });
    assert.equal(core.counters.packetsInvalid, bad.length);
    assert.equal(core.currentState, 'operational');
  });
});
