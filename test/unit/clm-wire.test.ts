// The CLM message bodies (docs/ipc-protocol.md, "CLM"): exact sizes and
// offsets, round trips, validation of every field, and decoders that throw
// BodyError and nothing else on arbitrary bytes. Also this node's record as
// the executive builds it from the configuration.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SaClmClusterChangesT, SaClmNodeAddressFamilyT, type SaClmClusterNodeT } from '../../lib-ais/clm-types.js';
import { BodyError } from '../../lib-ais/ipc/codec.js';
import {
  CLM_ITEM_BYTES, CLM_ITEMS_MAX, CLM_NODE_BYTES, decodeNode, decodeNodeGetAsyncRequest, decodeNodeGetCallback, decodeNodeGetRequest,
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
    const join = { ringRep: 1, ringSeq: 8n, lastView: 2n, node: { ...NODE, member: false, initialViewNumber: 0n } };
    assert.deepEqual(decodeNodeJoin(encodeNodeJoin(join)), join);
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
    assert.throws(() => decodeNodeJoin(encodeNodeJoin({ ringRep: 1, ringSeq: 1n, lastView: 0n, node: { ...NODE, nodeId: 0 } })), BodyError);
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
    assert.deepEqual(localClmNode(c, 1, machine), {
      nodeId: 1, nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: 9, value: '192.0.2.1' },
      nodeName: 'alpha', bootTimestamp: 1_700_000_000_000_000_000n,
    });
    const two = localClmNode(c, 2, machine);
    assert.deepEqual([two.nodeAddress.family, two.nodeAddress.value, two.nodeName], [SaClmNodeAddressFamilyT.SA_CLM_AF_INET6, 'fd00::2', 'host-a']);
  });

  it('without a nodelist entry, interface 0\'s bindnetaddr, else the loopback', () => {
    assert.equal(localClmNode(config([], '10.1.0.0'), 5, machine).nodeAddress.value, '10.1.0.0');
    assert.equal(localClmNode(config([]), 5, machine).nodeAddress.value, '127.0.0.1');
  });
});
