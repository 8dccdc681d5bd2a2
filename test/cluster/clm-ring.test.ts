// The CLM library (lib-ais/clm.ts) against three real aisexec processes on
// the Totem ring over loopback (test/helpers/ring-cluster.ts): what
// docs/clm.md ("Tests", "Multi-node tests") asks of a multi-node cluster.
// Every node reports the same view number and the same records; trackers see
// LEFT on kill -9 and on a clean stop, JOINED on a restart, CHANGES_ONLY only
// the changed node; NodeGet of a node that left is NOT_EXIST; a query about a
// node whose record is on its way waits for it; a partition (SIGSTOP) and its
// heal end in one view number above both sides'. View numbers are compared
// across nodes, never assumed: how many configurations a start goes through
// depends on timing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CfgClient } from '../../lib-ais/cfg.js';
import {
  SA_CLM_LOCAL_NODE_ID, SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAisErrorT, SaClmClusterChangesT,
  SaClmNodeAddressFamilyT, SaDispatchFlagsT, isAisError, saClmClusterNodeGet, saClmClusterTrack, saClmDispatch, saClmFinalize,
  saClmInitialize, type SaClmClusterNodeT, type SaClmClusterNotificationBufferT, type SaClmHandleT,
} from '../../lib-ais/clm.js';
import { RingCluster, sleep } from '../helpers/ring-cluster.js';

const SECOND = 1_000_000_000n;
const { SA_CLM_NODE_NO_CHANGE: NO_CHANGE, SA_CLM_NODE_JOINED: JOINED, SA_CLM_NODE_LEFT: LEFT } = SaClmClusterChangesT;

function btime(): bigint {
  const m = /^btime\s+(\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
  return BigInt(m![1]!) * SECOND;
}

/** The name each node gets in its nodelist entry (RingCluster writes none: see named()). */
function nodeName(i: number): string {
  return `ringfort-node-${i}`;
}

/** A cluster whose nodelist entries carry `name: ringfort-node-<i>`, so that names differ per node. */
function named(cluster: RingCluster): RingCluster {
  for (const n of cluster.nodes) {
    const file = path.join(n.dir, 'openais.conf');
    const text = fs.readFileSync(file, 'utf8').replace(/(\t\tnodeid: (\d+)\n)/g, (_m, line: string, id: string) => `${line}\t\tname: ${nodeName(Number(id))}\n`);
    fs.writeFileSync(file, text);
  }
  return cluster;
}

interface ClmStatus {
  viewNumber: string;
  members: number[];
  completing: number[];
  nodes: Array<{ nodeId: number; name: string; address: string; member: boolean; initialViewNumber: string }>;
  counters: Record<string, number>;
}

/** One track callback as received. */
interface Seen {
  viewNumber: bigint;
  numberOfMembers: number;
  error: SaAisErrorT;
  /** [nodeId, change, member] per item, in the order received. */
  items: Array<[number, SaClmClusterChangesT, boolean]>;
  nodes: SaClmClusterNodeT[];
}

function summary(b: SaClmClusterNotificationBufferT): Array<[number, SaClmClusterChangesT, boolean]> {
  return (b.notification ?? []).map((n) => [n.clusterNode.nodeId, n.clusterChange, n.clusterNode.member]);
}

function changeNames(items: Seen['items']): string {
  return items.map(([id, c, m]) => `${id}:${SaClmClusterChangesT[c]}${m ? '' : '(gone)'}`).join(' ');
}

/** A handle on one node that tracks changes; a blocking dispatch runs in the background until finalize. */
class Tracker {
  readonly seen: Seen[] = [];
  private taken = 0;
  private constructor(readonly node: number, readonly handle: SaClmHandleT) {}

  static async open(cluster: RingCluster, node: number, flags: number, handles: SaClmHandleT[]): Promise<Tracker> {
    let t: Tracker | undefined;
    const h = await saClmInitialize({
      saClmClusterTrackCallback: (b, numberOfMembers, error) => {
        t!.seen.push({ viewNumber: b.viewNumber, numberOfMembers, error, items: summary(b), nodes: (b.notification ?? []).map((n) => n.clusterNode) });
      },
    }, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, { socketPath: cluster.node(node).socketPath });
    handles.push(h);
    t = new Tracker(node, h);
    // Ends at finalize, or with SA_AIS_ERR_LIBRARY when the executive goes away.
    saClmDispatch(h, SaDispatchFlagsT.SA_DISPATCH_BLOCKING).catch(() => {});
    await saClmClusterTrack(h, flags);
    return t;
  }

  /** The next callback not yet taken, waiting for it. */
  async next(timeoutMs = 15000): Promise<Seen> {
    const end = Date.now() + timeoutMs;
    while (this.seen.length <= this.taken) {
      if (Date.now() > end) throw new Error(`node ${this.node}: no track callback within ${timeoutMs} ms (had ${this.taken})`);
      await sleep(10);
    }
    return this.seen[this.taken++]!;
  }

  /** No callback beyond those taken. */
  assertQuiet(): void {
    assert.deepEqual(this.seen.slice(this.taken).map((s) => changeNames(s.items)), [], `node ${this.node}: unexpected track callbacks`);
  }
}

describe('CLM on the real ring (3 aisexec processes on loopback)', function () {
  this.timeout(90_000);
  let cluster: RingCluster | undefined;
  const handles: SaClmHandleT[] = [];

  afterEach(async () => {
    for (const h of handles.splice(0)) await saClmFinalize(h).catch(() => {});
    await cluster?.stopAll();
    cluster = undefined;
  });

  async function clmStatus(i: number): Promise<ClmStatus> {
    const c = await CfgClient.open({}, { socketPath: cluster!.node(i).socketPath });
    try {
      return ((await c.status()) as { services: { clm: ClmStatus } }).services.clm;
    } finally {
      c.finalize();
    }
  }

  /**
   * Polls until every listed node has completed a view of exactly `members`, with nothing
   * being completed, and all report the same view number; returns it.
   */
  async function waitView(nodes: number[], members: number[], timeoutMs = 15000): Promise<bigint> {
    const end = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const ss = await Promise.all(nodes.map((i) => clmStatus(i).catch((e: Error) => e)));
      last = ss.map((s, k) => (s instanceof Error ? `node ${nodes[k]}: ${s.message}` : `node ${nodes[k]}: view ${s.viewNumber} [${s.members.join(',')}] completing [${s.completing.join(',')}]`)).join('; ');
      const ok = ss.every((s): s is ClmStatus => !(s instanceof Error) && JSON.stringify(s.members) === JSON.stringify(members) && s.completing.length === 0);
      if (ok && ss.every((s) => s.viewNumber === (ss[0] as ClmStatus).viewNumber)) return BigInt((ss[0] as ClmStatus).viewNumber);
      if (Date.now() > end) throw new Error(`no common CLM view of [${members.join(',')}] within ${timeoutMs} ms: ${last}`);
      await sleep(20);
    }
  }

  async function open(node: number): Promise<SaClmHandleT> {
    const h = await saClmInitialize(null, { releaseCode: 'B', majorVersion: 1, minorVersion: 1 }, { socketPath: cluster!.node(node).socketPath });
    handles.push(h);
    return h;
  }

  async function startThree(port: number): Promise<bigint> {
    cluster = named(new RingCluster({ nodes: 3, port }));
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    return waitView([1, 2, 3], [1, 2, 3]);
  }

  it('every node reports the same view number and the same three records, with the names and addresses of the nodelist', async () => {
    const view = await startThree(5441);
    assert.ok(view >= 1n);
    const boot = btime();
    const byNode: SaClmClusterNodeT[][] = [];
    for (const i of [1, 2, 3]) {
      const h = await open(i);
      const records = await Promise.all([1, 2, 3].map((id) => saClmClusterNodeGet(h, id, 0)));
      byNode.push(records);
      assert.deepEqual(await saClmClusterNodeGet(h, SA_CLM_LOCAL_NODE_ID, 0), records[i - 1], `node ${i}: SA_CLM_LOCAL_NODE_ID names itself`);
      const cur = (await saClmClusterTrack(h, SA_TRACK_CURRENT, { viewNumber: 0n, numberOfItems: 0 }))!;
      assert.equal(cur.viewNumber, view, `node ${i}: CURRENT's view number`);
      assert.deepEqual(cur.notification!.map((n) => [n.clusterNode, n.clusterChange]), records.map((r) => [r, NO_CHANGE]), `node ${i}: CURRENT lists the three records`);
    }
    for (const [k, r] of byNode[0]!.entries()) {
      const id = k + 1;
      const addr = `127.0.0.${id}`;
      assert.deepEqual({ ...r, initialViewNumber: 0n }, {
        nodeId: id, nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: addr.length, value: addr },
        nodeName: nodeName(id), member: true, bootTimestamp: boot, initialViewNumber: 0n,
      });
      assert.ok(r.initialViewNumber >= 1n && r.initialViewNumber <= view, `node ${id}: initial view ${r.initialViewNumber} in 1..${view}`);
    }
    assert.deepEqual(byNode[1], byNode[0], 'node 2 agrees with node 1 on every record');
    assert.deepEqual(byNode[2], byNode[0], 'node 3 agrees with node 1 on every record');
    const ss = await Promise.all([1, 2, 3].map((i) => clmStatus(i)));
    for (const s of ss) {
      assert.equal(s.viewNumber, String(view));
      assert.deepEqual(s.nodes, ss[0]!.nodes);
      assert.equal(s.counters['joinsForeign'], 0);
      assert.equal(s.counters['joinsDuplicate'], 0);
      assert.equal(s.counters['malformedJoins'], 0);
    }
    assert.deepEqual(ss[0]!.nodes.map((n) => [n.nodeId, n.name, n.address, n.member]), [1, 2, 3].map((id) => [id, nodeName(id), `127.0.0.${id}`, true]));
  });

  it('kill -9 gives LEFT and a restart JOINED (a new incarnation); CHANGES_ONLY only the changed node; NodeGet of the gone node is NOT_EXIST', async () => {
    const v0 = await startThree(5443);
    const before = await saClmClusterNodeGet(await open(1), 3, 0);
    const changes = await Promise.all([1, 2].map((i) => Tracker.open(cluster!, i, SA_TRACK_CHANGES, handles)));
    const only = await Promise.all([1, 2].map((i) => Tracker.open(cluster!, i, SA_TRACK_CHANGES_ONLY, handles)));

    cluster!.signal(3, 'SIGKILL');
    await cluster!.waitExit(3);
    const v1 = await waitView([1, 2], [1, 2]);
    assert.ok(v1 > v0, `view ${v1} after ${v0}`);
    for (const t of changes) {
      const s = await t.next();
      assert.equal(s.error, SaAisErrorT.SA_AIS_OK);
      assert.equal(s.viewNumber, v1, `node ${t.node}: the callback's view number is the view every node reports`);
      assert.equal(s.numberOfMembers, 2);
      assert.deepEqual(s.items, [[1, NO_CHANGE, true], [2, NO_CHANGE, true], [3, LEFT, false]], `node ${t.node}: ${changeNames(s.items)}`);
      assert.deepEqual({ ...s.nodes[2]!, member: true }, before, 'the LEFT item carries the record the node had');
    }
    for (const t of only) {
      const s = await t.next();
      assert.equal(s.viewNumber, v1);
      assert.equal(s.numberOfMembers, 2);
      assert.deepEqual(s.items, [[3, LEFT, false]], `node ${t.node}: ${changeNames(s.items)}`);
    }
    const h = await open(2);
    await assert.rejects(saClmClusterNodeGet(h, 3, 0), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NOT_EXIST));
    const t0 = Date.now();
    await assert.rejects(saClmClusterNodeGet(h, 3, 5n * SECOND), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NOT_EXIST));
    assert.ok(Date.now() - t0 < 2000, `NOT_EXIST at once for a node that left, not after the timeout (${Date.now() - t0} ms)`);
    const table = (await clmStatus(1)).nodes.find((n) => n.nodeId === 3);
    assert.equal(table?.member, false, 'the table keeps the record of the node that left, not a member');

    await cluster!.start(3);
    await cluster!.waitRing([1, 2, 3], [1, 2, 3]);
    const v2 = await waitView([1, 2, 3], [1, 2, 3]);
    assert.ok(v2 > v1, `view ${v2} after ${v1}`);
    for (const t of changes) {
      const s = await t.next();
      assert.equal(s.viewNumber, v2);
      assert.equal(s.numberOfMembers, 3);
      assert.deepEqual(s.items, [[1, NO_CHANGE, true], [2, NO_CHANGE, true], [3, JOINED, true]], `node ${t.node}: ${changeNames(s.items)}`);
    }
    for (const t of only) {
      const s = await t.next();
      assert.equal(s.viewNumber, v2);
      assert.equal(s.numberOfMembers, 3);
      assert.deepEqual(s.items, [[3, JOINED, true]], `node ${t.node}: ${changeNames(s.items)}`);
      const again = s.nodes[0]!;
      assert.equal(again.nodeName, nodeName(3));
      assert.equal(again.nodeAddress.value, '127.0.0.3');
      // Usually v2: the restarted executive announced initial view 0. It is the number of its own
      // one-node view instead when that view completed before the merge (see the skipped test below).
      assert.ok(again.initialViewNumber >= 1n, `initial view ${again.initialViewNumber}`);
    }
    const recs = await Promise.all([1, 2, 3].map(async (i) => saClmClusterNodeGet(await open(i), 3, 0)));
    assert.deepEqual(recs[1], recs[0]);
    assert.deepEqual(recs[2], recs[0]);
    for (const t of [...changes, ...only]) t.assertQuiet();
  });

  it('a clean stop (SIGTERM) gives LEFT on every other node, with the view number they all report', async () => {
    const v0 = await startThree(5445);
    const only = await Promise.all([1, 2].map((i) => Tracker.open(cluster!, i, SA_TRACK_CHANGES_ONLY, handles)));
    cluster!.signal(3, 'SIGTERM');
    await cluster!.waitExit(3);
    assert.equal(cluster!.node(3).proc!.exitCode, 0, cluster!.node(3).output);
    const v1 = await waitView([1, 2], [1, 2]);
    assert.ok(v1 > v0);
    for (const t of only) {
      const s = await t.next();
      assert.equal(s.viewNumber, v1);
      assert.equal(s.numberOfMembers, 2);
      assert.deepEqual(s.items, [[3, LEFT, false]], `node ${t.node}: ${changeNames(s.items)}`);
      t.assertQuiet();
    }
    await assert.rejects(saClmClusterNodeGet(await open(1), 3, SECOND), (e) => isAisError(e, SaAisErrorT.SA_AIS_ERR_NOT_EXIST));
  });

  it('NodeGet of a node that is joining, issued while its record is on its way, waits for the record rather than failing', async () => {
    cluster = named(new RingCluster({ nodes: 3, port: 5447 }));
    await cluster.start(1);
    await cluster.start(2);
    await cluster.waitRing([1, 2], [1, 2]);
    await waitView([1, 2], [1, 2]);
    // Probes with timeout 0 on nodes 1 and 2: NOT_EXIST before the configuration with node 3,
    // TIMEOUT while its record is on its way (the witness that the window is open), OK after.
    // On the first TIMEOUT, a query with a 10 s timeout goes out at once: it must wait and
    // return the record (the view completes within ms), never NOT_EXIST or TIMEOUT.
    const probes = await Promise.all([1, 2, 1, 2, 1, 2].map((i) => open(i)));
    const seen = new Set<string>();
    const waited: Array<{ node: number; ms: number; result: SaClmClusterNodeT | Error }> = [];
    let stop = false;
    let windowHit = false;
    const loops = probes.map(async (h, k) => {
      const node = (k % 2) + 1;
      while (!stop) {
        try {
          await saClmClusterNodeGet(h, 3, 0);
          seen.add('OK');
        } catch (e) {
          if (!isAisError(e)) throw e;
          seen.add(SaAisErrorT[e.code]!);
          if (e.code === SaAisErrorT.SA_AIS_ERR_TIMEOUT && !windowHit) {
            windowHit = true;
            const t0 = Date.now();
            const result = await saClmClusterNodeGet(h, 3, 10n * SECOND).catch((x: Error) => x);
            waited.push({ node, ms: Date.now() - t0, result });
          }
        }
      }
    });
    try {
      await cluster.start(3);
      await cluster.waitRing([1, 2, 3], [1, 2, 3]);
      await waitView([1, 2, 3], [1, 2, 3]);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    assert.ok(windowHit, `no probe landed between the configuration change and the view (answers: ${[...seen].join(', ')})`);
    assert.equal(waited.length, 1);
    const w = waited[0]!;
    assert.ok(!(w.result instanceof Error), `node ${w.node}: NodeGet(3, 10 s) issued while node 3's record was on its way failed: ${(w.result as Error).message}`);
    assert.deepEqual(w.result, await saClmClusterNodeGet(await open(w.node), 3, 0));
    assert.equal(w.result.nodeName, nodeName(3));
    assert.equal(w.result.member, true);
    assert.ok(w.ms < 5000, `answered when the view completed, after ${w.ms} ms`);
    assert.deepEqual([...seen].filter((x) => !['OK', 'SA_AIS_ERR_NOT_EXIST', 'SA_AIS_ERR_TIMEOUT'].includes(x)), []);
  });

  it('a node paused beyond the token (SIGSTOP) is LEFT; on SIGCONT it is JOINED again with its initial view, in one view above both sides\'', async () => {
    const v0 = await startThree(5449);
    const s0 = await clmStatus(1);
    const initial2 = s0.nodes.find((n) => n.nodeId === 2)!.initialViewNumber;
    const only = await Promise.all([1, 3].map((i) => Tracker.open(cluster!, i, SA_TRACK_CHANGES_ONLY, handles)));
    cluster!.signal(2, 'SIGSTOP');
    const v1 = await waitView([1, 3], [1, 3]);
    assert.ok(v1 > v0);
    for (const t of only) {
      const s = await t.next();
      assert.equal(s.viewNumber, v1);
      assert.deepEqual(s.items, [[2, LEFT, false]], `node ${t.node}: ${changeNames(s.items)}`);
    }
    await sleep(300);
    cluster!.signal(2, 'SIGCONT');
    await cluster!.waitRing([1, 2, 3], [1, 2, 3]);
    const v2 = await waitView([1, 2, 3], [1, 2, 3]);
    // Node 2's side never got past v0 (or a view of its own after waking): the merge is above both.
    assert.ok(v2 > v1, `view ${v2} after ${v1}`);
    for (const t of only) {
      const s = await t.next();
      assert.equal(s.viewNumber, v2);
      assert.equal(s.numberOfMembers, 3);
      assert.deepEqual(s.items, [[2, JOINED, true]], `node ${t.node}: ${changeNames(s.items)}`);
      assert.equal(s.nodes[0]!.initialViewNumber, BigInt(initial2), 'the same executive keeps its initial view number');
      t.assertQuiet();
    }
    const ss = await Promise.all([1, 2, 3].map((i) => clmStatus(i)));
    for (const s of ss) assert.deepEqual(s.nodes, ss[0]!.nodes);
    assert.deepEqual(ss[0]!.nodes.map((n) => n.initialViewNumber), s0.nodes.map((n) => n.initialViewNumber));
  });

  // Once a known bug (see docs/clm.md, "Restarts"): an executive that restarts completes a one-node
  // view on its own before it finds the others, so it no longer announces initial view 0. When the
  // others have not yet noticed its death, only its new incarnation tells them it restarted.
  // Deterministic here: nodes 1 and 2 are paused (for less than the token) while node 3 restarts,
  // so node 3 completes its one-node view before they hear from it.
  it('an executive restarted before the others notice its death is JOINED, with the merged view as its initial view', async () => {
    cluster = named(new RingCluster({ nodes: 3, port: 5451, totem: ['token: 5000'] }));
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const v0 = await waitView([1, 2, 3], [1, 2, 3]);
    const only = await Promise.all([1, 2].map((i) => Tracker.open(cluster!, i, SA_TRACK_CHANGES_ONLY, handles)));
    cluster.signal(3, 'SIGKILL');
    await cluster.waitExit(3);
    cluster.signal(1, 'SIGSTOP');
    cluster.signal(2, 'SIGSTOP');
    try {
      await cluster.start(3);
      const end = Date.now() + 3000;
      while ((await clmStatus(3)).viewNumber === '0') {
        if (Date.now() > end) throw new Error('node 3 completed no view of its own');
        await sleep(10);
      }
    } finally {
      cluster.signal(1, 'SIGCONT');
      cluster.signal(2, 'SIGCONT');
    }
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const v1 = await waitView([1, 2, 3], [1, 2, 3]);
    assert.ok(v1 > v0);
    for (const t of only) {
      const s = await t.next();
      assert.equal(s.viewNumber, v1);
      assert.deepEqual(s.items, [[3, JOINED, true]], `node ${t.node}: ${changeNames(s.items)}`);
      assert.equal(s.nodes[0]!.initialViewNumber, v1);
    }
  });
});
