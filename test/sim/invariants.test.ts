// The checkers of test/sim/invariants.ts on hand-written histories: a history
// that keeps every rule passes, and for each rule a small change that breaks
// it is caught (so every checker can fail).
import assert from 'node:assert/strict';
import type { Guarantee, NodeId, RingId } from '../../aisexec/totem/types.js';
import { History, type HistoryEntry } from './history.js';
import {
  checkAgreedOrder, checkBoundedQueues, checkConfigurations, checkIntegrity, checkLiveness, checkSafe, checkSafety, checkSelfDelivery,
  checkVirtualSynchrony, staleRingReuse, type EndState,
} from './invariants.js';

const R1: RingId = { rep: 1, seq: 4n };
const R2: RingId = { rep: 1, seq: 8n };
const R3: RingId = { rep: 2, seq: 12n };

/** A tiny script: each call records one event at the next time step. */
class Script {
  readonly h = new History();
  private t = 0;
  private rec(n: NodeId, e: HistoryEntry): this {
    this.h.record(n, this.t++, e);
    return this;
  }
  boot(n: NodeId, ringSeq = 0n, stale = false, inc = 1): this {
    return this.rec(n, { kind: 'boot', inc, ringSeq, stale });
  }
  store(n: NodeId, seq: bigint): this {
    return this.rec(n, { kind: 'store', seq });
  }
  /** Store the seq, then the transitional and the regular change. */
  install(n: NodeId, r: RingId, members: NodeId[], trans: NodeId[] = [n]): this {
    return this.store(n, r.seq).conf(n, 'transitional', r, trans).conf(n, 'regular', r, members);
  }
  conf(n: NodeId, type: 'transitional' | 'regular', r: RingId, members: NodeId[]): this {
    return this.rec(n, { kind: 'confchg', type, ringId: r, members });
  }
  accept(n: NodeId, id: string, guarantee: Guarantee = 'agreed'): this {
    return this.rec(n, { kind: 'accept', id, guarantee });
  }
  send(n: NodeId, id: string, r: RingId, seq: number): this {
    return this.rec(n, { kind: 'send', id, ringId: r, seq }).receive(n, r, seq);
  }
  receive(n: NodeId, r: RingId, seq: number): this {
    return this.rec(n, { kind: 'receive', ringId: r, seq });
  }
  deliver(n: NodeId, id: string, r: RingId, seq: number, guarantee: Guarantee = 'agreed'): this {
    const source = Number(/^n(\d+)\//.exec(id)![1]);
    return this.rec(n, { kind: 'deliver', ringId: r, seq, source, guarantee, id });
  }
  down(n: NodeId, how: 'crash' | 'leave' = 'crash'): this {
    return this.rec(n, { kind: 'down', how });
  }
}

/**
 * Nodes 1, 2, 3 form R1; 1 and 2 each send one message, all deliver both;
 * 3 crashes; 1 and 2 move to R2 through the transitional {1,2}.
 */
function goodHistory(): Script {
  const s = new Script();
  for (const n of [1, 2, 3]) s.boot(n).install(n, R1, [1, 2, 3]);
  s.accept(1, 'n1/0').send(1, 'n1/0', R1, 1);
  s.accept(2, 'n2/0', 'safe').send(2, 'n2/0', R1, 2);
  for (const n of [2, 3]) s.receive(n, R1, 1);
  for (const n of [1, 3]) s.receive(n, R1, 2);
  for (const n of [1, 2, 3]) s.deliver(n, 'n1/0', R1, 1).deliver(n, 'n2/0', R1, 2, 'safe');
  s.down(3);
  for (const n of [1, 2]) s.install(n, R2, [1, 2], [1, 2]);
  return s;
}

function end(over: Partial<EndState> = {}): EndState {
  return {
    healAt: 0, boundMs: 1000, quietFrom: 0, endAt: 2000, live: [1, 2],
    cores: new Map([[1, { state: 'operational', ringId: R2, members: [1, 2] }], [2, { state: 'operational', ringId: R2, members: [1, 2] }]]),
    convergedAt: 100, queues: new Map([[1, { recvHighWater: 3, newQueued: 1 }]]),
    ...over,
  };
}

function expectOne(found: string[], pattern: RegExp): void {
  assert.ok(found.length > 0, `expected a violation matching ${pattern}, found none`);
  assert.ok(found.some((v) => pattern.test(v)), `expected ${pattern}, found:\n${found.join('\n')}`);
}

describe('sim invariants on hand-written histories', () => {
  it('a history that keeps every rule passes every checker', () => {
    const s = goodHistory();
    assert.deepEqual(checkSafety(s.h), []);
    assert.deepEqual(checkLiveness(s.h, end({ quietFrom: 1000 })), []);
  });

  describe('agreed order (§5.5 1)', () => {
    it('two nodes deliver different messages as the same (ring, seq)', () => {
      const s = new Script();
      for (const n of [1, 2]) s.boot(n).install(n, R1, [1, 2]);
      s.accept(1, 'n1/0').accept(2, 'n2/0');
      s.deliver(1, 'n1/0', R1, 1).deliver(2, 'n2/0', R1, 1);
      expectOne(checkAgreedOrder(s.h), /n2 delivered n2\/0 as 1\.4#1.*n1 delivered n1\/0 there/);
    });
    it('a node delivers a ring out of seq order', () => {
      const s = new Script().boot(1).install(1, R1, [1]).accept(1, 'n1/0').accept(1, 'n1/1');
      s.deliver(1, 'n1/1', R1, 2).deliver(1, 'n1/0', R1, 1);
      expectOne(checkAgreedOrder(s.h), /delivered 1\.4#1 after 1\.4#2/);
    });
    it('a gap in the regular configuration', () => {
      const s = new Script().boot(1).install(1, R1, [1]).accept(1, 'n1/0').accept(1, 'n1/1');
      s.deliver(1, 'n1/0', R1, 1).deliver(1, 'n1/1', R1, 3);
      expectOne(checkAgreedOrder(s.h), /seq 2 not delivered before it \(a gap/);
    });
    it('seqs that carried recovery re-sends are not a gap', () => {
      const s = new Script().boot(1).install(1, R1, [1]).accept(1, 'n1/0');
      s.h.recordRecoverySeq(R1, 1);
      s.h.recordRecoverySeq(R1, 2);
      s.deliver(1, 'n1/0', R1, 3);
      assert.deepEqual(checkAgreedOrder(s.h), []);
    });
    it('a gap in the transitional configuration is allowed (paper §7: messages of transitional members after a gap)', () => {
      const s = new Script();
      s.boot(1).install(1, R1, [1, 2]).accept(1, 'n1/0').accept(1, 'n1/1');
      s.deliver(1, 'n1/0', R1, 1).store(1, R2.seq).conf(1, 'transitional', R2, [1]).deliver(1, 'n1/1', R1, 3).conf(1, 'regular', R2, [1]);
      assert.deepEqual(checkAgreedOrder(s.h), []);
    });
  });

  describe('integrity (§5.5 2)', () => {
    it('a duplicate delivery', () => {
      const s = goodHistory().deliver(1, 'n1/0', R1, 1);
      expectOne(checkIntegrity(s.h), /n1 delivered n1\/0 twice/);
    });
    it('a message nobody sent', () => {
      const s = new Script().boot(1).install(1, R1, [1]).deliver(1, 'n1/7', R1, 1);
      expectOne(checkIntegrity(s.h), /n1\/7, which no application had sent/);
    });
    it('a message delivered before it was accepted', () => {
      const s = new Script().boot(1).install(1, R1, [1]).deliver(1, 'n1/0', R1, 1).accept(1, 'n1/0');
      expectOne(checkIntegrity(s.h), /no application had sent/);
    });
    it('a message of ring R1 delivered in the regular configuration R2', () => {
      const s = goodHistory().accept(1, 'n1/1').deliver(1, 'n1/1', R1, 3);
      expectOne(checkIntegrity(s.h), /n1\/1 of ring 1\.4 in the regular configuration 1\.8/);
    });
    it('a message delivered in the transitional configuration of a ring other than its own', () => {
      const s = new Script().boot(1).install(1, R1, [1]).install(1, R2, [1]).accept(1, 'n1/0');
      s.store(1, R3.seq).conf(1, 'transitional', R3, [1]).deliver(1, 'n1/0', R1, 1);
      expectOne(checkIntegrity(s.h), /of ring 1\.4 in the transitional configuration 2\.c after 1\.8/);
    });
    it('FIFO: a later message of a sender delivered first', () => {
      const s = new Script().boot(1).install(1, R1, [1]).accept(1, 'n1/0').accept(1, 'n1/1');
      s.deliver(1, 'n1/1', R1, 1).deliver(1, 'n1/0', R1, 2);
      expectOne(checkIntegrity(s.h), /after a later message of n1 \(FIFO/);
    });
  });

  describe('self-delivery (§5.5 3)', () => {
    it('an originator installs the next regular configuration without delivering its own message', () => {
      const s = new Script();
      for (const n of [1, 2]) s.boot(n).install(n, R1, [1, 2]);
      s.accept(2, 'n2/0').send(2, 'n2/0', R1, 1);
      s.install(2, R3, [2], [2]);
      expectOne(checkSelfDelivery(s.h), /n2 sent n2\/0 in ring 1\.4 and installed ring 2\.c .* without delivering it/);
    });
    it('unless it crashed first', () => {
      const s = new Script().boot(2).install(2, R1, [2]).accept(2, 'n2/0').send(2, 'n2/0', R1, 1).down(2).boot(2, R1.seq, false, 2).install(2, R3, [2]);
      assert.deepEqual(checkSelfDelivery(s.h), []);
    });
  });

  describe('virtual synchrony (§5.5 4)', () => {
    it('two nodes moving together from R1 delivered different sets of R1 messages', () => {
      const s = new Script();
      for (const n of [1, 2]) s.boot(n).install(n, R1, [1, 2]);
      s.accept(1, 'n1/0').accept(1, 'n1/1');
      s.deliver(1, 'n1/0', R1, 1).deliver(1, 'n1/1', R1, 2).deliver(2, 'n1/0', R1, 1);
      for (const n of [1, 2]) s.install(n, R2, [1, 2], [1, 2]);
      expectOne(checkVirtualSynchrony(s.h), /1\.4 -> 1\.8 \[1,2\]: n1 and n2 delivered different messages in the regular configuration \(only n1: n1\/1/);
    });
    it('and different sets in the transitional configuration', () => {
      const s = new Script();
      for (const n of [1, 2]) s.boot(n).install(n, R1, [1, 2, 3]);
      s.accept(3, 'n3/0');
      for (const n of [1, 2]) s.store(n, R2.seq).conf(n, 'transitional', R2, [1, 2]);
      s.deliver(1, 'n3/0', R1, 2);
      for (const n of [1, 2]) s.conf(n, 'regular', R2, [1, 2]);
      expectOne(checkVirtualSynchrony(s.h), /in the transitional configuration \(only n1: n3\/0/);
    });
  });

  describe('configuration consistency (§5.5 5)', () => {
    it('a ring seq that does not increase', () => {
      const s = new Script().boot(1).install(1, R2, [1]).install(1, R1, [1]);
      expectOne(checkConfigurations(s.h), /installed ring 1\.4 after ring seq 8/);
    });
    it('also across a restart (what stable storage is for)', () => {
      const s = new Script().boot(1).install(1, R2, [1]).down(1).boot(1, 0n, false, 2).install(1, R1, [1]);
      expectOne(checkConfigurations(s.h), /n1\(boot 2\) installed ring 1\.4 after ring seq 8/);
    });
    it('but not across a restart from a deliberately stale disk', () => {
      const s = new Script().boot(1).install(1, R2, [1]).down(1).boot(1, 0n, true, 2).install(1, R1, [1]);
      assert.deepEqual(checkConfigurations(s.h), []);
    });
    it('a ring id reused after a stale-disk boot is reported as outside the model', () => {
      const s = new Script().boot(1).install(1, R1, [1]).install(1, R2, [1]).down(1).boot(1, 0n, true, 2).install(1, R1, [1]);
      const found = staleRingReuse(s.h);
      assert.equal(found.length, 2, found.join('\n')); // committed to again, and installed
      assert.match(found[1]!, /installed ring 1\.4, not above ring seq 8/);
      const fresh = new Script().boot(1).install(1, R1, [1]).down(1).boot(1, R1.seq, false, 2).install(1, R2, [1]);
      assert.deepEqual(staleRingReuse(fresh.h), []);
    });
    it('so is a ring seq committed to again after a stale-disk boot, installed or not (sim seed 13306)', () => {
      const s = new Script().boot(1).install(1, R1, [1]).store(1, R2.seq).down(1).boot(1, 0n, true, 2).store(1, R2.seq);
      expectOne(staleRingReuse(s.h), /committed to ring seq 8, not above ring seq 8 it had stored before/);
      const fresh = new Script().boot(1).install(1, R1, [1]).store(1, R2.seq).down(1).boot(1, R2.seq, false, 2).store(1, R2.seq + 4n);
      assert.deepEqual(staleRingReuse(fresh.h), []);
    });
    it('a ring not above the seq the node booted with', () => {
      const s = new Script().boot(1, 8n).install(1, R2, [1]);
      expectOne(checkConfigurations(s.h), /not above the ring seq 8 it booted with/);
    });
    it('a ring installed before its seq was stored', () => {
      const s = new Script().boot(1).conf(1, 'transitional', R1, [1]).conf(1, 'regular', R1, [1]);
      expectOne(checkConfigurations(s.h), /before storing its seq/);
    });
    it('two installers disagree on a ring\'s members', () => {
      const s = new Script().boot(1).install(1, R1, [1, 2]).boot(2).install(2, R1, [1, 2, 3], [2]);
      expectOne(checkConfigurations(s.h), /n2 installed ring 1\.4 as \[1,2,3\], n1 as \[1,2\]/);
    });
    it('a regular configuration without a transitional one first', () => {
      const s = new Script().boot(1).store(1, 4n).conf(1, 'regular', R1, [1]);
      expectOne(checkConfigurations(s.h), /without a transitional configuration first/);
    });
    it('a transitional configuration with a node from outside the old ring', () => {
      const s = new Script().boot(1).install(1, R1, [1, 2]).install(1, R2, [1, 3], [1, 3]);
      expectOne(checkConfigurations(s.h), /transitional \[1,3\] has \[3\], not in its old regular configuration \[1,2\]/);
    });
    it('a transitional configuration with a node outside the new ring', () => {
      const s = new Script().boot(1).install(1, R1, [1, 2]).install(1, R2, [1], [1, 2]);
      expectOne(checkConfigurations(s.h), /transitional \[1,2\] has \[2\], not in the new regular 1\.8 \[1\]/);
    });
    it('a configuration without the node itself', () => {
      const s = new Script().boot(2).install(2, R1, [1], [2]);
      expectOne(checkConfigurations(s.h), /installed regular 1\.4 \[1\] without itself/);
    });
    it('a representative that is not the lowest member', () => {
      const s = new Script().boot(1).install(1, R3, [1, 2]);
      expectOne(checkConfigurations(s.h), /ring 2\.c \[1,2\]: the representative is not the lowest member/);
    });
    it('a delivery before any configuration', () => {
      const s = new Script().boot(1).accept(1, 'n1/0').deliver(1, 'n1/0', R1, 1);
      expectOne(checkConfigurations(s.h), /delivered n1\/0 before installing any configuration/);
    });
  });

  describe('safe delivery (§5.5 7)', () => {
    it('a message delivered as safe before every member had received it', () => {
      const s = new Script();
      for (const n of [1, 2]) s.boot(n).install(n, R1, [1, 2]);
      s.accept(1, 'n1/0', 'safe').send(1, 'n1/0', R1, 1).deliver(1, 'n1/0', R1, 1, 'safe').receive(2, R1, 1);
      expectOne(checkSafe(s.h), /n1 delivered n1\/0 \(1\.4#1\) as safe in regular 1\.4 \[1,2\] before \[2\] had received it/);
    });
    it('the same delivered as agreed is fine', () => {
      const s = new Script();
      for (const n of [1, 2]) s.boot(n).install(n, R1, [1, 2]);
      s.accept(1, 'n1/0').send(1, 'n1/0', R1, 1).deliver(1, 'n1/0', R1, 1).receive(2, R1, 1);
      assert.deepEqual(checkSafe(s.h), []);
    });
  });

  describe('liveness and no loss (§5.5 9, 6)', () => {
    it('live nodes in different configurations at the end', () => {
      const s = goodHistory();
      const cores = new Map([[1, { state: 'operational', ringId: R2, members: [1, 2] }], [2, { state: 'gather', ringId: R2, members: [1, 2] }]]);
      expectOne(checkLiveness(s.h, end({ cores })), /not OPERATIONAL in one configuration of exactly them: n1 operational 1\.8 \[1,2\]; n2 gather/);
    });
    it('a final configuration without a live node', () => {
      const s = goodHistory();
      expectOne(checkLiveness(s.h, end({ live: [1, 2, 3] })), /live nodes \[1,2,3\] are not OPERATIONAL/);
    });
    it('converged too late', () => {
      expectOne(checkLiveness(goodHistory().h, end({ convergedAt: 5000, endAt: 6000 })), /converged at t=5000, 5000 ms after the heal at t=0 \(bound 1000 ms\)/);
    });
    it('a configuration change in the quiet period', () => {
      expectOne(checkLiveness(goodHistory().h, end({ quietFrom: 10 })), /during the quiet period/);
    });
    it('an accepted message never delivered by its originator', () => {
      const s = goodHistory().accept(2, 'n2/1');
      expectOne(checkLiveness(s.h, end({ quietFrom: 1000 })), /n2 accepted n2\/1 .* and never delivered it/);
    });
    it('a message delivered in the final configuration by one live node only', () => {
      const s = goodHistory().accept(2, 'n2/1').send(2, 'n2/1', R2, 1).deliver(2, 'n2/1', R2, 1);
      expectOne(checkLiveness(s.h, end({ quietFrom: 1000 })), /no loss: n1 in the final configuration 1\.8 never delivered n2\/1/);
    });
  });

  it('bounded queues (§5.5 10)', () => {
    expectOne(checkBoundedQueues(end({ queues: new Map([[2, { recvHighWater: 1e6, newQueued: 0 }]]) })), /n2 buffered 1000000 messages/);
    assert.deepEqual(checkBoundedQueues(end()), []);
  });
});
