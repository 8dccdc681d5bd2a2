// The CLM library (lib-ais/clm.ts) against a real aisexec on the
// single-node stand-in for the ring: version negotiation, NodeGet and
// NodeGetAsync, ClusterTrack with each flag and each buffer case, TrackStop,
// handle rules, and the CLM section of the executive's status.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { CfgClient } from '../../lib-ais/cfg.js';
import {
  SA_CLM_LOCAL_NODE_ID, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAisErrorT, SaClmClusterChangesT,
  SaClmNodeAddressFamilyT, SaDispatchFlagsT, clmPendingCallbacks, isAisError, saClmClusterNodeGet, saClmClusterNodeGetAsync,
  saClmClusterTrack, saClmClusterTrackStop, saClmDispatch, saClmFinalize, saClmInitialize, saClmSelectionObjectGet,
  type SaClmCallbacksT, type SaClmClusterNodeT, type SaClmClusterNotificationBufferT, type SaClmHandleT,
} from '../../lib-ais/clm.js';
import { startExecutive, type RunningExecutive } from '../helpers/executive.js';

const SECOND = 1_000_000_000n;

function btime(): bigint {
  const m = /^btime\s+(\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
  return BigInt(m![1]!) * SECOND;
}

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('CLM library against a real aisexec', function () {
  this.timeout(30000);
  let exec: RunningExecutive;
  const handles: SaClmHandleT[] = [];

  before(async () => {
    exec = await startExecutive();
  });
  after(async () => {
    await exec?.stop();
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) await saClmFinalize(h).catch(() => {});
  });

  async function init(callbacks: SaClmCallbacksT | null = null): Promise<SaClmHandleT> {
    const h = await saClmInitialize(callbacks, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, { socketPath: exec.socketPath });
    handles.push(h);
    // The first view completes once this node's record came back through the stand-in ring.
    await saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 5n * SECOND);
    return h;
  }

  it('negotiates B.01.01 and refuses other releases and majors, overwriting the version either way', async () => {
    const v = { releaseCode: 'A', majorVersion: 1, minorVersion: 1 };
    await assert.rejects(saClmInitialize(null, v, { socketPath: exec.socketPath }), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_VERSION));
    assert.deepEqual(v, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 });
    const v2 = { releaseCode: 'B', majorVersion: 2, minorVersion: 0 };
    await assert.rejects(saClmInitialize(null, v2, { socketPath: exec.socketPath }), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_VERSION));
    const v3 = { releaseCode: 'B', majorVersion: 1, minorVersion: 0 };
    handles.push(await saClmInitialize(null, v3, { socketPath: exec.socketPath }));
    assert.equal(v3.minorVersion, 1);
  });

  it('saClmClusterNodeGet: this node by SA_CLM_LOCAL_NODE_ID and by id, from its nodelist entry and the machine', async () => {
    const h = await init();
    const local = await saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, SECOND);
    const want: SaClmClusterNodeT = {
      nodeId: 1, nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: 9, value: '127.0.0.1' },
      nodeName: os.hostname(), member: true, bootTimestamp: btime(), initialViewNumber: 1n,
    };
    assert.deepEqual(local, want);
    assert.deepEqual(await saClmClusterNodeGet(h, 1, 0), want);
  });

  it('saClmClusterNodeGet: a node that is not a member is NOT_EXIST; bad parameters and handles are refused', async () => {
    const h = await init();
    await assert.rejects(saClmClusterNodeGet(h, 2, SECOND), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NOT_EXIST));
    await assert.rejects(saClmClusterNodeGet(h, 1, -1n), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM));
    await assert.rejects(saClmClusterNodeGet(h, 2 ** 32, 0), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM));
    await assert.rejects(saClmClusterNodeGet(h + 1, 1, 0), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_BAD_HANDLE));
    await saClmFinalize(h);
    await assert.rejects(saClmClusterNodeGet(h, 1, 0), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_BAD_HANDLE));
    await assert.rejects(saClmFinalize(h), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_BAD_HANDLE));
  });

  it('saClmClusterNodeGetAsync: OK, then the callback with the invocation and the node, or NOT_EXIST; INIT without the callback', async () => {
    const got: Array<[number, number | undefined, SaAisErrorT]> = [];
    const h = await init({ saClmClusterNodeGetCallback: (inv, node, err) => { got.push([inv, node?.nodeId, err]); } });
    await saClmClusterNodeGetAsync(h, 17, SA_CLM_LOCAL_NODE_ID);
    await saClmClusterNodeGetAsync(h, 18, 99);
    await until('two callbacks', () => clmPendingCallbacks(h) === 2);
    await saClmDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ALL);
    assert.deepEqual(got, [[17, 1, SaAisErrorT.SA_AIS_OK], [18, undefined, SaAisErrorT.SA_AIS_ERR_NOT_EXIST]]);
    const bare = await init();
    await assert.rejects(saClmClusterNodeGetAsync(bare, 1, 1), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_INIT));
  });

  it('saClmClusterTrack CURRENT into a buffer: supplied by the library, or the caller\'s with NO_SPACE when too small', async () => {
    const h = await init();
    const buf = (await saClmClusterTrack(h, SA_TRACK_CURRENT, { viewNumber: 0n, numberOfItems: 0 }))!;
    assert.equal(buf.viewNumber, 1n);
    assert.equal(buf.numberOfItems, 1);
    assert.equal(buf.notification![0]!.clusterChange, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE);
    assert.equal(buf.notification![0]!.clusterNode.nodeId, 1);
    const small: SaClmClusterNotificationBufferT = { viewNumber: 0n, numberOfItems: 0, notification: [] };
    await assert.rejects(saClmClusterTrack(h, SA_TRACK_CURRENT, small), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NO_SPACE));
    assert.equal(small.numberOfItems, 1, 'numberOfItems says how many are needed');
    const filled = await saClmClusterTrack(h, SA_TRACK_CURRENT, small);
    assert.equal(filled, small);
    assert.equal(small.notification!.length, 1);
  });

  it('saClmClusterTrack CURRENT without a buffer answers in a callback; it and CHANGES need the callback (INIT)', async () => {
    const bare = await init();
    await assert.rejects(saClmClusterTrack(bare, SA_TRACK_CURRENT), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_INIT));
    await assert.rejects(saClmClusterTrack(bare, SA_TRACK_CHANGES_ONLY), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_INIT));
    await assert.rejects(saClmClusterTrack(bare, SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_BAD_FLAGS));
    const seen: Array<[SaClmClusterNotificationBufferT, number, SaAisErrorT]> = [];
    const h = await init({ saClmClusterTrackCallback: (b, n, e) => { seen.push([b, n, e]); } });
    assert.equal(await saClmClusterTrack(h, SA_TRACK_CURRENT, null), undefined);
    await until('the track callback', () => clmPendingCallbacks(h) === 1);
    await saClmDispatch(h, SaDispatchFlagsT.SA_DISPATCH_ONE);
    assert.equal(seen.length, 1);
    const [b, n, e] = seen[0]!;
    assert.equal(n, 1);
    assert.equal(e, SaAisErrorT.SA_AIS_OK);
    assert.equal(b.viewNumber, 1n);
    assert.deepEqual(b.notification!.map((x) => [x.clusterNode.nodeId, x.clusterChange]), [[1, SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE]]);
  });

  it('saClmClusterTrackStop ends CHANGES tracking and is NOT_EXIST when nothing is tracked', async () => {
    const h = await init({ saClmClusterTrackCallback: () => {} });
    await assert.rejects(saClmClusterTrackStop(h), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NOT_EXIST));
    assert.equal(await saClmClusterTrack(h, SA_TRACK_CHANGES), undefined);
    await saClmClusterTrackStop(h);
    await assert.rejects(saClmClusterTrackStop(h), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NOT_EXIST));
    assert.ok((await saClmSelectionObjectGet(h)) > 0);
  });

  it('the executive status shows the view, the members and the node table', async () => {
    const h = await init({ saClmClusterTrackCallback: () => {} });
    await saClmClusterTrack(h, SA_TRACK_CHANGES_ONLY);
    const c = await CfgClient.open({}, { socketPath: exec.socketPath });
    try {
      const s = (await c.status()) as { services: { clm: { viewNumber: string; members: number[]; trackers: number; nodes: Array<{ nodeId: number; member: boolean; name: string }> } } };
      assert.equal(s.services.clm.viewNumber, '1');
      assert.deepEqual(s.services.clm.members, [1]);
      assert.equal(s.services.clm.trackers, 1);
      assert.deepEqual(s.services.clm.nodes.map((n) => [n.nodeId, n.member, n.name]), [[1, true, os.hostname()]]);
    } finally {
      c.finalize();
    }
  });
});
