// The IPC server and the lib-ais connection layer together, in one process,
// over real Unix sockets in a temporary run directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { accessPolicy, type AccessPolicy } from '../../aisexec/ipc/access.js';
import { IpcServer, type IpcLimits } from '../../aisexec/ipc/server.js';
import { memoryLogSystem } from '../../aisexec/log/logger.js';
import { CfgService } from '../../aisexec/services/cfg.js';
import { LoopbackDelivery } from '../../aisexec/services/delivery.js';
import { ServiceRegistry } from '../../aisexec/services/registry.js';
import { CfgClient } from '../../lib-ais/cfg.js';
import { AisConnection } from '../../lib-ais/connection.js';
import { SaDispatchFlagsT } from '../../lib-ais/dispatch.js';
import {
  AisAccessError, AisBadHandleError, AisLibraryError, AisNotSupportedError, AisTryAgainError, SaAisErrorT,
} from '../../lib-ais/errors.js';
import { encodeFrame, FrameReader } from '../../lib-ais/ipc/frame.js';
import { MSG_CFG_PING, MSG_IPC_RESPONSE_INIT, ServiceId, messageId } from '../../lib-ais/ipc/ids.js';
import { encodeResponseInitRequest } from '../../lib-ais/ipc/setup.js';

interface Rig {
  server: IpcServer;
  socketPath: string;
  lines: string[];
  stop(): Promise<void>;
}

async function rig(opts: { access?: AccessPolicy; limits?: Partial<IpcLimits> } = {}): Promise<Rig> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-ipc-'));
  const socketPath = path.join(dir, 'libais.socket');
  const { system, lines } = memoryLogSystem({ debug: true });
  const registry = new ServiceRegistry(system.get('SERV'));
  const delivery = new LoopbackDelivery(1);
  let server: IpcServer | undefined;
  const cfg = new CfgService(() => ({ hello: 'world', ipc: server!.status() }));
  registry.register(cfg);
  cfg.execInit({ log: system.get('CFG'), nodeid: 1, mcast: (id, p) => delivery.mcast(id, p) });
  delivery.start({ deliver: (id, p, s) => registry.deliver(id, p, s), confChange: (c) => registry.confChange(c) });
  server = new IpcServer({
    socketPath,
    log: system.get('IPC'),
    registry,
    access: opts.access ?? accessPolicy({ executiveUid: process.getuid!(), uids: [], gids: [] }),
    limits: opts.limits,
  });
  await server.listen();
  return {
    server, socketPath, lines,
    async stop() {
      cfg.execExit();
      await server!.close();
      delivery.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw socket that speaks frames, for sending what a well-behaved library never would. */
async function rawClient(socketPath: string) {
  const s = net.connect(socketPath);
  await once(s, 'connect');
  const reader = new FrameReader();
  const frames: ReturnType<FrameReader['push']> = [];
  s.on('data', (d: Buffer) => frames.push(...reader.push(d)));
  const closed = once(s, 'close');
  return { s, frames, closed };
}

describe('IPC server and lib-ais connection layer', function () {
  this.timeout(15000);
  let r: Rig;
  afterEach(async () => { await r?.stop(); });

  it('opens both channels, answers a no-op request and echoes a payload', async () => {
    r = await rig();
    const c = await CfgClient.open({}, { socketPath: r.socketPath });
    assert.equal(c.conn.executivePid, process.pid);
    assert.ok(c.conn.selectionObject > 0);
    assert.deepEqual(await c.ping(Buffer.from('abc')), Buffer.from('abc'));
    assert.equal((await c.ping()).length, 0);
    assert.equal(r.server.connectionCount, 1);
    c.finalize();
  });

  it('pipelines requests and matches responses by sequence number', async () => {
    r = await rig();
    const c = await CfgClient.open({}, { socketPath: r.socketPath });
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? c.mcastPing(Buffer.from(`m${i}`)) : c.ping(Buffer.from(`p${i}`)))));
    replies.forEach((b, i) => assert.equal(b.toString(), `${i % 2 ? 'm' : 'p'}${i}`));
    c.finalize();
  });

  it('delivers callbacks on the dispatch channel: ONE runs one, ALL runs what waits', async () => {
    r = await rig();
    const got: string[] = [];
    const c = await CfgClient.open({ ping: (p) => got.push(p.toString()) }, { socketPath: r.socketPath });
    for (const m of ['a', 'b', 'c']) await c.pingDispatch(Buffer.from(m));
    while (c.conn.pendingCallbacks < 3) await new Promise((res) => setTimeout(res, 5));
    assert.equal(await c.dispatch(SaDispatchFlagsT.SA_DISPATCH_ONE), SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(got, ['a']);
    await c.dispatch(SaDispatchFlagsT.SA_DISPATCH_ALL);
    assert.deepEqual(got, ['a', 'b', 'c']);
    await c.dispatch(SaDispatchFlagsT.SA_DISPATCH_ONE); // nothing waiting: still OK
    c.finalize();
  });

  it('a blocking dispatch runs callbacks as they come and returns at finalize', async () => {
    r = await rig();
    const got: string[] = [];
    const c = await CfgClient.open({ ping: (p) => got.push(p.toString()) }, { socketPath: r.socketPath });
    const blocking = c.dispatch(SaDispatchFlagsT.SA_DISPATCH_BLOCKING);
    await c.pingDispatch(Buffer.from('x'));
    await c.pingDispatch(Buffer.from('y'));
    while (got.length < 2) await new Promise((res) => setTimeout(res, 5));
    c.finalize();
    assert.equal(await blocking, SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(got, ['x', 'y']);
    await assert.rejects(c.ping(), AisBadHandleError);
  });

  it('answers the status request with the executive status as JSON', async () => {
    r = await rig();
    const c = await CfgClient.open({}, { socketPath: r.socketPath });
    const s = (await c.status()) as { hello: string; ipc: { connections: number } };
    assert.equal(s.hello, 'world');
    assert.equal(s.ipc.connections, 1);
    c.finalize();
  });

  it('sends the shutdown callback to every client, then closes: later calls fail with ERR_LIBRARY', async () => {
    r = await rig();
    let told = 0;
    const a = await CfgClient.open({ shutdown: () => told++ }, { socketPath: r.socketPath });
    const b = await CfgClient.open({ shutdown: () => told++ }, { socketPath: r.socketPath });
    const blocking = a.dispatch(SaDispatchFlagsT.SA_DISPATCH_BLOCKING).catch((e: Error) => e);
    await r.stop();
    assert.ok((await blocking) instanceof AisLibraryError);
    await b.dispatch(SaDispatchFlagsT.SA_DISPATCH_ALL);
    assert.equal(told, 2);
    await assert.rejects(b.ping(), AisLibraryError);
    assert.equal(fs.existsSync(r.socketPath), false, 'socket removed');
    r = { ...r, stop: async () => {} };
  });

  it('returns TRY_AGAIN when no executive listens', async () => {
    r = await rig();
    await assert.rejects(CfgClient.open({}, { socketPath: r.socketPath + '.none' }), AisTryAgainError);
  });

  it('refuses a client the access policy does not allow, with ERR_ACCESS, and logs it', async () => {
    r = await rig({ access: { allows: () => false, describe: () => 'nobody' } });
    await assert.rejects(CfgClient.open({}, { socketPath: r.socketPath }), AisAccessError);
    assert.ok(r.lines.some((l) => /refused client pid \d+ uid \d+ gid \d+ \(service cfg\): not allowed by nobody/.test(l)), r.lines.join('\n'));
    assert.equal(r.server.counters.refused, 1);
  });

  it('answers NOT_SUPPORTED for a service the executive does not run, and for an unknown function', async () => {
    r = await rig();
    await assert.rejects(AisConnection.open(ServiceId.AMF, { socketPath: r.socketPath }), AisNotSupportedError);
    const c = await AisConnection.open(ServiceId.CFG, { socketPath: r.socketPath });
    assert.equal((await c.request(messageId(ServiceId.CFG, 0x7777))).error, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    assert.equal((await c.request(messageId(ServiceId.AMF, 0))).error, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    assert.deepEqual(await c.call(MSG_CFG_PING, Buffer.from('still open')), Buffer.from('still open'));
    c.finalize();
  });

  it('closes only the connection that sends a malformed frame', async () => {
    r = await rig();
    const good = await CfgClient.open({}, { socketPath: r.socketPath });
    const bad = await rawClient(r.socketPath);
    const junk = Buffer.alloc(16);
    junk.writeUInt32LE(3, 0); // size below the header
    bad.s.write(junk);
    await bad.closed;
    assert.deepEqual(await good.ping(Buffer.from('ok')), Buffer.from('ok'));
    assert.ok(r.lines.some((l) => /malformed input from client pid .*frame size 3 outside/.test(l)));
    good.finalize();
  });

  it('closes a connection whose first message is not an init, and one with a short init body', async () => {
    r = await rig();
    const a = await rawClient(r.socketPath);
    a.s.write(encodeFrame(MSG_CFG_PING, 0, 1));
    await a.closed;
    const b = await rawClient(r.socketPath);
    b.s.write(encodeFrame(MSG_IPC_RESPONSE_INIT, 0, 1, Buffer.alloc(3)));
    await b.closed;
    assert.equal(r.server.counters.malformed, 2);
  });

  it('answers ERR_VERSION to a client speaking another protocol version', async () => {
    r = await rig();
    const a = await rawClient(r.socketPath);
    a.s.write(encodeFrame(MSG_IPC_RESPONSE_INIT, 0, 1, encodeResponseInitRequest({ service: ServiceId.CFG, version: 99 })));
    await a.closed;
    assert.equal(a.frames[0]?.error, SaAisErrorT.SA_AIS_ERR_VERSION);
  });

  it('disconnects a client that stops reading its dispatch channel instead of queueing without bound', async () => {
    r = await rig({ limits: { queuedBytesMax: 256 * 1024 } });
    const c = await AisConnection.open(ServiceId.CFG, { socketPath: r.socketPath });
    // Stop reading the dispatch socket entirely, as a stuck C client would.
    (c as unknown as { disp: { socket: net.Socket } }).disp.socket.pause();
    const payload = Buffer.alloc(60 * 1024, 1);
    let err: unknown;
    for (let i = 0; i < 400 && err === undefined; i++) {
      await c.call(messageId(ServiceId.CFG, 1), payload).catch((e: unknown) => { err = e; });
    }
    assert.ok(err instanceof AisLibraryError, `expected the executive to drop us, got ${String(err)}`);
    assert.equal(r.server.counters.slowReaders, 1);
    assert.ok(r.lines.some((l) => /is not reading its dispatch channel .*disconnecting/.test(l)));
    assert.equal(r.server.connectionCount, 0);
  });

  it('refuses sockets beyond the connection limit and keeps serving the others', async () => {
    r = await rig({ limits: { connectionsMax: 2 } });
    const a = await CfgClient.open({}, { socketPath: r.socketPath });
    const b = await CfgClient.open({}, { socketPath: r.socketPath });
    await assert.rejects(CfgClient.open({}, { socketPath: r.socketPath }), AisLibraryError);
    assert.equal(r.server.counters.overLimit, 1);
    assert.deepEqual(await a.ping(Buffer.from('a')), Buffer.from('a'));
    b.finalize();
    await new Promise((res) => setTimeout(res, 50));
    const c = await CfgClient.open({}, { socketPath: r.socketPath });
    c.finalize();
    a.finalize();
  });

  it('refuses to start when another executive answers on the socket, and replaces a stale socket file', async () => {
    r = await rig();
    const second = new IpcServer({
      socketPath: r.socketPath, log: memoryLogSystem().system.get('IPC'), registry: new ServiceRegistry(memoryLogSystem().system.get('S')),
      access: accessPolicy({ executiveUid: 0, uids: [], gids: [] }),
    });
    await assert.rejects(second.listen(), /another executive is listening/);
    const stale = path.join(path.dirname(r.socketPath), 'stale.socket');
    fs.writeFileSync(stale, '');
    const third = new IpcServer({
      socketPath: stale, log: memoryLogSystem().system.get('IPC'), registry: new ServiceRegistry(memoryLogSystem().system.get('S')),
      access: accessPolicy({ executiveUid: 0, uids: [], gids: [] }),
    });
    await third.listen();
    await third.close();
  });

  it('the access policy admits root, the executive uid, the configured uids and gids only', () => {
    const p = accessPolicy({ executiveUid: 1000, uids: [2000], gids: [3000] });
    assert.ok(p.allows({ pid: 1, uid: 0, gid: 5 }));
    assert.ok(p.allows({ pid: 1, uid: 1000, gid: 5 }));
    assert.ok(p.allows({ pid: 1, uid: 2000, gid: 5 }));
    assert.ok(p.allows({ pid: 1, uid: 4000, gid: 3000 }));
    assert.ok(!p.allows({ pid: 1, uid: 4000, gid: 5 }));
  });
});
