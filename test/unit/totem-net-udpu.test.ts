// Transport udpu over real sockets on loopback addresses: unicast and the
// "multicast" loop among three nodes on 127.0.0.1-3, block_unlisted_ips,
// the fault-injection switch, datagram size limits, send errors and open
// failures as counted values and AisErrors, and ring 1 on 127.0.1.x.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { AisInvalidParamError, AisNoResourcesError } from '../../lib-ais/errors.js';
import type { RingMember } from '../../aisexec/totem/net/members.js';
import { DATAGRAM_BYTES_MAX, SOCKET_BUFFER_BYTES, type RingNo } from '../../aisexec/totem/net/transport.js';
import { UdpuTransport, type UdpuOptions } from '../../aisexec/totem/net/udpu.js';
import { freeUdpPort, until } from '../helpers/wait.js';

interface Got { at: number; ring: RingNo; data: Buffer; from: string }

const freePort = (): Promise<number> => freeUdpPort();

/** Lets datagrams that could still arrive do so (loopback delivers within microseconds). */
const settle = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const io of ['native', 'dgram'] as const) describe(`udpu transport (real sockets on 127.0.0.x), ${io} I/O`, () => {
  const make = (o: UdpuOptions): UdpuTransport => new UdpuTransport({ ...o, io });
  const open: { close(): Promise<void> | void }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  /** Nodes 1..n at `${prefix}.1..n`, all on `port`; returns the transports and what each received. */
  async function cluster(n: number, port: number, opts: { prefix?: string; ring?: RingNo; block?: boolean } = {}) {
    const prefix = opts.prefix ?? '127.0.0';
    const ring = opts.ring ?? 0;
    const members: RingMember[] = Array.from({ length: n }, (_, i) => ({ nodeid: i + 1, address: `${prefix}.${i + 1}` }));
    const got: Got[][] = members.map(() => []);
    const ts = members.map((m, i) => {
      const o: UdpuOptions = {
        ring, nodeid: m.nodeid, localAddress: m.address, port, members, blockUnlistedIps: opts.block ?? true,
        onPacket: (r, data, from) => got[i]!.push({ at: i + 1, ring: r, data, from }),
      };
      return make(o);
    });
    open.push(...ts);
    await Promise.all(ts.map((t) => t.open()));
    return { ts, got };
  }

  it('carries a unicast to one member and a "multicast" to every other member, naming the sender', async () => {
    const { ts, got } = await cluster(3, await freePort());
    ts[0]!.sendUnicast(2, Buffer.from('token'));
    ts[2]!.sendMulticast(Buffer.from('mcast from 3'));
    await until(() => got[1]!.length === 2 && got[0]!.length === 1, 'three datagrams');
    await settle();
    assert.deepEqual(got[0]!.map((g) => [g.data.toString(), g.from, g.ring]), [['mcast from 3', '127.0.0.3', 0]]);
    assert.deepEqual(got[1]!.map((g) => [g.data.toString(), g.from]).sort(), [['mcast from 3', '127.0.0.3'], ['token', '127.0.0.1']]);
    assert.deepEqual(got[2], [], 'a node does not send its multicast to itself');
    const s3 = ts[2]!.status().counters;
    assert.equal(s3.packetsSent, 2);
    assert.equal(s3.bytesSent, 2 * 'mcast from 3'.length);
    assert.equal(ts[1]!.status().counters.packetsReceived, 2);
    assert.equal(ts[1]!.status().counters.bytesReceived, 'token'.length + 'mcast from 3'.length);
  });

  it('keeps order within a burst: 200 frames to two members and a token, as one token visit sends them', async () => {
    const { ts, got } = await cluster(3, await freePort());
    assert.equal(ts[0]!.status().io, io);
    for (let i = 0; i < 200; i++) ts[0]!.sendMulticast(Buffer.from(`frame ${i}`));
    ts[0]!.sendUnicast(2, Buffer.from('token'));
    ts[0]!.flush();
    await until(() => got[1]!.length === 201 && got[2]!.length === 200, 'the burst');
    assert.deepEqual(got[1]!.map((g) => g.data.toString()), [...Array.from({ length: 200 }, (_, i) => `frame ${i}`), 'token']);
    assert.equal(ts[0]!.status().counters.packetsSent, 401);
  });

  it('passes datagrams up to 65507 bytes (commit tokens of large rings) and counts larger ones as not sent', async () => {
    const { ts, got } = await cluster(2, await freePort());
    const big = Buffer.alloc(DATAGRAM_BYTES_MAX, 0xab);
    ts[0]!.sendUnicast(2, big);
    ts[0]!.sendUnicast(2, Buffer.alloc(9000, 1));
    ts[0]!.sendUnicast(2, Buffer.alloc(DATAGRAM_BYTES_MAX + 1));
    await until(() => got[1]!.length === 2, 'the two datagrams that fit');
    await settle();
    assert.equal(got[1]!.length, 2);
    assert.ok(got[1]!.some((g) => g.data.length === DATAGRAM_BYTES_MAX && g.data.equals(big)));
    const c = ts[0]!.status().counters;
    assert.equal(c.droppedNotSent, 1);
    assert.equal(c.packetsSent, 2);
  });

  it('drops and counts datagrams from addresses outside the nodelist (block_unlisted_ips), and admits them when off', async () => {
    const port = await freePort();
    const { ts, got } = await cluster(2, port);
    const stranger = dgram.createSocket('udp4');
    open.push({ close: () => new Promise<void>((r) => stranger.close(() => r())) });
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.9', r));
    stranger.send('forged', port, '127.0.0.1');
    ts[1]!.sendUnicast(1, Buffer.from('listed'));
    await until(() => ts[0]!.status().counters.droppedUnlisted === 1 && got[0]!.length === 1, 'the forged datagram dropped');
    assert.deepEqual(got[0]!.map((g) => g.data.toString()), ['listed']);

    const open2 = await cluster(2, await freePort(), { block: false, prefix: '127.0.2' });
    stranger.send('welcome', open2.ts[0]!.status().port, '127.0.2.1');
    await until(() => open2.got[0]!.length === 1, 'the unlisted datagram admitted');
    assert.equal(open2.got[0]![0]!.from, '127.0.0.9');
    assert.equal(open2.ts[0]!.status().counters.droppedUnlisted, 0);
  });

  it('setBlocked drops everything sent and received on the ring, counted apart, until unblocked', async () => {
    const { ts, got } = await cluster(3, await freePort());
    ts[1]!.setBlocked(true);
    ts[1]!.sendMulticast(Buffer.from('out'));
    ts[1]!.sendUnicast(1, Buffer.from('out'));
    ts[0]!.sendMulticast(Buffer.from('in'));
    await until(() => got[2]!.length === 1, 'node 3 hears node 1');
    await until(() => ts[1]!.status().counters.droppedBlockedReceive === 1, 'node 2 drops what it receives');
    await settle();
    assert.deepEqual(got[1], []);
    assert.deepEqual(got[0], []);
    const c = ts[1]!.status().counters;
    assert.equal(c.droppedBlockedSend, 3, 'two multicast copies and one unicast');
    assert.equal(c.packetsSent, 0);
    assert.equal(ts[1]!.status().blocked, true);
    ts[1]!.setBlocked(false);
    ts[0]!.sendUnicast(2, Buffer.from('again'));
    ts[1]!.sendUnicast(3, Buffer.from('back'));
    await until(() => got[1]!.length === 1 && got[2]!.length === 2, 'traffic after unblocking');
  });

  it('counts a unicast to an unknown node and sends on a closed transport, never throws', async () => {
    const port = await freePort();
    const t = make({ ring: 0, nodeid: 1, localAddress: '127.0.0.1', port, members: [{ nodeid: 1, address: '127.0.0.1' }, { nodeid: 2, address: '127.0.0.2' }], blockUnlistedIps: true, onPacket: () => {} });
    open.push(t);
    t.sendUnicast(2, Buffer.from('before open'));
    await t.open();
    t.sendUnicast(77, Buffer.from('nobody'));
    await t.close();
    t.sendMulticast(Buffer.from('after close'));
    await t.close(); // idempotent
    const c = t.status().counters;
    assert.equal(c.droppedUnknownNode, 1);
    assert.equal(c.droppedNotSent, 2);
    assert.equal(t.status().open, false);
  });

  it('counts send errors instead of throwing (EACCES-class errors: a broadcast address without SO_BROADCAST)', async () => {
    const port = await freePort();
    const t = make({
      ring: 0, nodeid: 1, localAddress: '127.0.0.1', port, blockUnlistedIps: true, onPacket: () => {},
      members: [{ nodeid: 1, address: '127.0.0.1' }, { nodeid: 2, address: '127.255.255.255' }],
    });
    open.push(t);
    await t.open();
    t.sendUnicast(2, Buffer.from('x'));
    await until(() => t.status().counters.sendErrors.other === 1, 'the send error counted');
  });

  it('runs ring 1 on a second set of loopback addresses (127.0.1.x) beside ring 0', async () => {
    const port = await freePort();
    const r0 = await cluster(3, port);
    const r1 = await cluster(3, port + 2 <= 65535 ? port + 2 : port - 2, { prefix: '127.0.1', ring: 1 });
    r0.ts[0]!.sendMulticast(Buffer.from('ring0'));
    r1.ts[0]!.sendMulticast(Buffer.from('ring1'));
    await until(() => r0.got[1]!.length === 1 && r0.got[2]!.length === 1 && r1.got[1]!.length === 1 && r1.got[2]!.length === 1, 'both rings');
    assert.deepEqual(r1.got[2]!.map((g) => [g.ring, g.data.toString(), g.from]), [[1, 'ring1', '127.0.1.1']]);
    assert.deepEqual(r0.got[2]!.map((g) => [g.ring, g.data.toString(), g.from]), [[0, 'ring0', '127.0.0.1']]);
    assert.equal(r1.ts[0]!.ring, 1);
  });

  it('asks for 4 MiB socket buffers and reports what the kernel granted', async () => {
    const { ts } = await cluster(1, await freePort());
    const s = ts[0]!.status();
    // Linux caps SO_RCVBUF at net.core.rmem_max and reports twice the value set.
    const cap = (file: string): number => {
      try { return Number(fs.readFileSync(file, 'utf8')); } catch { return SOCKET_BUFFER_BYTES; }
    };
    assert.equal(s.recvBufferBytes, 2 * Math.min(SOCKET_BUFFER_BYTES, cap('/proc/sys/net/core/rmem_max')));
    assert.equal(s.sendBufferBytes, 2 * Math.min(SOCKET_BUFFER_BYTES, cap('/proc/sys/net/core/wmem_max')));
  });

  it('rejects open with an AisError naming ring, address and port, and leaves no socket behind', async () => {
    const port = await freePort();
    const notHere = make({ ring: 1, nodeid: 1, localAddress: '192.0.2.77', port, members: [], blockUnlistedIps: true, onPacket: () => {} });
    await assert.rejects(notHere.open(), (e: unknown) => e instanceof AisInvalidParamError && /ring 1: cannot bind udpu socket to 192\.0\.2\.77:\d+/.test(e.message));
    const first = make({ ring: 0, nodeid: 1, localAddress: '127.0.0.1', port, members: [], blockUnlistedIps: true, onPacket: () => {} });
    open.push(first);
    await first.open();
    const twin = make({ ring: 0, nodeid: 2, localAddress: '127.0.0.1', port, members: [], blockUnlistedIps: true, onPacket: () => {} });
    await assert.rejects(twin.open(), (e: unknown) => e instanceof AisNoResourcesError && /127\.0\.0\.1:\d+/.test(e.message));
    assert.equal(twin.status().open, false);
  });
});
