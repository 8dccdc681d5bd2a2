// The native ring socket (aisexec/totem/net/native-socket.ts over
// native/build/libringfort-net.so) on loopback: batched sends and reads over
// IPv4 and IPv6, source addresses as dgram writes them, errno errors with
// Node's codes, and datagrams that stay intact after later reads.
import assert from 'node:assert/strict';
import os from 'node:os';
import { NativeUdpSocket, errnoError, nativeNetUnavailable, setSegmentationOffload } from '../../aisexec/totem/net/native-socket.js';
import { freeUdpPort, until } from '../helpers/wait.js';

interface Got { data: Buffer; from: string }


describe('native ring socket (recvmmsg/sendmmsg through koffi)', () => {
  const sockets: NativeUdpSocket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });

  function socket(family: 4 | 6, got: Got[], errors: NodeJS.ErrnoException[] = []): NativeUdpSocket {
    const s = new NativeUdpSocket(family, {
      onDatagram: (data, from) => got.push({ data, from }),
      onSendError: (e) => errors.push(e),
      onReceiveError: () => assert.fail('receive error'),
    });
    sockets.push(s);
    return s;
  }

  it('is built by npm run build (native/Makefile)', () => {
    assert.equal(nativeNetUnavailable(), undefined);
  });

  for (const [family, address, text] of [[4, '127.0.0.1', '127.0.0.1'], [6, '::1', '0:0:0:0:0:0:0:1']] as const) {
    it(`IPv${family}: 300 datagrams queued in one turn arrive in order, each its own copy, from ${address}`, async () => {
      const [pa, pb] = [await freeUdpPort(address), await freeUdpPort(address)];
      const got: Got[] = [];
      const a = socket(family, []);
      const b = socket(family, got);
      a.open(address, pa, 1 << 22);
      b.open(address, pb, 1 << 22);
      const to = a.peer(address, pb);
      assert.equal(a.peer(address, pb), to, 'a peer is registered once');
      for (let i = 0; i < 300; i++) a.send(Buffer.from(`datagram ${i} `.padEnd(100 + i, '.')), to);
      await until(() => got.length === 300, 'the batch');
      got.forEach((g, i) => {
        assert.equal(g.data.toString(), `datagram ${i} `.padEnd(100 + i, '.'));
        assert.equal(g.from, text);
      });
      // Received buffers are copies: more traffic through the same receive slots leaves them as they were.
      a.send(Buffer.alloc(500, 0x41), to);
      await until(() => got.length === 301, 'one more');
      assert.equal(got[0]!.data.toString(), 'datagram 0 '.padEnd(100, '.'));
    });
  }

  for (const gso of [true, false]) it(`${gso ? 'segments' : 'with segmentation offload off, sends one by one'} a run of equal-sized datagrams to one peer; the receiver gets each one, in order, the shorter last one too`, async () => {
    setSegmentationOffload(gso);
    const port = await freeUdpPort();
    const got2: Got[] = [];
    const got3: Got[] = [];
    const a = socket(4, []);
    a.open('127.0.0.1', port, 1 << 22);
    socket(4, got2).open('127.0.0.2', port, 1 << 22);
    socket(4, got3).open('127.0.0.3', port, 1 << 22);
    const [p2, p3] = [a.peer('127.0.0.2', port), a.peer('127.0.0.3', port)];
    // A token visit: 100 full frames to both members interleaved (more than one super-datagram holds), then a short token.
    for (let i = 0; i < 100; i++) for (const p of [p2, p3]) a.send(Buffer.alloc(1400, i), p);
    a.send(Buffer.from('token'), p2);
    a.flush();
    await until(() => got2.length === 101 && got3.length === 100, 'every segment');
    got3.forEach((g, i) => assert.ok(g.data.length === 1400 && g.data.every((b) => b === i), `frame ${i}`));
    assert.equal(got2.at(-1)!.data.toString(), 'token');
    const [major, minor] = os.release().split('.').map(Number) as [number, number];
    if (gso && (major > 4 || (major === 4 && minor >= 18))) assert.equal(a.segmentationOffload, true, 'loopback takes UDP_SEGMENT on Linux 4.18+');
    if (!gso) assert.equal(a.segmentationOffload, false);
    setSegmentationOffload(true);
  });

  it('reports a bind failure as Node would (code EADDRINUSE / EADDRNOTAVAIL), a bad peer address as -1', async () => {
    const port = await freeUdpPort();
    const a = socket(4, []);
    a.open('127.0.0.1', port, 0);
    const twin = socket(4, []);
    assert.throws(() => twin.open('127.0.0.1', port, 0), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE' && /127\.0\.0\.1/.test(e.message));
    assert.equal(twin.isOpen, false);
    assert.throws(() => socket(4, []).open('192.0.2.77', port, 0), (e: NodeJS.ErrnoException) => e.code === 'EADDRNOTAVAIL');
    assert.equal(a.peer('not an address', 1), -1);
    assert.equal(errnoError(98, 'bind').code, 'EADDRINUSE');
  });

  it('counts a refused send per datagram and goes on with the rest; close flushes, then sending is a no-op', async () => {
    const port = await freeUdpPort();
    const got: Got[] = [];
    const errors: NodeJS.ErrnoException[] = [];
    const a = socket(4, [], errors);
    const b = socket(4, got);
    a.open('127.0.0.1', port, 0);
    b.open('127.0.0.2', port, 0);
    const bad = a.peer('127.255.255.255', port); // broadcast without SO_BROADCAST: EACCES
    const good = a.peer('127.0.0.2', port);
    a.send(Buffer.from('one'), good);
    a.send(Buffer.from('refused'), bad);
    a.send(Buffer.from('two'), good);
    a.close();
    a.send(Buffer.from('after close'), good);
    a.flush();
    await until(() => got.length === 2, 'the two good ones');
    assert.deepEqual(got.map((g) => g.data.toString()), ['one', 'two']);
    assert.deepEqual(errors.map((e) => e.code), ['EACCES']);
  });
});
