// The Totem core stepped by hand: rules of the paper (TOCS 1995 §5) and of
// corosync's totemsrp.c, one event at a time, no network.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TotemCore, type TotemCoreConfig } from '../../aisexec/totem/core.js';
import type { OrfToken, TotemAction } from '../../aisexec/totem/types.js';

const ringId = { rep: 1, seq: 4n };
function config(nodeId: number, over: Partial<TotemCoreConfig> = {}): TotemCoreConfig {
  return { nodeId, members: [1, 2, 3], ringId, tokenMs: 1000, tokenRetransmitMs: 238, windowSize: 50, maxMessages: 17, missCountConst: 5, ...over };
}
function token(over: Partial<OrfToken> = {}): OrfToken {
  return { type: 'orf_token', ringId, seq: 0, tokenSeq: 1, aru: 0, aruAddr: null, fcc: 0, backlog: 0, retransFlg: false, rtr: [], ...over };
}
function sentToken(actions: TotemAction[]): OrfToken {
  const a = actions.find((x) => x.kind === 'send_unicast');
  assert.ok(a !== undefined && a.kind === 'send_unicast' && a.message.type === 'orf_token');
  return a.message;
}
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('totem core (fixed membership)', () => {
  it('start: transitional then regular configuration change; the representative sends the first token to its successor', () => {
    const acts = new TotemCore(config(1)).step({ kind: 'start', now: 0 });
    const kinds = acts.map((a) => (a.kind === 'conf_change' ? `conf_change:${a.type}` : a.kind));
    assert.deepEqual(kinds.slice(0, 2), ['conf_change:transitional', 'conf_change:regular']);
    const send = acts.find((a) => a.kind === 'send_unicast');
    assert.ok(send?.kind === 'send_unicast' && send.to === 2 && send.message.type === 'orf_token' && send.message.tokenSeq === 1);
  });

  it('paper §5: each new message gets ++token.seq; the token leaves with token_seq + 1', () => {
    const core = new TotemCore(config(2));
    core.step({ kind: 'start', now: 0 });
    core.step({ kind: 'app_mcast', now: 0, reqId: 1, payload: bytes('a') });
    core.step({ kind: 'app_mcast', now: 0, reqId: 2, payload: bytes('b') });
    const acts = core.step({ kind: 'packet', now: 1, from: 1, message: token({ seq: 0, tokenSeq: 5 }) });
    const mcasts = acts.filter((a) => a.kind === 'send_multicast').map((a) => (a.kind === 'send_multicast' && a.message.type === 'mcast' ? a.message.seq : -1));
    assert.deepEqual(mcasts, [1, 2]);
    const t = sentToken(acts);
    assert.equal(t.seq, 2);
    assert.equal(t.tokenSeq, 6);
    assert.equal(t.aru, 2);
    assert.equal(t.aruAddr, null, 'aru == seq: nobody holds it down');
    // Own messages are delivered in agreed order without hearing them back.
    assert.deepEqual(acts.filter((a) => a.kind === 'deliver').map((a) => (a.kind === 'deliver' ? a.seq : 0)), [1, 2]);
  });

  it('a token whose token_seq is not above the last one seen is a duplicate and is discarded', () => {
    const core = new TotemCore(config(2));
    core.step({ kind: 'start', now: 0 });
    core.step({ kind: 'packet', now: 1, from: 1, message: token({ tokenSeq: 5 }) });
    const again = core.step({ kind: 'packet', now: 2, from: 1, message: token({ tokenSeq: 5 }) });
    assert.deepEqual(again, []);
    assert.equal(core.counters.tokensDuplicate, 1);
  });

  it('corosync update_aru: a node missing messages lowers the aru and names itself; a missing seq is requested after miss_count_const visits', () => {
    const core = new TotemCore(config(3, { missCountConst: 2 }));
    core.step({ kind: 'start', now: 0 });
    let t = sentToken(core.step({ kind: 'packet', now: 1, from: 2, message: token({ seq: 3, aru: 3, tokenSeq: 2 }) }));
    assert.equal(t.aru, 0);
    assert.equal(t.aruAddr, 3);
    assert.deepEqual(t.rtr, []);
    t = sentToken(core.step({ kind: 'packet', now: 2, from: 2, message: token({ seq: 3, aru: 0, aruAddr: 3, tokenSeq: 5 }) }));
    assert.deepEqual(t.rtr.map((e) => e.seq), [1, 2, 3]);
  });

  it('paper §8: never more than max_messages per visit, nor more than window_size − fcc', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 60 }), (queued, maxMessages, windowSize, fcc) => {
        const core = new TotemCore(config(2, { maxMessages, windowSize }));
        core.step({ kind: 'start', now: 0 });
        for (let i = 0; i < queued; i++) core.step({ kind: 'app_mcast', now: 0, reqId: i, payload: bytes(`m${i}`) });
        const acts = core.step({ kind: 'packet', now: 1, from: 1, message: token({ fcc, tokenSeq: 9 }) });
        const sent = acts.filter((a) => a.kind === 'send_multicast').length;
        return sent <= maxMessages && sent <= Math.max(0, windowSize - fcc) && sent <= queued;
      }),
    );
  });

  it('a packet with out-of-range fields is dropped and counted, never asserted on (packets are untrusted)', () => {
    const core = new TotemCore(config(2));
    core.step({ kind: 'start', now: 0 });
    const bad: OrfToken[] = [token({ seq: -1 }), token({ aru: 5, seq: 3 }), token({ seq: 2 ** 40 }), token({ fcc: 1.5 }), token({ rtr: Array.from({ length: 31 }, (_, i) => ({ ringId, seq: i + 1 })) })];
    for (const t of bad) assert.deepEqual(core.step({ kind: 'packet', now: 1, from: 1, message: t }), []);
    assert.deepEqual(core.step({ kind: 'packet', now: 1, from: 1, message: { type: 'mcast', ringId, seq: 0, source: 1, guarantee: 'agreed', encapsulated: null, payload: bytes('x') } }), []);
    assert.deepEqual(core.step({ kind: 'packet', now: 1, from: 1, message: { type: 'mcast', ringId, seq: 100_000, source: 1, guarantee: 'agreed', encapsulated: null, payload: bytes('x') } }), []);
    assert.deepEqual(core.step({ kind: 'packet', now: 1, from: 1, message: { type: 'mcast', ringId, seq: 1, source: 9, guarantee: 'agreed', encapsulated: null, payload: bytes('x') } }), []);
    assert.equal(core.counters.packetsInvalid, bad.length + 3);
    assert.equal(core.queues().recvBuffered, 0);
  });

  it('a token from another ring is not processed', () => {
    const core = new TotemCore(config(2));
    core.step({ kind: 'start', now: 0 });
    assert.deepEqual(core.step({ kind: 'packet', now: 1, from: 1, message: token({ ringId: { rep: 1, seq: 8n } }) }), []);
    assert.equal(core.counters.tokensForeign, 1);
  });
});
