// Transport udp over real sockets: IP multicast on the loopback interface
// (Linux delivers multicast on lo with IP_MULTICAST_IF set to a 127.x
// address and multicast loop on; no namespace or host change is needed),
// the unicast token to members from the nodelist or learnt from packets,
// our own looped multicast dropped, broadcast mode, and the pure address
// helpers of rings.ts (bindnetaddr resolution, broadcast address).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { broadcastAddress, resolveBindnetaddr, type InterfaceTable } from '../../aisexec/totem/net/rings.js';
import type { RingNo } from '../../aisexec/totem/net/transport.js';
import { UdpTransport, type UdpOptions } from '../../aisexec/totem/net/udp.js';
import { until } from '../helpers/wait.js';

interface Got { ring: RingNo; data: string; from: string }

/** A port p with p and p - 1 free on 127.0.0.1 now. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const { port } = s.address();
    const t = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      t.once('error', () => r(false));
      t.bind(port - 1, '127.0.0.1', () => r(true));
    });
    await Promise.all([s, t].map((x) => new Promise<void>((r) => { try { x.close(() => r()); } catch { r(); } })));
    if (ok && port > 2) return port;
  }
}

const settle = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A multicast group unlikely to be shared with a concurrent test run. */
function group(): string {
  return `239.192.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

describe('udp transport (IP multicast on loopback)', () => {
  const open: UdpTransport[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function cluster(n: number, extra: Partial<UdpOptions> & { nodelist?: boolean } = {}) {
    const port = extra.port ?? await freePortPair();
    const mcastAddress = extra.mcastAddress ?? group();
    const members = Array.from({ length: n }, (_, i) => ({ nodeid: i + 1, address: `127.0.0.${i + 1}` }));
    const got: Got[][] = members.map(() => []);
    const ts = members.map((m, i) => new UdpTransport({
      ring: 0, nodeid: m.nodeid, localAddress: m.address, port, mcastAddress, ttl: 1,
      members: extra.nodelist === false ? [] : members,
      onPacket: (ring, data, from) => got[i]!.push({ ring, data: data.toString(), from }),
      ...(extra.broadcast !== undefined ? { broadcast: extra.broadcast } : {}),
      ...(extra.blockUnlistedIps !== undefined ? { blockUnlistedIps: extra.blockUnlistedIps } : {}),
    }));
    open.push(...ts);
    await Promise.all(ts.map((t) => t.open()));
    return { ts, got, port, mcastAddress };
  }

  it('multicasts to every other node sharing the host, and drops its own looped copy', async () => {
    const { ts, got } = await cluster(3);
    ts[0]!.sendMulticast(Buffer.from('m1'));
    ts[1]!.sendMulticast(Buffer.from('m2'));
    await until(() => got[2]!.length === 2 && got[0]!.length === 1 && got[1]!.length === 1, 'the multicasts');
    await settle();
    assert.deepEqual(got[2]!.map((g) => `${g.data}<${g.from}`).sort(), ['m1<127.0.0.1', 'm2<127.0.0.2']);
    assert.deepEqual(got[0]!.map((g) => g.data), ['m2']);
    assert.deepEqual(got[1]!.map((g) => g.data), ['m1']);
    assert.equal(ts[0]!.status().counters.droppedOwn, 1);
    assert.equal(ts[0]!.status().counters.packetsSent, 1, 'one datagram, whatever the number of members');
  });

  it('sends the token as a unicast to a nodelist member, received on local:mcastport', async () => {
    const { ts, got } = await cluster(3);
    ts[0]!.sendUnicast(3, Buffer.from('token'));
    await until(() => got[2]!.length === 1, 'the token');
    await settle();
    assert.deepEqual(got[2], [{ ring: 0, data: 'token', from: '127.0.0.1' }]);
    assert.deepEqual(got[1], []);
  });

  it('without a nodelist learns members from the driver, and counts tokens to nodes not yet known', async () => {
    const { ts, got } = await cluster(2, { nodelist: false });
    ts[1]!.sendMulticast(Buffer.from('hello from 2'));
    await until(() => got[0]!.length === 1, 'the multicast');
    ts[0]!.sendUnicast(2, Buffer.from('too early'));
    assert.equal(ts[0]!.status().counters.droppedUnknownNode, 1);
    // The driver read sender id 2 inside the packet and saw its source address.
    assert.equal(ts[0]!.learnMember(2, got[0]![0]!.from), true);
    assert.equal(ts[0]!.learnMember(3, '239.1.1.1'), false, 'a multicast address is nobody\'s');
    assert.equal(ts[0]!.learnMember(3, '::1'), false, 'an address of the other family');
    ts[0]!.sendUnicast(2, Buffer.from('token'));
    await until(() => got[1]!.length === 1, 'the token to the learnt address');
    assert.equal(got[1]![0]!.data, 'token');
  });

  it('filters unlisted sources only when asked (corosync totemudp does not)', async () => {
    const { ts, got, port, mcastAddress } = await cluster(2, { blockUnlistedIps: true });
    const stranger = dgram.createSocket({ type: 'udp4' });
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.9', r));
    try {
      stranger.setMulticastInterface('127.0.0.9');
      stranger.send('forged', port, mcastAddress);
      ts[1]!.sendMulticast(Buffer.from('real'));
      await until(() => ts[0]!.status().counters.droppedUnlisted === 1 && got[0]!.length === 1, 'the forged multicast dropped');
      assert.deepEqual(got[0]!.map((g) => g.data), ['real']);
    } finally {
      await new Promise<void>((r) => stranger.close(() => r()));
    }
  });

  it('setBlocked drops sends and receives', async () => {
    const { ts, got } = await cluster(2);
    ts[1]!.setBlocked(true);
    ts[0]!.sendMulticast(Buffer.from('in'));
    ts[1]!.sendMulticast(Buffer.from('out'));
    await until(() => ts[1]!.status().counters.droppedBlockedReceive === 1, 'the blocked receive');
    await settle();
    assert.deepEqual(got[0], []);
    assert.deepEqual(got[1], []);
    assert.equal(ts[1]!.status().counters.droppedBlockedSend, 1);
  });

  it('broadcast: yes sends to the network\'s broadcast address instead of a group', async () => {
    const { ts, got } = await cluster(3, { broadcast: true, mcastAddress: '127.255.255.255' });
    ts[2]!.sendMulticast(Buffer.from('bcast'));
    await until(() => got[0]!.length === 1 && got[1]!.length === 1, 'the broadcast');
    await settle();
    assert.deepEqual(got[2], []);
    assert.equal(ts[2]!.status().counters.droppedOwn, 1);
  });

  it('rejects a second transport on the same address and port as an AisError, closing what it opened', async () => {
    const { port, mcastAddress } = await cluster(1);
    const twin = new UdpTransport({ ring: 0, nodeid: 2, localAddress: '127.0.0.1', port, mcastAddress, ttl: 1, members: [], onPacket: () => {} });
    await assert.rejects(twin.open(), /ring 0: cannot bind the unicast receive socket to 127\.0\.0\.1:\d+/);
    assert.equal(twin.status().open, false);
  });
});

describe('ring addresses (pure helpers)', () => {
  const ifaces: InterfaceTable = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      { address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.2/24' },
      { address: 'fd00::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fd00::2/64', scopeid: 0 },
    ],
  };

  it('resolves bindnetaddr as corosync does: a local address itself, or the local address inside that network', () => {
    assert.equal(resolveBindnetaddr('192.0.2.2', ifaces), '192.0.2.2');
    assert.equal(resolveBindnetaddr('192.0.2.0', ifaces), '192.0.2.2');
    assert.equal(resolveBindnetaddr('127.0.0.0', ifaces), '127.0.0.1');
    assert.equal(resolveBindnetaddr('fd00::', ifaces), 'fd00::2');
    assert.equal(resolveBindnetaddr('fd00:0:0:0::2', ifaces), 'fd00::2');
    assert.equal(resolveBindnetaddr('198.51.100.0', ifaces), undefined);
    assert.equal(resolveBindnetaddr('fd01::', ifaces), undefined);
  });

  it('computes the broadcast address of a local address\'s network', () => {
    assert.equal(broadcastAddress('192.0.2.2', ifaces), '192.0.2.255');
    assert.equal(broadcastAddress('127.0.0.1', ifaces), '127.255.255.255');
    assert.equal(broadcastAddress('10.9.9.9', ifaces), '255.255.255.255');
  });
});
