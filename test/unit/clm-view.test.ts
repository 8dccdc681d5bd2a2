// The CLM service core across several nodes: each node's ClmCore is fed the
// stream the ring would deliver to it (configuration changes, then the
// members' node-joins in one agreed order), and the tests check that every
// member reports the same view, the same records and the right changes:
// joins, leaves, a partition and its merge, restarts, abandoned views.
import assert from 'node:assert/strict';
import { SaClmClusterChangesT, SaClmNodeAddressFamilyT } from '../../lib-ais/clm-types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY } from '../../lib-ais/amf-types.js';
import { decodeNodeJoin, encodeNodeJoin, type ClmNodeJoin } from '../../lib-ais/ipc/clm.js';
import { ClmCore, type ClmAction } from '../../aisexec/services/clm/core.js';
import type { LocalNode } from '../../aisexec/services/clm/view.js';
import type { ConfChange } from '../../aisexec/services/service.js';

const { SA_CLM_NODE_NO_CHANGE: NO_CHANGE, SA_CLM_NODE_JOINED: JOINED, SA_CLM_NODE_LEFT: LEFT, SA_CLM_NODE_RECONFIGURED: RECONFIGURED } = SaClmClusterChangesT;

/** What node `id` says about itself in its record. */
function localRecord(id: number, boot = 1_700_000_000n) {
  return {
    nodeId: id,
    nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: `10.0.0.${id}`.length, value: `10.0.0.${id}` },
    nodeName: `node${id}`,
    bootTimestamp: boot * 1_000_000_000n,
  };
}

function localNode(id: number, incarnation: bigint, boot?: bigint): LocalNode {
  return { ...localRecord(id, boot), incarnation };
}

/** A cluster of cores with one tracking client each (conn 100 + id, CHANGES; conn 200 + id, CHANGES_ONLY). */
class Cluster {
  readonly cores = new Map<number, ClmCore>();
  readonly actions = new Map<number, ClmAction[]>();
  private seq = 0n;
  /** Incarnations handed out so far: every boot is a new executive process. */
  private starts = 0n;

  constructor(ids: number[]) {
    for (const id of ids) this.boot(id);
  }

  boot(id: number, boot?: bigint): ClmCore {
    this.starts++;
    const core = new ClmCore(localNode(id, 0x5eed_0000_0000n + this.starts, boot));
    this.cores.set(id, core);
    this.actions.set(id, []);
    core.track(100 + id, 1, SA_TRACK_CHANGES, false, 0);
    core.track(200 + id, 2, SA_TRACK_CHANGES_ONLY, false, 0);
    return core;
  }

  core(id: number): ClmCore {
    return this.cores.get(id)!;
  }

  /**
   * One ring formation: the transitional then regular configuration to each
   * member, then every member's node-join (through the wire codec) to every
   * member in `order` (default: the members' order). `deliverJoins` false
   * stops after the configuration changes and returns the joins.
   */
  form(members: number[], opts: { order?: number[]; deliverJoins?: boolean; previous?: Map<number, number[]> } = {}): Map<number, ClmNodeJoin> {
    this.seq += 4n;
    const ringId = { rep: Math.min(...members), seq: this.seq };
    const joins = new Map<number, ClmNodeJoin>();
    for (const id of members) {
      const prev = opts.previous?.get(id) ?? this.core(id).view.members().map((m) => m.nodeId);
      const stay = prev.filter((m) => members.includes(m));
      const left = prev.filter((m) => !members.includes(m));
      this.feed(id, (c, now) => c.confChange({ type: 'transitional', ringId, members: stay, left, joined: [] }, now));
      const regular: ConfChange = { type: 'regular', ringId, members, left: [], joined: members.filter((m) => !prev.includes(m)) };
      const out = this.feed(id, (c, now) => c.confChange(regular, now));
      const mcast = out.find((a): a is Extract<ClmAction, { type: 'mcast' }> => a.type === 'mcast');
      assert.ok(mcast, `node ${id} multicasts its node-join`);
      joins.set(id, decodeNodeJoin(encodeNodeJoin(mcast.join)));
    }
    if (opts.deliverJoins !== false) {
      for (const src of opts.order ?? members) for (const dst of members) this.feed(dst, (c, now) => c.nodeJoin(joins.get(src)!, src, now));
    }
    return joins;
  }

  feed(id: number, f: (c: ClmCore, now: number) => ClmAction[], now = 0): ClmAction[] {
    const out = f(this.core(id), now);
    this.actions.get(id)!.push(...out);
    return out;
  }

  /** Track callbacks node `id` sent to its CHANGES (100 + id) or CHANGES_ONLY (200 + id) client, and forgets them. */
  callbacks(id: number, conn: number) {
    const all = this.actions.get(id)!;
    const mine = all.filter((a): a is Extract<ClmAction, { type: 'trackCallback' }> => a.type === 'trackCallback' && a.conn === conn);
    this.actions.set(id, all.filter((a) => !mine.includes(a as never)));
    return mine.map((a) => a.callback);
  }

  changesOf(id: number, conn: number): Array<Array<[number, SaClmClusterChangesT, boolean]>> {
    return this.callbacks(id, conn).map((cb) => cb.items.map((it) => [it.node.nodeId, it.change, it.node.member]));
  }

  clear(): void {
    for (const id of this.actions.keys()) this.actions.set(id, []);
  }

  /** Every member of `ids` reports the same view and the same member records. */
  assertAgree(ids: number[]): void {
    const first = this.core(ids[0]!).view;
    for (const id of ids) {
      const v = this.core(id).view;
      assert.equal(v.viewNumber, first.viewNumber, `node ${id} view number`);
      assert.deepEqual(v.members(), first.members(), `node ${id} member records`);
      assert.equal(v.completing, false);
    }
  }
}

describe('CLM cluster view: several nodes fed the same agreed stream', () => {
  it('a single node: view 1, itself a member with initial view 1, reported JOINED to both kinds of tracker', () => {
    const c = new Cluster([1]);
    c.form([1]);
    const v = c.core(1).view;
    assert.equal(v.viewNumber, 1n);
    assert.deepEqual(v.members(), [{ ...localRecord(1), member: true, initialViewNumber: 1n }]);
    const [cb] = c.callbacks(1, 101);
    assert.equal(cb!.viewNumber, 1n);
    assert.equal(cb!.numberOfMembers, 1);
    assert.equal(cb!.error, SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(cb!.items.map((it) => [it.node.nodeId, it.change]), [[1, JOINED]]);
    assert.deepEqual(c.changesOf(1, 201), [[[1, JOINED, true]]]);
  });

  it('three nodes forming together agree on view 1, on every record, and each reports all three JOINED', () => {
    const c = new Cluster([1, 2, 3]);
    c.form([1, 2, 3], { order: [3, 1, 2] });
    c.assertAgree([1, 2, 3]);
    assert.equal(c.core(2).view.viewNumber, 1n);
    assert.deepEqual(c.core(2).view.members().map((m) => [m.nodeId, m.nodeName, m.nodeAddress.value, m.initialViewNumber]),
      [[1, 'node1', '10.0.0.1', 1n], [2, 'node2', '10.0.0.2', 1n], [3, 'node3', '10.0.0.3', 1n]]);
    for (const id of [1, 2, 3]) assert.deepEqual(c.changesOf(id, 100 + id), [[[1, JOINED, true], [2, JOINED, true], [3, JOINED, true]]]);
  });

  it('no view until the last member\'s record arrives; the view number grows by one per configuration', () => {
    const c = new Cluster([1, 2]);
    const joins = c.form([1, 2], { deliverJoins: false });
    c.feed(1, (core, now) => core.nodeJoin(joins.get(1)!, 1, now));
    assert.equal(c.core(1).view.viewNumber, 0n);
    assert.equal(c.core(1).view.completing, true);
    assert.deepEqual(c.callbacks(1, 101), []);
    c.feed(1, (core, now) => core.nodeJoin(joins.get(2)!, 2, now));
    assert.equal(c.core(1).view.viewNumber, 1n);
    c.feed(2, (core, now) => core.nodeJoin(joins.get(1)!, 1, now));
    c.feed(2, (core, now) => core.nodeJoin(joins.get(2)!, 2, now));
    c.assertAgree([1, 2]);
    c.form([1, 2]);
    c.form([1, 2]);
    c.assertAgree([1, 2]);
    assert.equal(c.core(1).view.viewNumber, 3n);
  });

  it('a node that leaves: LEFT with member false for CHANGES and CHANGES_ONLY, NO_CHANGE for the others under CHANGES only', () => {
    const c = new Cluster([1, 2, 3]);
    c.form([1, 2, 3]);
    c.clear();
    c.form([1, 2]);
    c.assertAgree([1, 2]);
    assert.equal(c.core(1).view.viewNumber, 2n);
    for (const id of [1, 2]) {
      const [cb] = c.callbacks(id, 100 + id);
      assert.equal(cb!.numberOfMembers, 2);
      assert.equal(cb!.viewNumber, 2n);
      assert.deepEqual(cb!.items.map((it) => [it.node.nodeId, it.change, it.node.member]), [[1, NO_CHANGE, true], [2, NO_CHANGE, true], [3, LEFT, false]]);
      assert.deepEqual(c.changesOf(id, 200 + id), [[[3, LEFT, false]]]);
    }
    // The record of the node that left stays in the table, not a member; node queries say it does not exist.
    assert.deepEqual(c.core(1).view.table().map((r) => [r.node.nodeId, r.node.member]), [[1, true], [2, true], [3, false]]);
    const [r] = c.feed(1, (core) => core.nodeGet(9, 7, 3, 1_000_000_000n, 0));
    assert.deepEqual(r, { type: 'respond', req: 7, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST });
  });

  it('a node joining a running cluster gets its first view as initial view; the others keep theirs', () => {
    const c = new Cluster([1, 2]);
    c.form([1, 2]);
    c.form([1, 2]);
    c.boot(3);
    c.clear();
    c.form([1, 2, 3]);
    c.assertAgree([1, 2, 3]);
    assert.deepEqual(c.core(3).view.members().map((m) => [m.nodeId, m.initialViewNumber]), [[1, 1n], [2, 1n], [3, 3n]]);
    assert.deepEqual(c.changesOf(1, 201), [[[3, JOINED, true]]]);
    // The newcomer's trackers see everyone arrive, in the same view number.
    const [cb] = c.callbacks(3, 103);
    assert.equal(cb!.viewNumber, 3n);
    assert.deepEqual(cb!.items.map((it) => [it.node.nodeId, it.change]), [[1, JOINED], [2, JOINED], [3, JOINED]]);
  });

  it('a partition and its merge: each half moves on alone; merged, all agree on a view above both halves', () => {
    const c = new Cluster([1, 2, 3, 4]);
    c.form([1, 2, 3, 4]); // view 1
    c.clear();
    c.form([1, 2]); // view 2
    c.form([3, 4], { previous: new Map([[3, [1, 2, 3, 4]], [4, [1, 2, 3, 4]]]) }); // view 2
    c.form([1, 2]); // view 3 (the same members re-formed the ring)
    c.assertAgree([1, 2]);
    c.assertAgree([3, 4]);
    assert.equal(c.core(1).view.viewNumber, 3n);
    assert.equal(c.core(3).view.viewNumber, 2n);
    assert.deepEqual(c.changesOf(1, 201), [[[3, LEFT, false], [4, LEFT, false]]], 'a re-formed ring with the same members is not reported');
    assert.deepEqual(c.changesOf(4, 204), [[[1, LEFT, false], [2, LEFT, false]]]);
    c.clear();
    c.form([1, 2, 3, 4], { order: [4, 2, 3, 1] });
    c.assertAgree([1, 2, 3, 4]);
    assert.equal(c.core(2).view.viewNumber, 4n);
    assert.deepEqual(c.changesOf(1, 201), [[[3, JOINED, true], [4, JOINED, true]]]);
    assert.deepEqual(c.changesOf(3, 203), [[[1, JOINED, true], [2, JOINED, true]]]);
    const [cb] = c.callbacks(4, 104);
    assert.equal(cb!.numberOfMembers, 4);
    assert.deepEqual(cb!.items.map((it) => it.change), [JOINED, JOINED, NO_CHANGE, NO_CHANGE]);
    // Initial views survive the merge: every node keeps the one it had.
    assert.deepEqual(c.core(1).view.members().map((m) => m.initialViewNumber), [1n, 1n, 1n, 1n]);
  });

  it('a view abandoned by a new configuration is never reported; the next one reports every change since the last report', () => {
    const c = new Cluster([1, 2, 3]);
    c.form([1, 2, 3]);
    c.clear();
    const stale = c.form([1, 2], { deliverJoins: false });
    c.feed(1, (core, now) => core.nodeJoin(stale.get(1)!, 1, now));
    c.form([1]); // node 2 went too, before [1 2] completed
    assert.equal(c.core(1).view.counters.viewsAbandoned, 1);
    assert.equal(c.core(1).view.viewNumber, 2n);
    assert.deepEqual(c.changesOf(1, 201), [[[2, LEFT, false], [3, LEFT, false]]]);
    // A late join for the abandoned ring is dropped and counted, and changes nothing.
    const out = c.feed(1, (core, now) => core.nodeJoin(stale.get(2)!, 2, now));
    assert.deepEqual(out, []);
    assert.equal(c.core(1).view.counters.joinsStale, 1);
  });

  it('a transitional configuration abandons the view being completed', () => {
    const c = new Cluster([1, 2]);
    const joins = c.form([1, 2], { deliverJoins: false });
    c.feed(1, (core) => core.confChange({ type: 'transitional', ringId: { rep: 1, seq: 99n }, members: [1], left: [2], joined: [] }, 0));
    c.feed(1, (core, now) => core.nodeJoin(joins.get(1)!, 1, now));
    c.feed(1, (core, now) => core.nodeJoin(joins.get(2)!, 2, now));
    assert.equal(c.core(1).view.viewNumber, 0n);
    assert.equal(c.core(1).view.counters.joinsStale, 2);
  });

  it('a restarted node (initial view 0 again) is reported JOINED even when its leave was never reported', () => {
    const c = new Cluster([1, 2]);
    c.form([1, 2]);
    c.clear();
    c.boot(2, 1_700_000_500n); // the executive on node 2 restarted (and the machine rebooted)
    c.form([1, 2], { previous: new Map([[2, []]]) });
    c.assertAgree([1, 2]);
    assert.deepEqual(c.changesOf(1, 201), [[[2, JOINED, true]]]);
    assert.equal(c.core(1).view.member(2)!.initialViewNumber, 2n);
    assert.equal(c.core(1).view.member(2)!.bootTimestamp, 1_700_000_500n * 1_000_000_000n);
  });

  it('a restarted executive that completed a one-node view before the others noticed its death is JOINED everywhere, with the merged view as initial view', () => {
    const c = new Cluster([1, 2, 3]);
    c.form([1, 2, 3]); // view 1
    c.form([1, 2, 3]); // view 2
    c.clear();
    c.boot(3); // killed and restarted, same machine: only the incarnation tells
    c.form([3], { previous: new Map([[3, []]]) }); // its own one-node view 1
    assert.deepEqual(c.core(3).view.member(3)!.initialViewNumber, 1n);
    c.clear();
    c.form([1, 2, 3], { previous: new Map([[3, [3]]]), order: [3, 2, 1] });
    c.assertAgree([1, 2, 3]);
    for (const id of [1, 2, 3]) {
      const v = c.core(id).view;
      assert.equal(v.viewNumber, 3n);
      assert.deepEqual(v.members().map((m) => m.initialViewNumber), [1n, 1n, 3n], `node ${id}: the restarted node's initial view is the merged view`);
      assert.deepEqual(v.table().map((r) => r.incarnation), c.core(1).view.table().map((r) => r.incarnation), `node ${id}: the same incarnations`);
      assert.equal(v.counters.restartsDetected, 1);
    }
    for (const id of [1, 2]) {
      assert.deepEqual(c.changesOf(id, 200 + id), [[[3, JOINED, true]]], `node ${id}: CHANGES_ONLY`);
      assert.deepEqual(c.changesOf(id, 100 + id), [[[1, NO_CHANGE, true], [2, NO_CHANGE, true], [3, JOINED, true]]], `node ${id}: CHANGES, one item per node`);
    }
    // Node 3 was a member of its own last view: the merged view reports itself JOINED too.
    assert.deepEqual(c.changesOf(3, 203), [[[1, JOINED, true], [2, JOINED, true], [3, JOINED, true]]]);
  });

  it('a restart whose leave was reported comes back with the view it joined in as initial view, not its own one-node view\'s', () => {
    const c = new Cluster([1, 2, 3]);
    c.form([1, 2, 3]); // view 1
    c.form([1, 2]); // view 2: 3 LEFT
    c.form([1, 2]); // view 3
    c.boot(3);
    c.form([3], { previous: new Map([[3, []]]) }); // view 1 on its own
    c.clear();
    c.form([1, 2, 3], { previous: new Map([[3, [3]]]) });
    c.assertAgree([1, 2, 3]);
    assert.equal(c.core(1).view.viewNumber, 4n);
    assert.equal(c.core(3).view.member(3)!.initialViewNumber, 4n);
    assert.deepEqual(c.changesOf(2, 202), [[[3, JOINED, true]]]);
  });

  it('the same incarnations re-forming, partitioning and merging are never taken for restarts', () => {
    const c = new Cluster([1, 2, 3]);
    c.form([1, 2, 3]);
    c.clear();
    c.form([1, 2, 3], { order: [2, 3, 1] });
    for (const id of [1, 2, 3]) assert.deepEqual(c.changesOf(id, 100 + id), [], `node ${id}: nothing changed, no callback`);
    c.form([1, 2]);
    c.form([3], { previous: new Map([[3, [1, 2, 3]]]) }); // 3 alone completes a view of its own, as a restart would
    c.clear();
    c.form([1, 2, 3]);
    c.assertAgree([1, 2, 3]);
    assert.deepEqual(c.changesOf(1, 201), [[[3, JOINED, true]]]);
    assert.deepEqual(c.core(1).view.members().map((m) => m.initialViewNumber), [1n, 1n, 1n], 'a partitioned node keeps its initial view');
    for (const id of [1, 2, 3]) assert.equal(c.core(id).view.counters.restartsDetected, 0);
  });

  it('a node no member has seen before keeps the initial view of the one-node view it completed first', () => {
    const c = new Cluster([1, 2]);
    c.form([1, 2]);
    c.form([1, 2]);
    c.boot(3);
    c.form([3], { previous: new Map([[3, []]]) });
    c.clear();
    c.form([1, 2, 3]);
    c.assertAgree([1, 2, 3]);
    assert.deepEqual(c.core(1).view.members().map((m) => m.initialViewNumber), [1n, 1n, 1n]);
    assert.deepEqual(c.changesOf(1, 201), [[[3, JOINED, true]]]);
  });

  it('a member whose name or address changed is RECONFIGURED', () => {
    const c = new Cluster([1, 2]);
    c.form([1, 2]);
    c.clear();
    const joins = c.form([1, 2], { deliverJoins: false });
    const renamed = { ...joins.get(2)!, node: { ...joins.get(2)!.node, nodeName: 'node2-renamed' } };
    for (const dst of [1, 2]) {
      c.feed(dst, (core, now) => core.nodeJoin(joins.get(1)!, 1, now));
      c.feed(dst, (core, now) => core.nodeJoin(renamed, 2, now));
    }
    assert.deepEqual(c.changesOf(1, 201), [[[2, RECONFIGURED, true]]]);
    assert.equal(c.core(1).view.member(2)!.nodeName, 'node2-renamed');
  });

  it('joins claiming another node\'s id, from a non-member, or repeated are dropped and counted', () => {
    const c = new Cluster([1, 2]);
    const joins = c.form([1, 2], { deliverJoins: false });
    const core = c.core(1);
    core.nodeJoin(joins.get(2)!, 1, 0);
    assert.equal(core.view.counters.joinsForeign, 1);
    core.nodeJoin({ ...joins.get(2)!, node: { ...joins.get(2)!.node, nodeId: 7 } }, 7, 0);
    assert.equal(core.view.counters.joinsForeign, 2);
    core.nodeJoin(joins.get(1)!, 1, 0);
    core.nodeJoin(joins.get(1)!, 1, 0);
    assert.equal(core.view.counters.joinsDuplicate, 1);
    assert.equal(core.view.viewNumber, 0n);
    core.nodeJoin(joins.get(2)!, 2, 0);
    assert.equal(core.view.viewNumber, 1n);
  });
});
