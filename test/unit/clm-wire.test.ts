// The CLM message bodies (docs/ipc-protocol.md, "CLM"): exact sizes and
// offsets, round trips, validation of every field, and decoders that throw
// BodyError and nothing else on arbitrary bytes. Also this node's record as
// the executive builds it from the configuration.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SaClmClusterChangesT, SaClmNodeAddressFamilyT, type SaClmClusterNodeT } from '../../lib-ais/clm-types.js';
import { BodyError } from '../../lib-ais/ipc/codec.js';
import {
  CLM_ITEM_BYTES, CLM_ITEMS_MAX, CLM_KNOWN_BYTES, CLM_NODE_BYTES, CLM_NODE_JOIN_BYTES_MIN, CLM_NODES_MAX, decodeNode, decodeNodeGetAsyncRequest, decodeNodeGetCallback, decodeNodeGetRequest,
  decodeNodeJoin, decodeTrackCallback, decodeTrackRequest, decodeTrackResult, encodeNode, encodeNodeGetAsyncRequest,
  encodeNodeGetCallback, encodeNodeGetRequest, encodeNodeJoin, encodeTrackCallback, encodeTrackRequest, encodeTrackResult,
} from '../../lib-ais/ipc/clm.js';
import {
  MSG_CLM_CB_CLUSTER_NODE_GET, MSG_CLM_CB_CLUSTER_TRACK, MSG_CLM_CLUSTER_NODE_GET, MSG_CLM_CLUSTER_NODE_GET_ASYNC, MSG_CLM_CLUSTER_TRACK,
  MSG_CLM_CLUSTER_TRACK_STOP, MSG_EXEC_CLM_NODE_JOIN,
} from '../../lib-ais/ipc/ids.js';
import { localClmNode } from '../../aisexec/services/clm/local-node.js';
import type { MainConfig } from '../../aisexec/config/mainconfig.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';

const NODE: SaClmClusterNodeT = {
  nodeId: 0x01020304,
  nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET6, length: 7, value: 'fe80::1' },
  nodeName: 'nœud-1', member: true, bootTimestamp: 1_700_000_000n * 1_000_000_000n, initialViewNumber: 3n,
};

const DECODERS = [decodeNode, decodeTrackRequest, decodeTrackResult, decodeTrackCallback, decodeNodeGetRequest, decodeNodeGetAsyncRequest, decodeNodeGetCallback, decodeNodeJoin];

describe('CLM wire format', () => {
  shallowStacksDuringBlock();

  it('uses openais\' ipc_clm.h numbering under service 1', () => {
    assert.deepEqual([MSG_CLM_CLUSTER_TRACK, MSG_CLM_CLUSTER_TRACK_STOP, MSG_CLM_CLUSTER_NODE_GET, MSG_CLM_CLUSTER_NODE_GET_ASYNC],
      [0x00010000, 0x00010001, 0x00010002, 0x00010003]);
    assert.deepEqual([MSG_CLM_CB_CLUSTER_TRACK, MSG_CLM_CB_CLUSTER_NODE_GET, MSG_EXEC_CLM_NODE_JOIN], [0x00018000, 0x00018001, 0x00010000]);
  });

  it('a node record is 352 bytes at the documented offsets', () => {
    const b = encodeNode(NODE);
    assert.equal(b.length, CLM_NODE_BYTES);
    assert.equal(b.readUInt32LE(0), 0x01020304);
    assert.equal(b.readUInt32LE(4), 2);
    assert.equal(b.readUInt16LE(8), 7);
    assert.equal(b.subarray(10, 17).toString(), 'fe80::1');
    assert.equal(b.readUInt16LE(74), Buffer.byteLength('nœud-1'));
    assert.equal(b.readUInt32LE(332), 1);
    assert.equal(b.readBigInt64LE(336), NODE.bootTimestamp);
    assert.equal(b.readBigUInt64LE(344), 3n);
    assert.deepEqual(decodeNode(b), NODE);
  });

  it('round-trips every message', () => {
    const items = [{ node: NODE, change: SaClmClusterChangesT.SA_CLM_NODE_LEFT }, { node: { ...NODE, nodeId: 9 }, change: SaClmClusterChangesT.SA_CLM_NODE_JOINED }];
    const tr = { trackFlags: 3, currentInCallback: true, capacity: 0xffffffff };
    assert.deepEqual(decodeTrackRequest(encodeTrackRequest(tr)), tr);
    const res = { viewNumber: 5n, numberOfMembers: 2, items };
    assert.equal(encodeTrackResult(res).length, 16 + 2 * CLM_ITEM_BYTES);
    assert.deepEqual(decodeTrackResult(encodeTrackResult(res)), res);
    const cb = { ...res, error: 1 };
    assert.deepEqual(decodeTrackCallback(encodeTrackCallback(cb)), cb);
    assert.deepEqual(decodeNodeGetRequest(encodeNodeGetRequest({ nodeId: 0xffffffff, timeout: 7n })), { nodeId: 0xffffffff, timeout: 7n });
    assert.deepEqual(decodeNodeGetAsyncRequest(encodeNodeGetAsyncRequest({ invocation: 2n ** 60n, nodeId: 3 })), { invocation: 2n ** 60n, nodeId: 3 });
    assert.deepEqual(decodeNodeGetCallback(encodeNodeGetCallback({ invocation: 4n, error: 1, node: NODE })), { invocation: 4n, error: 1, node: NODE });
    const missing = encodeNodeGetCallback({ invocation: 4n, error: 12, node: undefined });
    assert.equal(missing.length, 12 + CLM_NODE_BYTES);
    assert.deepEqual(decodeNodeGetCallback(missing), { invocation: 4n, error: 12, node: undefined });
    const join = { ringRep: 1, ringSeq: 8n, lastView: 2n, incarnation: 2n ** 64n - 1n, node: { ...NODE, member: false, initialViewNumber: 0n }, known: [] };
    assert.deepEqual(decodeNodeJoin(encodeNodeJoin(join)), join);
  });

  it('a node-join is 384 bytes plus 12 per known incarnation, at the documented offsets', () => {
    const join = {
      ringRep: 7, ringSeq: 0x1_0000_0002n, lastView: 5n, incarnation: 0xfedc_ba98_7654_3210n, node: NODE,
      known: [{ nodeId: 2, incarnation: 0x1111n }, { nodeId: 0x01020305, incarnation: 2n ** 63n }],
    };
    const b = encodeNodeJoin(join);
    assert.equal(CLM_NODE_JOIN_BYTES_MIN, 384);
    assert.equal(b.length, 384 + 2 * CLM_KNOWN_BYTES);
    assert.equal(b.readUInt32LE(0), 7);
    assert.equal(b.readBigUInt64LE(4), 0x1_0000_0002n);
    assert.equal(b.readBigUInt64LE(12), 5n);
    assert.equal(b.readBigUInt64LE(20), 0xfedc_ba98_7654_3210n);
    assert.deepEqual(b.subarray(28, 28 + CLM_NODE_BYTES), encodeNode(NODE));
    assert.equal(b.readUInt32LE(380), 2);
    assert.deepEqual([b.readUInt32LE(384), b.readBigUInt64LE(388)], [2, 0x1111n]);
    assert.deepEqual([b.readUInt32LE(396), b.readBigUInt64LE(400)], [0x01020305, 2n ** 63n]);
    assert.deepEqual(decodeNodeJoin(b), join);
  });

  it('a node-join\'s known incarnations: ascending ids of other nodes, a count that fits the body and CLM_NODES_MAX', () => {
    const base = { ringRep: 1, ringSeq: 1n, lastView: 0n, incarnation: 9n, node: { ...NODE, nodeId: 5 } };
    const k = (...ids: number[]) => ids.map((nodeId) => ({ nodeId, incarnation: 1n }));
    assert.deepEqual(decodeNodeJoin(encodeNodeJoin({ ...base, known: k(1, 4, 6) })).known, k(1, 4, 6));
    for (const ids of [[4, 4], [6, 4], [5], [0], [0xffffffff]]) {
      assert.throws(() => decodeNodeJoin(encodeNodeJoin({ ...base, known: k(...ids) })), BodyError, `known ${ids.join(',')}`);
    }
    const b = encodeNodeJoin({ ...base, known: k(1) });
    assert.throws(() => decodeNodeJoin(b.subarray(0, b.length - 1)), /need/);
    assert.throws(() => decodeNodeJoin(Buffer.concat([b, Buffer.alloc(1)])), /need/);
    const many = Buffer.from(b);
    many.writeUInt32LE(CLM_NODES_MAX, 380);
    assert.throws(() => decodeNodeJoin(many), /exceed/);
    assert.throws(() => encodeNodeJoin({ ...base, known: k(...Array.from({ length: CLM_NODES_MAX }, (_, i) => i + 10)) }), RangeError);
    const most = encodeNodeJoin({ ...base, known: k(...Array.from({ length: CLM_NODES_MAX - 1 }, (_, i) => i + 10)) });
    assert.equal(decodeNodeJoin(most).known.length, CLM_NODES_MAX - 1);
  });

  it('refuses bad families, lengths, booleans, changes, counts, trailing bytes and impossible node ids', () => {
    const b = encodeNode(NODE);
    const bad = (patch: (x: Buffer) => void) => { const x = Buffer.from(b); patch(x); return x; };
    assert.throws(() => decodeNode(bad((x) => x.writeUInt32LE(3, 4))), BodyError);
    assert.throws(() => decodeNode(bad((x) => x.writeUInt16LE(65, 8))), BodyError);
    assert.throws(() => decodeNode(bad((x) => x.writeUInt16LE(257, 74))), BodyError);
    assert.throws(() => decodeNode(bad((x) => x.writeUInt32LE(2, 332))), BodyError);
    assert.throws(() => decodeNode(Buffer.concat([b, Buffer.alloc(1)])), BodyError);
    const res = encodeTrackResult({ viewNumber: 1n, numberOfMembers: 1, items: [{ node: NODE, change: 1 }] });
    res.writeUInt32LE(5, res.length - 4);
    assert.throws(() => decodeTrackResult(res), BodyError);
    const many = Buffer.alloc(16);
    many.writeUInt32LE(CLM_ITEMS_MAX + 1, 12);
    assert.throws(() => decodeTrackResult(many), /exceed/);
    many.writeUInt32LE(1000, 12);
    assert.throws(() => decodeTrackResult(many), /need/, 'a count larger than the body is refused before any allocation');
    assert.throws(() => decodeTrackRequest(encodeTrackRequest({ trackFlags: 1, currentInCallback: false, capacity: 0 }).fill(2, 4, 8)), BodyError);
    assert.throws(() => decodeNodeJoin(encodeNodeJoin({ ringRep: 1, ringSeq: 1n, lastView: 0n, incarnation: 1n, node: { ...NODE, nodeId: 0 }, known: [] })), BodyError);
  });

  it('decoders throw BodyError and nothing else on arbitrary bytes (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1200 }), fc.nat(DECODERS.length - 1), (bytes, i) => {
      try {
        DECODERS[i]!(Buffer.from(bytes));
      } catch (e) {
        if (!(e instanceof BodyError)) throw e;
      }
    }), { numRuns: 3000 });
  });
});

describe('this node\'s CLM record', () => {
  function config(nodes: Array<{ nodeid: number; ring0Addr: string; name?: string }>, bindnetaddr?: string): MainConfig {
    return { totem: { nodes: nodes.map((n) => ({ nodeidDerived: false, ...n })), interfaces: [{ ringnumber: 0, bindnetaddr, mcastport: 5405, ttl: 1, broadcast: false }] } } as unknown as MainConfig;
  }
  const machine = { hostname: () => 'host-a', bootTimeSeconds: () => 1_700_000_000 };

  it('takes the address and name of its nodelist entry, the hostname without a name, and the boot time in ns', () => {
    const c = config([{ nodeid: 1, ring0Addr: '192.0.2.1', name: 'alpha' }, { nodeid: 2, ring0Addr: 'fd00::2' }]);
    assert.deepEqual(localClmNode(c, 1, machine, 77n), {
      nodeId: 1, nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: 9, value: '192.0.2.1' },
      nodeName: 'alpha', bootTimestamp: 1_700_000_000_000_000_000n, incarnation: 77n,
    });
    const two = localClmNode(c, 2, machine);
    assert.deepEqual([two.nodeAddress.family, two.nodeAddress.value, two.nodeName], [SaClmNodeAddressFamilyT.SA_CLM_AF_INET6, 'fd00::2', 'host-a']);
  });

  it('each start gets its own random 64-bit incarnation', () => {
    const c = config([{ nodeid: 1, ring0Addr: '192.0.2.1' }]);
    const seen = new Set(Array.from({ length: 64 }, () => localClmNode(c, 1, machine).incarnation));
    assert.equal(seen.size, 64);
    for (const v of seen) assert.ok(v >= 0n && v < 2n ** 64n);
    assert.ok([...seen].some((v) => v >= 2n ** 63n), 'the top bit is used');
  });

  it('without a nodelist entry, interface 0\'s bindnetaddr, else the loopback', () => {
    assert.equal(localClmNode(config([], '10.1.0.0'), 5, machine).nodeAddress.value, '10.1.0.0');
    assert.equal(localClmNode(config([]), 5, machine).nodeAddress.value, '127.0.0.1');
  });
});
