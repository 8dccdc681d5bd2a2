// The CFG service's ring controls (docs/ipc-protocol.md, "CFG service"):
// ReqLibCfgRingReenable goes round the ring and every node re-enables its
// rings; ReqLibCfgRingBlock is a test facility accepted only with fault
// injection on; both are for root and the executive's uid. The handlers are
// driven directly (any peer credentials), and once through a real IPC server
// and CfgClient over a LoopbackDelivery (the encoding end to end).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accessPolicy } from '../../aisexec/ipc/access.js';
import type { PeerCred } from '../../aisexec/ipc/peercred.js';
import { IpcServer } from '../../aisexec/ipc/server.js';
import { memoryLogSystem } from '../../aisexec/log/logger.js';
import { CfgService, type CfgOptions, type RingControl } from '../../aisexec/services/cfg.js';
import { LoopbackDelivery } from '../../aisexec/services/delivery.js';
import { ServiceRegistry } from '../../aisexec/services/registry.js';
import type { LibConnection, LibRequest } from '../../aisexec/services/service.js';
import { CfgClient } from '../../lib-ais/cfg.js';
import { AisInvalidParamError, AisNotSupportedError, SaAisErrorT } from '../../lib-ais/errors.js';
import { BodyError, BodyWriter } from '../../lib-ais/ipc/codec.js';
import { MSG_CFG_RING_BLOCK, MSG_CFG_RING_REENABLE, MSG_EXEC_CFG_RING_REENABLE, functionOf } from '../../lib-ais/ipc/ids.js';

const EXEC_UID = 4242;

/** A ring that records what it was asked. */
class FakeRing implements RingControl {
  readonly calls: string[] = [];
  reenableRings(): void { this.calls.push('reenable'); }
  setRingBlocked(ring: 0 | 1, blocked: boolean): void { this.calls.push(`ring ${ring} ${blocked ? 'blocked' : 'unblocked'}`); }
}

interface Sent { id: number; payload: Buffer }

/** One CFG service on node `nodeid`; its multicasts are collected, not delivered, so a test decides where they go. */
function service(opts: CfgOptions & { nodeid?: number } = {}) {
  const { system, lines } = memoryLogSystem({ debug: true });
  const ring = new FakeRing();
  const sent: Sent[] = [];
  const cfg = new CfgService(() => ({}), { ring, ringCount: 2, faultInjection: false, executiveUid: EXEC_UID, ...opts });
  cfg.execInit({ log: system.get('CFG'), nodeid: opts.nodeid ?? 1, mcast: (id, payload) => { sent.push({ id, payload: Buffer.from(payload) }); return SaAisErrorT.SA_AIS_OK; } });
  return { cfg, ring, sent, lines };
}

function conn(uid: number, gid = uid): LibConnection {
  const cred: PeerCred = { pid: 777, uid, gid };
  return { connId: 1, cred, data: undefined, dispatch: () => true, closed: false };
}

/** Runs a request through the service's handler; resolves with the answer (or undefined while it waits for the ring). */
function request(cfg: CfgService, id: number, c: LibConnection, body: Buffer = Buffer.alloc(0)) {
  const answers: Array<{ error: SaAisErrorT; body: Buffer | undefined }> = [];
  const req: LibRequest = { conn: c, id, body, respond: (error, b) => answers.push({ error, body: b }) };
  cfg.lib.get(functionOf(id))!.handle(req);
  return answers;
}

function blockBody(ring: number, blocked: number): Buffer {
  return new BodyWriter(8).u32(ring).u32(blocked).finish();
}

function deliver(cfg: CfgService, m: Sent, source: number): void {
  cfg.exec.get(functionOf(m.id))!.handle(m.payload, source);
}

describe('CFG ring controls', () => {
  describe('ReqLibCfgRingBlock (fault injection)', () => {
    it('is NOT_SUPPORTED without fault injection, for root too, and the log says why once per client', () => {
      const s = service({ faultInjection: false });
      const c = conn(0);
      assert.deepEqual(request(s.cfg, MSG_CFG_RING_BLOCK, c, blockBody(0, 1)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED]);
      assert.deepEqual(request(s.cfg, MSG_CFG_RING_BLOCK, c, blockBody(0, 0)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED]);
      assert.deepEqual(s.ring.calls, []);
      const said = s.lines.filter((l) => l.includes('fault injection is off (start aisexec with RINGFORT_FAULT_INJECTION=1'));
      assert.equal(said.length, 1, s.lines.join('\n'));
      assert.match(said[0]!, /refused ring 0 block from client pid 777 uid 0/);
      assert.ok(!s.lines.some((l) => l.includes('fault injection is on')));
    });

    it('with fault injection: root and the executive uid block and unblock a ring; the start-up log warns', () => {
      const s = service({ faultInjection: true });
      assert.ok(s.lines.some((l) => l.includes(`fault injection is on (RINGFORT_FAULT_INJECTION=1): root and uid ${EXEC_UID} may block rings`)), s.lines.join('\n'));
      assert.deepEqual(request(s.cfg, MSG_CFG_RING_BLOCK, conn(EXEC_UID), blockBody(1, 1)).map((a) => a.error), [SaAisErrorT.SA_AIS_OK]);
      assert.deepEqual(request(s.cfg, MSG_CFG_RING_BLOCK, conn(0), blockBody(1, 0)).map((a) => a.error), [SaAisErrorT.SA_AIS_OK]);
      assert.deepEqual(s.ring.calls, ['ring 1 blocked', 'ring 1 unblocked']);
      assert.deepEqual(s.cfg.status(), {
        pendingMcastPings: 0, faultInjection: true, ringReenablesRequested: 0, ringReenablesApplied: 0, ringBlocks: 1, ringUnblocks: 1, refused: 0,
      });
    });

    it('refuses other uids (ACCESS) even when the IPC let them in by uid or group', () => {
      const s = service({ faultInjection: true });
      assert.deepEqual(request(s.cfg, MSG_CFG_RING_BLOCK, conn(1000, 0), blockBody(0, 1)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_ACCESS]);
      assert.deepEqual(s.ring.calls, []);
      assert.ok(s.lines.some((l) => l.includes(`refused ring 0 block from client pid 777 uid 1000 gid 0: only root and uid ${EXEC_UID} may control the ring`)));
    });

    it('answers INVALID_PARAM for a ring this node does not run or a flag other than 0 and 1', () => {
      const one = service({ faultInjection: true, ringCount: 1 });
      assert.deepEqual(request(one.cfg, MSG_CFG_RING_BLOCK, conn(0), blockBody(1, 1)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_INVALID_PARAM]);
      const two = service({ faultInjection: true });
      for (const [ring, flag] of [[2, 1], [0xffffffff, 0], [0, 2]] as const) {
        assert.deepEqual(request(two.cfg, MSG_CFG_RING_BLOCK, conn(0), blockBody(ring, flag)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_INVALID_PARAM], `${ring} ${flag}`);
      }
      assert.deepEqual([...one.ring.calls, ...two.ring.calls], []);
    });

    it('a body of the wrong size is malformed (the IPC server closes that client)', () => {
      const s = service({ faultInjection: true });
      assert.throws(() => request(s.cfg, MSG_CFG_RING_BLOCK, conn(0), Buffer.alloc(4)), BodyError);
      assert.throws(() => request(s.cfg, MSG_CFG_RING_BLOCK, conn(0), Buffer.alloc(9)), BodyError);
      assert.throws(() => request(s.cfg, MSG_CFG_RING_REENABLE, conn(0), Buffer.alloc(1)), BodyError);
      assert.deepEqual(s.ring.calls, []);
    });

    it('without ring controls (the loopback stand-in) both requests are NOT_SUPPORTED', () => {
      const { system } = memoryLogSystem();
      const cfg = new CfgService(() => ({}), { faultInjection: true, executiveUid: EXEC_UID });
      cfg.execInit({ log: system.get('CFG'), nodeid: 1, mcast: () => SaAisErrorT.SA_AIS_OK });
      assert.deepEqual(request(cfg, MSG_CFG_RING_BLOCK, conn(0), blockBody(0, 1)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED]);
      assert.deepEqual(request(cfg, MSG_CFG_RING_REENABLE, conn(0)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED]);
    });
  });

  describe('ReqLibCfgRingReenable', () => {
    it('goes round the ring: every node re-enables on delivery, only the originator answers, after delivery', () => {
      const n1 = service({ nodeid: 1 });
      const n2 = service({ nodeid: 2 });
      const answers = request(n1.cfg, MSG_CFG_RING_REENABLE, conn(EXEC_UID));
      assert.equal(answers.length, 0, 'no answer before agreed delivery');
      assert.deepEqual(n1.ring.calls, [], 'nothing re-enabled before agreed delivery');
      assert.equal(n1.sent.length, 1);
      assert.equal(n1.sent[0]!.id, MSG_EXEC_CFG_RING_REENABLE);
      deliver(n2.cfg, n1.sent[0]!, 1);
      assert.deepEqual(n2.ring.calls, ['reenable']);
      assert.equal(answers.length, 0, 'another node does not answer our client');
      deliver(n1.cfg, n1.sent[0]!, 1);
      assert.deepEqual(n1.ring.calls, ['reenable']);
      assert.deepEqual(answers.map((a) => a.error), [SaAisErrorT.SA_AIS_OK]);
      assert.equal(answers[0]!.body?.length, 0);
      assert.ok(n2.lines.some((l) => l.includes('re-enabling faulty rings (requested on node 1)')), n2.lines.join('\n'));
      assert.ok(n1.lines.some((l) => l.includes(`ring re-enable requested by client pid 777 uid ${EXEC_UID}`)));
    });

    it('is not subject to the fault-injection switch, but is to the uid check', () => {
      const s = service({ faultInjection: false });
      assert.deepEqual(request(s.cfg, MSG_CFG_RING_REENABLE, conn(1000)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_ACCESS]);
      assert.equal(s.sent.length, 0);
      request(s.cfg, MSG_CFG_RING_REENABLE, conn(0));
      assert.equal(s.sent.length, 1);
    });

    it('a re-enable from another node on a node whose client left, or a malformed one, harms nothing', () => {
      const s = service({ nodeid: 2 });
      deliver(s.cfg, { id: MSG_EXEC_CFG_RING_REENABLE, payload: new BodyWriter(4).u32(99).finish() }, 2); // our tag, no waiter
      assert.deepEqual(s.ring.calls, ['reenable']);
      assert.throws(() => deliver(s.cfg, { id: MSG_EXEC_CFG_RING_REENABLE, payload: Buffer.alloc(3) }, 1), BodyError); // the registry catches and counts it
      assert.deepEqual(s.ring.calls, ['reenable']);
    });

    it('TRY_AGAIN when the ring refuses the multicast', () => {
      const { system } = memoryLogSystem();
      const cfg = new CfgService(() => ({}), { ring: new FakeRing(), executiveUid: EXEC_UID });
      cfg.execInit({ log: system.get('CFG'), nodeid: 1, mcast: () => SaAisErrorT.SA_AIS_ERR_TRY_AGAIN });
      assert.deepEqual(request(cfg, MSG_CFG_RING_REENABLE, conn(0)).map((a) => a.error), [SaAisErrorT.SA_AIS_ERR_TRY_AGAIN]);
    });
  });

  describe('through the IPC server and CfgClient', function () {
    this.timeout(10000);
    let stop: (() => Promise<void>) | undefined;
    afterEach(async () => { await stop?.(); stop = undefined; });

    async function rig(faultInjection: boolean) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-cfg-'));
      const socketPath = path.join(dir, 'libais.socket');
      const { system } = memoryLogSystem();
      const registry = new ServiceRegistry(system.get('SERV'));
      const delivery = new LoopbackDelivery(1);
      const ring = new FakeRing();
      const cfg = new CfgService(() => ({}), { ring, ringCount: 2, faultInjection, executiveUid: process.getuid!() });
      registry.register(cfg);
      cfg.execInit({ log: system.get('CFG'), nodeid: 1, mcast: (id, p) => delivery.mcast(id, p) });
      delivery.start({ deliver: (id, p, s) => registry.deliver(id, p, s), confChange: (c) => registry.confChange(c) });
      const server = new IpcServer({ socketPath, log: system.get('IPC'), registry, access: accessPolicy({ executiveUid: process.getuid!(), uids: [], gids: [] }) });
      await server.listen();
      const client = await CfgClient.open({}, { socketPath });
      stop = async () => {
        client.finalize();
        cfg.execExit();
        await server.close();
        delivery.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      };
      return { client, ring };
    }

    it('ringReenable resolves after the loop through delivery; ringBlock reaches the ring', async () => {
      const { client, ring } = await rig(true);
      await client.ringReenable();
      await client.ringBlock(0, true);
      await client.ringBlock(0, false);
      assert.deepEqual(ring.calls, ['reenable', 'ring 0 blocked', 'ring 0 unblocked']);
      await assert.rejects(client.ringBlock(5, true), AisInvalidParamError);
      await assert.rejects(client.ringBlock(-1, true), AisInvalidParamError); // refused before it is sent
      await assert.rejects(client.ringBlock(1.5, true), AisInvalidParamError);
      assert.deepEqual(await client.ping(Buffer.from('still open')), Buffer.from('still open'));
    });

    it('ringBlock rejects with AisNotSupportedError when fault injection is off', async () => {
      const { client, ring } = await rig(false);
      await assert.rejects(client.ringBlock(0, true), AisNotSupportedError);
      assert.deepEqual(ring.calls, []);
    });
  });
});
