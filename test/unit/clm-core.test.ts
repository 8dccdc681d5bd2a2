// The CLM core's local half on one node: track flags and their answers,
// SA_TRACK_CURRENT into a buffer (NO_SPACE) or a callback, TrackStop, and
// node queries answered at once, after the record arrives, or on timeout.
import assert from 'node:assert/strict';
import { SA_CLM_LOCAL_NODE_ID, SaClmClusterChangesT, SaClmNodeAddressFamilyT } from '../../lib-ais/clm-types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT } from '../../lib-ais/amf-types.js';
import { CLM_CAPACITY_ANY, type ClmNodeJoin } from '../../lib-ais/ipc/clm.js';
import { ClmCore, CLM_NODE_GET_ASYNC_WAIT_MS, CLM_QUERIES_PENDING_MAX, timeoutMs, validTrackFlags, type ClmAction } from '../../aisexec/services/clm/core.js';
import type { LocalNode } from '../../aisexec/services/clm/view.js';

const MS = 1_000_000n;

/** What node `id` says about itself in its record. */
function record(id: number) {
  return { nodeId: id, nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: 8, value: `10.0.0.${id}` }, nodeName: `n${id}`, bootTimestamp: 5n };
}

/** Node `id`'s executive, incarnation `1000 * id + 1` unless told. */
function node(id: number, incarnation = BigInt(1000 * id + 1)): LocalNode {
  return { ...record(id), incarnation };
}

function regular(members: number[], seq: bigint) {
  return { type: 'regular' as const, ringId: { rep: members[0]!, seq }, members, left: [], joined: members };
}

function joinOf(id: number, seq: bigint, rep: number): ClmNodeJoin {
  return { ringRep: rep, ringSeq: seq, lastView: 0n, incarnation: node(id).incarnation, node: { ...record(id), member: false, initialViewNumber: 0n }, known: [] };
}

/** Node 1 with members [1 2] installed as view 1. */
function twoNodeCore(): ClmCore {
  const core = new ClmCore(node(1));
  core.confChange(regular([1, 2], 4n), 0);
  core.nodeJoin(joinOf(1, 4n, 1), 1, 0);
  core.nodeJoin(joinOf(2, 4n, 1), 2, 0);
  assert.equal(core.view.viewNumber, 1n);
  return core;
}

function responses(actions: ClmAction[]) {
  return actions.filter((a): a is Extract<ClmAction, { type: 'respond' }> => a.type === 'respond');
}

describe('CLM core: tracking and node queries on one node', () => {
  it('track flags: CURRENT, CHANGES, CHANGES_ONLY and CURRENT with one of the two are valid; nothing else', () => {
    for (const f of [1, 2, 4, 3, 5]) assert.ok(validTrackFlags(f), `${f}`);
    for (const f of [0, 6, 7, 8, 9, -1, 1.5]) assert.ok(!validTrackFlags(f), `${f}`);
    const core = twoNodeCore();
    assert.deepEqual(core.track(1, 1, 6, false, 0), [{ type: 'respond', req: 1, error: SaAisErrorT.SA_AIS_ERR_BAD_FLAGS }]);
  });

  it('CURRENT into a buffer: the members with NO_CHANGE, the view and the member count; no tracking starts', () => {
    const core = twoNodeCore();
    const [r] = responses(core.track(1, 1, SA_TRACK_CURRENT, false, 2));
    assert.equal(r!.error, SaAisErrorT.SA_AIS_OK);
    assert.equal(r!.track!.viewNumber, 1n);
    assert.equal(r!.track!.numberOfMembers, 2);
    assert.deepEqual(r!.track!.items.map((it) => [it.node.nodeId, it.change, it.node.member]),
      [[1, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE, true], [2, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE, true]]);
    assert.equal(core.trackerCount, 0);
    assert.deepEqual(core.trackStop(1, 2), [{ type: 'respond', req: 2, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST }]);
  });

  it('CURRENT into a buffer too small: NO_SPACE with the number of items needed, and nothing else happens', () => {
    const core = twoNodeCore();
    const out = core.track(1, 1, SA_TRACK_CURRENT | SA_TRACK_CHANGES, false, 1);
    assert.deepEqual(out, [{ type: 'respond', req: 1, error: SaAisErrorT.SA_AIS_ERR_NO_SPACE, track: { viewNumber: 1n, numberOfMembers: 2, items: [] } }]);
    assert.equal(core.trackerCount, 0, 'a failed call starts no tracking');
    assert.equal(responses(core.track(1, 2, SA_TRACK_CURRENT, false, CLM_CAPACITY_ANY))[0]!.error, SaAisErrorT.SA_AIS_OK);
  });

  it('CURRENT with no buffer: an empty answer, then the members in a track callback', () => {
    const core = twoNodeCore();
    const out = core.track(1, 1, SA_TRACK_CURRENT, true, 0);
    assert.equal(out.length, 2);
    assert.deepEqual(out[0], { type: 'respond', req: 1, error: SaAisErrorT.SA_AIS_OK, track: { viewNumber: 1n, numberOfMembers: 2, items: [] } });
    const cb = out[1] as Extract<ClmAction, { type: 'trackCallback' }>;
    assert.equal(cb.type, 'trackCallback');
    assert.equal(cb.conn, 1);
    assert.deepEqual(cb.callback.items.map((it) => it.node.nodeId), [1, 2]);
    assert.equal(cb.callback.error, SaAisErrorT.SA_AIS_OK);
  });

  it('CURRENT before this node is in any view is TRY_AGAIN; CHANGES alone subscribes and reports the first view', () => {
    const core = new ClmCore(node(1));
    assert.equal(responses(core.track(1, 1, SA_TRACK_CURRENT, false, 8))[0]!.error, SaAisErrorT.SA_AIS_ERR_TRY_AGAIN);
    assert.equal(responses(core.track(1, 2, SA_TRACK_CHANGES_ONLY, false, 0))[0]!.error, SaAisErrorT.SA_AIS_OK);
    core.confChange(regular([1], 4n), 0);
    const out = core.nodeJoin(joinOf(1, 4n, 1), 1, 0);
    const cb = out.find((a) => a.type === 'trackCallback') as Extract<ClmAction, { type: 'trackCallback' }>;
    assert.deepEqual(cb.callback.items.map((it) => [it.node.nodeId, it.change]), [[1, SaClmClusterChangesT.SA_CLM_NODE_JOINED]]);
  });

  it('TrackStop ends tracking (NOT_EXIST the second time); a later call\'s flag replaces an earlier one; a closed client stops', () => {
    const core = twoNodeCore();
    core.track(1, 1, SA_TRACK_CHANGES, false, 0);
    core.track(1, 2, SA_TRACK_CHANGES_ONLY, false, 0);
    assert.equal(core.trackerCount, 1);
    core.confChange(regular([1], 8n), 0);
    const out = core.nodeJoin({ ...joinOf(1, 8n, 1), lastView: 1n, node: { ...record(1), member: true, initialViewNumber: 1n } }, 1, 0);
    const cbs = out.filter((a) => a.type === 'trackCallback') as Array<Extract<ClmAction, { type: 'trackCallback' }>>;
    assert.deepEqual(cbs.map((c) => c.callback.items.map((it) => it.node.nodeId)), [[2]], 'CHANGES_ONLY: only the node that left');
    assert.deepEqual(core.trackStop(1, 3), [{ type: 'respond', req: 3, error: SaAisErrorT.SA_AIS_OK }]);
    assert.deepEqual(core.trackStop(1, 4), [{ type: 'respond', req: 4, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST }]);
    core.track(5, 5, SA_TRACK_CHANGES, false, 0);
    core.connectionClosed(5);
    assert.equal(core.trackerCount, 0);
  });

  it('NodeGet: the local node by SA_CLM_LOCAL_NODE_ID and by id, another member, an unknown node, a negative timeout', () => {
    const core = twoNodeCore();
    const local = responses(core.nodeGet(1, 1, SA_CLM_LOCAL_NODE_ID, 0n, 0))[0]!;
    assert.equal(local.error, SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(local.node, { ...record(1), member: true, initialViewNumber: 1n });
    assert.deepEqual(responses(core.nodeGet(1, 2, 1, 0n, 0))[0]!.node, local.node);
    assert.equal(responses(core.nodeGet(1, 3, 2, 0n, 0))[0]!.node!.nodeName, 'n2');
    assert.deepEqual(core.nodeGet(1, 4, 3, 10n * MS, 0), [{ type: 'respond', req: 4, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST }]);
    assert.deepEqual(core.nodeGet(1, 5, 2, -1n, 0), [{ type: 'respond', req: 5, error: SaAisErrorT.SA_AIS_ERR_INVALID_PARAM }]);
  });

  it('NodeGet of a member whose record is on its way waits for it, or times out at its deadline', () => {
    const core = twoNodeCore();
    core.confChange(regular([1, 2, 3], 8n), 100);
    // Node 2 is still a member of the current view: answered at once.
    assert.equal(responses(core.nodeGet(1, 1, 2, 0n, 100))[0]!.error, SaAisErrorT.SA_AIS_OK);
    // Node 3 is joining: a zero timeout cannot wait, 50 ms can.
    assert.deepEqual(core.nodeGet(1, 2, 3, 0n, 100), [{ type: 'respond', req: 2, error: SaAisErrorT.SA_AIS_ERR_TIMEOUT }]);
    assert.deepEqual(core.nodeGet(1, 3, 3, 50n * MS, 100), []);
    assert.deepEqual(core.nodeGet(1, 4, 3, 20n * MS, 100), []);
    assert.equal(core.nextDeadline(), 120);
    assert.deepEqual(core.tick(119), []);
    assert.deepEqual(core.tick(120), [{ type: 'respond', req: 4, error: SaAisErrorT.SA_AIS_ERR_TIMEOUT }]);
    for (const id of [1, 2]) core.nodeJoin({ ...joinOf(id, 8n, 1), lastView: 1n, node: { ...record(id), member: true, initialViewNumber: 1n } }, id, 130);
    const out = core.nodeJoin(joinOf(3, 8n, 1), 3, 130);
    const r = responses(out);
    assert.equal(r.length, 1);
    assert.equal(r[0]!.req, 3);
    assert.equal(r[0]!.error, SaAisErrorT.SA_AIS_OK);
    assert.deepEqual([r[0]!.node!.nodeId, r[0]!.node!.initialViewNumber], [3, 2n]);
    assert.equal(core.nextDeadline(), undefined);
  });

  it('a waiting NodeGet whose node drops out of the configuration being completed gets NOT_EXIST', () => {
    const core = twoNodeCore();
    core.confChange(regular([1, 2, 3], 8n), 0);
    core.nodeGet(1, 1, 3, 1000n * MS, 0);
    const out = core.confChange(regular([1, 2], 12n), 10);
    assert.deepEqual(responses(out), [{ type: 'respond', req: 1, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST }]);
  });

  it('NodeGet of this node before its first view waits for that view', () => {
    const core = new ClmCore(node(1));
    assert.deepEqual(core.nodeGet(1, 1, SA_CLM_LOCAL_NODE_ID, 1000n * MS, 0), []);
    core.confChange(regular([1], 4n), 1);
    const r = responses(core.nodeJoin(joinOf(1, 4n, 1), 1, 2));
    assert.equal(r[0]!.error, SaAisErrorT.SA_AIS_OK);
    assert.equal(r[0]!.node!.nodeId, 1);
  });

  it('NodeGetAsync: OK at once, then the callback with the invocation and the node, NOT_EXIST, or TIMEOUT', () => {
    const core = twoNodeCore();
    const out = core.nodeGetAsync(7, 1, 42n, 2, 0);
    assert.deepEqual(out[0], { type: 'respond', req: 1, error: SaAisErrorT.SA_AIS_OK });
    assert.deepEqual(out[1], { type: 'nodeGetCallback', conn: 7, callback: { invocation: 42n, error: SaAisErrorT.SA_AIS_OK, node: { ...record(2), member: true, initialViewNumber: 1n } } });
    assert.deepEqual(core.nodeGetAsync(7, 2, 43n, 9, 0)[1], { type: 'nodeGetCallback', conn: 7, callback: { invocation: 43n, error: SaAisErrorT.SA_AIS_ERR_NOT_EXIST, node: undefined } });
    core.confChange(regular([1, 2, 3], 8n), 0);
    assert.deepEqual(core.nodeGetAsync(7, 3, 44n, 3, 0), [{ type: 'respond', req: 3, error: SaAisErrorT.SA_AIS_OK }]);
    assert.deepEqual(core.tick(CLM_NODE_GET_ASYNC_WAIT_MS), [
      { type: 'nodeGetCallback', conn: 7, callback: { invocation: 44n, error: SaAisErrorT.SA_AIS_ERR_TIMEOUT, node: undefined } },
    ]);
  });

  it('waiting queries are bounded (TRY_AGAIN beyond) and go with their client', () => {
    const core = twoNodeCore();
    core.confChange(regular([1, 2, 3], 8n), 0);
    for (let i = 0; i < CLM_QUERIES_PENDING_MAX; i++) assert.deepEqual(core.nodeGet(i % 2, i, 3, 1000n * MS, 0), []);
    assert.deepEqual(core.nodeGet(0, 9999, 3, 1000n * MS, 0), [{ type: 'respond', req: 9999, error: SaAisErrorT.SA_AIS_ERR_TRY_AGAIN }]);
    assert.deepEqual(core.nodeGetAsync(0, 9998, 1n, 3, 0), [{ type: 'respond', req: 9998, error: SaAisErrorT.SA_AIS_ERR_TRY_AGAIN }]);
    core.connectionClosed(0);
    assert.equal(core.queriesPending, CLM_QUERIES_PENDING_MAX / 2);
  });

  it('a member re-announcing the incarnation this node holds for it is NO_CHANGE; the join lists the incarnations held', () => {
    const core = twoNodeCore();
    core.track(1, 1, SA_TRACK_CHANGES, false, 0);
    const mine = core.confChange(regular([1, 2, 3], 8n), 0).find((a): a is Extract<ClmAction, { type: 'mcast' }> => a.type === 'mcast')!.join;
    assert.deepEqual(mine.known, [{ nodeId: 2, incarnation: node(2).incarnation }], 'node 1 lists what it holds for the other members (3: nothing)');
    assert.equal(mine.incarnation, node(1).incarnation);
    core.nodeJoin(mine, 1, 0);
    core.nodeJoin({ ...joinOf(2, 8n, 1), lastView: 1n, node: { ...record(2), member: true, initialViewNumber: 1n } }, 2, 0);
    const out = core.nodeJoin(joinOf(3, 8n, 1), 3, 0);
    const [cb] = out.filter((a): a is Extract<ClmAction, { type: 'trackCallback' }> => a.type === 'trackCallback');
    assert.deepEqual(cb!.callback.items.map((it) => [it.node.nodeId, it.change, it.node.initialViewNumber]), [
      [1, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE, 1n], [2, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE, 1n], [3, SaClmClusterChangesT.SA_CLM_NODE_JOINED, 2n],
    ]);
    assert.equal(core.view.counters.restartsDetected, 0);
  });

  it('a member announcing a new incarnation is JOINED with the completing view as initial view, though it was a member and says initial view 1', () => {
    const core = twoNodeCore();
    core.track(1, 1, SA_TRACK_CHANGES, false, 0);
    const mine = core.confChange(regular([1, 2], 8n), 0).find((a): a is Extract<ClmAction, { type: 'mcast' }> => a.type === 'mcast')!.join;
    core.nodeJoin(mine, 1, 0);
    // Node 2's executive restarted and completed a one-node view (1) before this ring formed:
    // it announces that view, and a record that looks like the one node 1 holds.
    const restarted = { ...joinOf(2, 8n, 1), incarnation: node(2, 7n).incarnation, lastView: 1n, node: { ...record(2), member: true, initialViewNumber: 1n } };
    const out = core.nodeJoin(restarted, 2, 0);
    assert.equal(core.view.viewNumber, 2n);
    const [cb] = out.filter((a): a is Extract<ClmAction, { type: 'trackCallback' }> => a.type === 'trackCallback');
    assert.deepEqual(cb!.callback.items.map((it) => [it.node.nodeId, it.change, it.node.initialViewNumber]), [
      [1, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE, 1n], [2, SaClmClusterChangesT.SA_CLM_NODE_JOINED, 2n],
    ], 'one JOINED item for the restarted node, no LEFT for its old incarnation');
    assert.deepEqual(core.view.table().map((r) => [r.node.nodeId, r.incarnation]), [[1, node(1).incarnation], [2, 7n]]);
    assert.equal(core.view.counters.restartsDetected, 1);
    const log = out.find((a): a is Extract<ClmAction, { type: 'log' }> => a.type === 'log')!;
    assert.match(log.text, /joined \[2\] .* restarted \[2\]$/);
    // The next configuration: node 1 now holds the new incarnation, and node 2 keeps its initial view.
    const next = core.confChange(regular([1, 2], 12n), 0).find((a): a is Extract<ClmAction, { type: 'mcast' }> => a.type === 'mcast')!.join;
    assert.deepEqual(next.known, [{ nodeId: 2, incarnation: 7n }]);
    core.nodeJoin(next, 1, 0);
    core.nodeJoin({ ...restarted, ringSeq: 12n, lastView: 2n, node: { ...record(2), member: true, initialViewNumber: 2n } }, 2, 0);
    assert.equal(core.view.viewNumber, 3n);
    assert.equal(core.view.member(2)!.initialViewNumber, 2n);
    assert.equal(core.view.counters.restartsDetected, 1);
  });

  it('timeouts convert from SaTimeT ns to ms, rounded up and capped', () => {
    assert.equal(timeoutMs(0n), 0);
    assert.equal(timeoutMs(1n), 1);
    assert.equal(timeoutMs(1_000_000n), 1);
    assert.equal(timeoutMs(1_000_001n), 2);
    assert.equal(timeoutMs(0x7fffffffffffffffn), 0x7fffffff);
  });
});
