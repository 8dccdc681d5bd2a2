import assert from 'node:assert/strict';
import { memoryLogSystem } from '../../aisexec/log/logger.js';
import { LoopbackDelivery, LOOPBACK_QUEUE_MAX } from '../../aisexec/services/delivery.js';
import { MSG_EXEC_SYNC_BARRIER, ServiceRegistry } from '../../aisexec/services/registry.js';
import type { ConfChange, ExecHandler, Service } from '../../aisexec/services/service.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { messageId } from '../../lib-ais/ipc/ids.js';

function recorder(id: number, events: string[]): Service {
  const exec = new Map<number, ExecHandler>([
    [0, { name: 'ReqExecTestA', handle: (p, src) => events.push(`${id}:a:${p.toString()}@${src}`) }],
    [1, { name: 'ReqExecTestBoom', handle: () => { throw new Error('boom'); } }],
  ]);
  return {
    id, name: `svc${id}`, lib: new Map(), exec,
    confChange: (c: ConfChange) => events.push(`${id}:confchg:${c.type}:${c.members.join(',')}`),
    sync: {
      init: () => events.push(`${id}:sync-init`),
      process: (() => { let n = 0; return () => { events.push(`${id}:sync-process`); return ++n >= 2; }; })(),
      activate: () => events.push(`${id}:sync-activate`),
      abort: () => events.push(`${id}:sync-abort`),
    },
  };
}

describe('service registry and loopback delivery', () => {
  it('routes delivered messages by (service << 16 | function) to executive handlers, in send order', async () => {
    const { system } = memoryLogSystem();
    const events: string[] = [];
    const reg = new ServiceRegistry(system.get('SERV'));
    reg.register(recorder(2, events));
    reg.register(recorder(7, events));
    const d = new LoopbackDelivery(5);
    d.start({ deliver: (id, p, s) => reg.deliver(id, p, s), confChange: (c) => reg.confChange(c) });
    events.length = 0;
    assert.equal(d.mcast(messageId(7, 0), Buffer.from('x')), SaAisErrorT.SA_AIS_OK);
    assert.equal(d.mcast(messageId(2, 0), Buffer.from('y')), SaAisErrorT.SA_AIS_OK);
    assert.deepEqual(events, [], 'delivery is asynchronous, as from a ring');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['7:a:x@5', '2:a:y@5']);
  });

  it('delivers the transitional then the regular configuration, then runs sync: init all, process until done, activate all', () => {
    const { system } = memoryLogSystem();
    const events: string[] = [];
    const reg = new ServiceRegistry(system.get('SERV'));
    reg.register(recorder(7, events));
    reg.register(recorder(2, events));
    new LoopbackDelivery(3).start({ deliver: () => {}, confChange: (c) => reg.confChange(c) });
    assert.deepEqual(events, [
      '2:confchg:transitional:', '7:confchg:transitional:',
      '2:confchg:regular:3', '7:confchg:regular:3',
      '2:sync-init', '7:sync-init',
      '2:sync-process', '2:sync-process', '7:sync-process', '7:sync-process',
      '2:sync-activate', '7:sync-activate',
    ]);
    assert.deepEqual(reg.membership?.members, [3]);
  });

  it('drops and counts messages for unknown services or functions; a throwing handler is logged, not fatal', async () => {
    const { system, lines } = memoryLogSystem();
    const events: string[] = [];
    const reg = new ServiceRegistry(system.get('SERV'));
    reg.register(recorder(2, events));
    reg.deliver(messageId(9, 0), Buffer.alloc(0), 1);
    reg.deliver(messageId(2, 42), Buffer.alloc(0), 1);
    reg.deliver(messageId(2, 1), Buffer.alloc(0), 1);
    reg.deliver(messageId(2, 0), Buffer.from('after'), 1);
    assert.equal(reg.counters.droppedUnknownService, 1);
    assert.equal(reg.counters.droppedUnknownFunction, 1);
    assert.equal(reg.counters.execHandlerFailures, 1);
    assert.ok(lines.some((l) => /svc2 ReqExecTestBoom from node 1 failed: boom/.test(l)));
    assert.deepEqual(events, ['2:a:after@1']);
  });

  it('refuses a second service with the same id (a bug)', () => {
    const reg = new ServiceRegistry(memoryLogSystem().system.get('SERV'));
    reg.register(recorder(2, []));
    assert.throws(() => reg.register(recorder(2, [])), /registered twice/);
  });

  it('answers TRY_AGAIN when the loopback queue is full or stopped, standing in for ring flow control', () => {
    const d = new LoopbackDelivery(1, () => {});
    d.start({ deliver: () => {}, confChange: () => {} });
    for (let i = 0; i < LOOPBACK_QUEUE_MAX; i++) assert.equal(d.mcast(0, Buffer.alloc(0)), SaAisErrorT.SA_AIS_OK);
    assert.equal(d.mcast(0, Buffer.alloc(0)), SaAisErrorT.SA_AIS_ERR_TRY_AGAIN);
    d.stop();
    assert.equal(d.mcast(0, Buffer.alloc(0)), SaAisErrorT.SA_AIS_ERR_TRY_AGAIN);
  });
});

describe('service registry: the sync step across members (barrier in agreed order)', () => {
  /** Two registries sharing one agreed stream: every mcast is delivered to both, in one order, when `flush` runs. */
  function pair() {
    const events: string[][] = [[], []];
    const stream: Array<{ id: number; payload: Buffer; src: number }> = [];
    const regs = [1, 2].map((node, k) => {
      const reg = new ServiceRegistry(memoryLogSystem().system.get('SERV'));
      reg.register(recorder(2, events[k]!));
      reg.attach({ mcast: (id, payload) => { stream.push({ id, payload, src: node }); return SaAisErrorT.SA_AIS_OK; }, schedule: (fn) => fn() });
      return reg;
    });
    const flush = () => { while (stream.length > 0) { const m = stream.shift()!; for (const r of regs) r.deliver(m.id, m.payload, m.src); } };
    const change = (seq: bigint, members: number[]): ConfChange => ({ type: 'regular', ringId: { rep: 1, seq }, members, left: [], joined: members });
    return { events, regs, flush, change };
  }

  it('activates every service only once the barrier of every member is delivered; requests wait until then', () => {
    const { events, regs, flush, change } = pair();
    // Both install ring 8 (in a ring, a message of ring 8 is delivered only after its regular change).
    regs[0]!.confChange(change(8n, [1, 2]));
    regs[1]!.confChange(change(8n, [1, 2]));
    const ran: string[] = [];
    regs[0]!.whenSynced(() => ran.push('request'));
    flush();
    assert.ok(!regs[0]!.isSyncing && !regs[1]!.isSyncing);
    assert.deepEqual(ran, ['request']);
    for (const e of events) assert.equal(e.filter((x) => x === '2:sync-activate').length, 1);
  });

  it('a member whose barrier never comes keeps the others from activating', () => {
    const { events, regs, change } = pair();
    regs[0]!.confChange(change(8n, [1, 2]));
    // Only node 1's own barrier is delivered.
    regs[0]!.deliver(MSG_EXEC_SYNC_BARRIER, (() => { const b = Buffer.alloc(12); b.writeUInt32BE(1, 0); b.writeBigUInt64BE(8n, 4); return b; })(), 1);
    assert.ok(regs[0]!.isSyncing);
    assert.ok(!events[0]!.includes('2:sync-activate'));
    const ran: string[] = [];
    regs[0]!.whenSynced(() => ran.push('request'));
    assert.deepEqual(ran, []);
  });

  it('a configuration change during sync aborts it; barriers of the old ring do not count for the new one', () => {
    const { events, regs, flush, change } = pair();
    regs[0]!.confChange(change(8n, [1, 2]));
    regs[1]!.confChange(change(8n, [1, 2]));
    // Ring 12 forms before the barriers of ring 8 are delivered.
    regs[0]!.confChange(change(12n, [1, 2]));
    regs[1]!.confChange(change(12n, [1, 2]));
    for (const e of events) assert.ok(e.includes('2:sync-abort'));
    flush();
    assert.ok(!regs[0]!.isSyncing && !regs[1]!.isSyncing);
    for (const e of events) assert.equal(e.filter((x) => x === '2:sync-activate').length, 1, 'activated once, for ring 12');
  });
});
