// The Totem ring with real aisexec processes on loopback (127.0.0.1, .2, ...):
// formation, kill -9, SIGSTOP/SIGCONT, partition and merge, authentication,
// redundant rings. Timing bounds here are generous (CI machines are slow);
// the measured figures live in bench/ring and BENCHMARKS.md.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { CfgClient } from '../../lib-ais/cfg.js';
import { RingCluster, sleep } from '../helpers/ring-cluster.js';

describe('the ring (real processes on loopback)', function () {
  this.timeout(60_000);
  let cluster: RingCluster | undefined;
  afterEach(async () => {
    await cluster?.stopAll();
    cluster = undefined;
  });

  it('3 nodes form one ring; agreed delivery reaches every node in the same order', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5411 });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    // CFG's mcast ping goes through the ring and is answered on delivery.
    const clients = await Promise.all([1, 2, 3].map((i) => CfgClient.open({}, { socketPath: cluster!.node(i).socketPath })));
    try {
      const replies = await Promise.all(clients.flatMap((c, k) => Array.from({ length: 20 }, (_, j) => c.mcastPing(Buffer.from(`n${k + 1}-${j}`)))));
      assert.equal(replies.length, 60);
    } finally {
      for (const c of clients) c.finalize();
    }
    const s = await cluster.status(2);
    assert.equal(s.ringId?.rep, 1);
  });

  it('5 nodes: kill -9 of one gives a new membership of the other four within 1.3 x token (plus scheduling slack)', async () => {
    cluster = new RingCluster({ nodes: 5, port: 5413, totem: ['token: 1000', 'token_coefficient: 0'] });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]);
    const killedAt = Date.now();
    cluster.signal(3, 'SIGKILL');
    await cluster.waitExit(3);
    await cluster.waitRing([1, 2, 4, 5], [1, 2, 4, 5]);
    const ms = Date.now() - killedAt;
    assert.ok(ms < 1300 + 700, `new ring after ${ms} ms`);
  });

  it('SIGSTOP for longer than the token, then SIGCONT: the node leaves the ring and rejoins', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5415, totem: ['token: 1000', 'token_coefficient: 0'] });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    cluster.signal(2, 'SIGSTOP');
    await cluster.waitRing([1, 3], [1, 3]);
    await sleep(300);
    cluster.signal(2, 'SIGCONT');
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
  });

  it('an orderly stop (SIGTERM) sends a leave: the others re-form in well under the token timeout', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5417, totem: ['token: 3000', 'token_coefficient: 0'] });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const t0 = Date.now();
    cluster.signal(3, 'SIGTERM');
    await cluster.waitRing([1, 2], [1, 2]);
    assert.ok(Date.now() - t0 < 1500, `re-formed after ${Date.now() - t0} ms with token 3000`);
  });

  it('a node with the wrong authkey never joins; its packets are dropped as unauthenticated', async () => {
    const key = crypto.randomBytes(128);
    cluster = new RingCluster({ nodes: 3, port: 5419, authkey: key, authkeyFor: (n) => (n === 3 ? crypto.randomBytes(128) : undefined) });
    await cluster.startAll();
    await cluster.waitRing([1, 2], [1, 2]);
    await sleep(1500);
    const s1 = await cluster.status(1);
    assert.deepEqual(s1.members, [1, 2]);
    const s3 = await cluster.status(3);
    assert.deepEqual(s3.members, [3]);
    assert.ok((s1.counters.packetsUnauthenticated as number) > 0, 'node 1 dropped node 3\'s packets');
  });

  it('transport udp (IP multicast on loopback): 3 nodes form one ring and deliver', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5421, transport: 'udp' });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const c = await CfgClient.open({}, { socketPath: cluster.node(3).socketPath });
    try {
      assert.deepEqual(await c.mcastPing(Buffer.from('over multicast')), Buffer.from('over multicast'));
    } finally {
      c.finalize();
    }
  });

  it('a 512 KiB message is fragmented, carried and reassembled at every node', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5423 });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const big = crypto.randomBytes(512 * 1024);
    const c = await CfgClient.open({}, { socketPath: cluster.node(2).socketPath });
    try {
      const echoed = await c.mcastPing(big);
      assert.ok(echoed.equals(big), 'the delivered copy is byte-identical');
    } finally {
      c.finalize();
    }
    const s = (await cluster.status(1)) as unknown as { assembler: { messagesReassembled: number } };
    assert.ok(s.assembler.messagesReassembled >= 1, 'node 1 reassembled it too');
  });

  it('two partitions: node 3 cut off forms its own ring while 1 and 2 carry on; healed, the two rings merge into one', async () => {
    cluster = new RingCluster({ nodes: 3, port: 5425, totem: ['token: 1000', 'token_coefficient: 0'], env: { RINGFORT_FAULT_INJECTION: '1' } });
    await cluster.startAll();
    await cluster.waitRing([1, 2, 3], [1, 2, 3]);
    const c3 = await CfgClient.open({}, { socketPath: cluster.node(3).socketPath });
    try {
      await c3.ringBlock(0, true); // everything node 3 sends or receives on its only ring is dropped
      await cluster.waitRing([1, 2], [1, 2]);
      await cluster.waitRing([3], [3]);
      // Both sides keep delivering on their own.
      const c1 = await CfgClient.open({}, { socketPath: cluster.node(1).socketPath });
      try {
        assert.deepEqual(await c1.mcastPing(Buffer.from('side a')), Buffer.from('side a'));
      } finally {
        c1.finalize();
      }
      assert.deepEqual(await c3.mcastPing(Buffer.from('side b')), Buffer.from('side b'));
      const before = [await cluster.status(1), await cluster.status(3)].map((s) => BigInt(s.ringId!.seq));
      await c3.ringBlock(0, false);
      await cluster.waitRing([1, 2, 3], [1, 2, 3]);
      const merged = BigInt((await cluster.status(2)).ringId!.seq);
      assert.ok(before.every((b) => merged > b), 'the merged ring is numbered above both partitions\' rings');
    } finally {
      c3.finalize();
    }
  });
});

