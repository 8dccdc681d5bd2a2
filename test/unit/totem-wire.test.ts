import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BugIndicatingError } from '../../lib-ais/errors.js';
import { MEMBERS_MAX, RTR_ENTRIES_MAX } from '../../aisexec/totem/constants.js';
import type {
  CommitMemberEntry, CommitToken, JoinMessage, McastMessage, NodeId, OrfToken, RingId, TotemMessage,
} from '../../aisexec/totem/types.js';
import {
  decode, encode, encodedBytes, HEADER_BYTES, IPV4_UDP_HEADER_BYTES, IPV6_UDP_HEADER_BYTES, mcastPayloadCapacity, MCAST_OVERHEAD_BYTES,
  PACKET_BYTES_MAX, WIRE_REASONS, type WireReason,
} from '../../aisexec/totem/wire.js';
import { PacketSecurity } from '../../aisexec/totem/security.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';
import { readVectors } from '../helpers/vectors.js';

const FC = { seed: 20261123, numRuns: 2000 };

/** A message as the vectors' JSON writes it: bigints as decimal strings, bytes as hex. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function refused(bytes: Uint8Array): WireReason {
  const r = decode(bytes);
  assert.equal(r.ok, false, 'expected the packet to be refused');
  return (r as { reason: WireReason }).reason;
}

// --- arbitraries for valid messages ----------------------------------------

const nodeId = fc.integer({ min: 1, max: 0xffff_ffff });
const u32 = fc.nat({ max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn });
const ringId: fc.Arbitrary<RingId> = fc.record({ rep: nodeId, seq: u64 });
const nodeSet = (max: number) => fc.uniqueArray(nodeId, { maxLength: max }).map((a) => a.sort((x, y) => x - y));

const orfToken: fc.Arbitrary<OrfToken> = fc.record({
  type: fc.constant('orf_token' as const), ringId, seq: u32, tokenSeq: u32, aru: u32, aruAddr: fc.option(nodeId, { nil: null }),
  fcc: u32, backlog: u32, retransFlg: fc.boolean(), rtr: fc.array(fc.record({ ringId, seq: u32 }), { maxLength: RTR_ENTRIES_MAX }),
});
const plainMcast: fc.Arbitrary<McastMessage> = fc.record({
  type: fc.constant('mcast' as const), ringId, seq: u32, source: nodeId, guarantee: fc.constantFrom('agreed' as const, 'safe' as const),
  encapsulated: fc.constant(null), payload: fc.uint8Array({ maxLength: 1500 }),
});
const encapsulatedMcast: fc.Arbitrary<McastMessage> = fc.tuple(plainMcast, plainMcast).map(([outer, inner]) => ({ ...outer, encapsulated: inner, payload: new Uint8Array(0) }));
const join: fc.Arbitrary<JoinMessage> = fc.record({
  type: fc.constant('memb_join' as const), source: nodeId, procSet: nodeSet(40), failSet: nodeSet(40), ringSeq: u64,
});
const commitToken: fc.Arbitrary<CommitToken> = fc.uniqueArray(nodeId, { minLength: 1, maxLength: 40 }).chain((ids) => {
  ids.sort((a, b) => a - b);
  const entries = fc.tuple(...ids.map((id) => fc.record({
    nodeId: fc.constant(id), oldRingId: fc.option(ringId, { nil: null }), aru: u32, highDelivered: u32, receivedFlg: fc.boolean(),
  }))) as fc.Arbitrary<CommitMemberEntry[]>;
  return fc.record({
    type: fc.constant('memb_commit_token' as const), ringId, tokenSeq: u32, retransFlg: fc.boolean(),
    membIndex: fc.nat({ max: ids.length }), memb: entries,
  });
});
const smallMessage: fc.Arbitrary<TotemMessage> = fc.oneof(
  orfToken, plainMcast, encapsulatedMcast, join, commitToken,
  fc.record({ type: fc.constant('memb_merge_detect' as const), source: nodeId, ringId }),
  fc.record({ type: fc.constant('token_hold_cancel' as const), source: nodeId, ringId }),
);

// --- fixtures for the rejection table -------------------------------------

const R: RingId = { rep: 1, seq: 8n };
const MCAST: McastMessage = { type: 'mcast', ringId: R, seq: 43, source: 2, guarantee: 'agreed', encapsulated: null, payload: Buffer.from('hello ring') };
const TOKEN: OrfToken = { type: 'orf_token', ringId: R, seq: 42, tokenSeq: 7, aru: 40, aruAddr: 3, fcc: 5, backlog: 12, retransFlg: false, rtr: [{ ringId: R, seq: 41 }] };
const JOIN: JoinMessage = { type: 'memb_join', source: 2, procSet: [1, 2, 3], failSet: [4], ringSeq: 8n };
const COMMIT: CommitToken = {
  type: 'memb_commit_token', ringId: { rep: 1, seq: 12n }, tokenSeq: 0, retransFlg: false, membIndex: 1,
  memb: [{ nodeId: 1, oldRingId: R, aru: 43, highDelivered: 43, receivedFlg: true }, { nodeId: 2, oldRingId: null, aru: 0, highDelivered: 0, receivedFlg: false }],
};
const ENCAP: McastMessage = { ...MCAST, ringId: { rep: 1, seq: 12n }, seq: 1, source: 3, encapsulated: MCAST, payload: new Uint8Array(0) };

/** The encoding of `m`, edited in place (or replaced by what `edit` returns). */
function mutated(m: TotemMessage, sender: NodeId, edit: (dv: DataView, b: Buffer) => void | Buffer): Buffer {
  const b = Buffer.from(encode(m, sender));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return edit(dv, b) ?? b;
}

const REJECTIONS: Array<[string, WireReason, () => Uint8Array]> = [
  ['an empty packet', 'short', () => new Uint8Array(0)],
  ['a header cut short', 'short', () => encode(MCAST, 2).subarray(0, HEADER_BYTES - 1)],
  ['an orf_token cut inside its fixed part', 'short', () => encode(TOKEN, 2).subarray(0, HEADER_BYTES + 30)],
  ['an orf_token cut inside its retransmit list', 'short', () => encode(TOKEN, 2).subarray(0, encodedBytes(TOKEN) - 1)],
  ['a packet over 64000 bytes', 'too_long', () => new Uint8Array(PACKET_BYTES_MAX + 1)],
  ['magic c071', 'magic', () => mutated(MCAST, 2, (dv) => dv.setUint16(0, 0xc071))],
  ['version 3 (corosync)', 'version', () => mutated(MCAST, 2, (dv) => dv.setUint8(2, 3))],
  ['type 6', 'type', () => mutated(MCAST, 2, (dv) => dv.setUint8(3, 6))],
  ['an unknown flag bit', 'flags', () => mutated(MCAST, 2, (dv) => dv.setUint8(4, 0x80))],
  ['encapsulated on a join', 'flags', () => mutated(JOIN, 2, (dv) => dv.setUint8(4, 1))],
  ['a header reserved byte', 'reserved', () => mutated(MCAST, 2, (dv) => dv.setUint8(6, 1))],
  ['an mcast reserved byte', 'reserved', () => mutated(MCAST, 2, (dv) => dv.setUint8(34, 1))],
  ['an orf_token reserved byte', 'reserved', () => mutated(TOKEN, 2, (dv) => dv.setUint8(49, 1))],
  ['a commit token entry reserved byte', 'reserved', () => mutated(COMMIT, 1, (dv) => dv.setUint8(36 + 27, 1))],
  ['a byte after a join', 'trailing', () => Buffer.concat([encode(JOIN, 2), Buffer.of(0)])],
  ['a byte after a merge detect', 'trailing', () => Buffer.concat([encode({ type: 'memb_merge_detect', source: 1, ringId: R }, 1), Buffer.of(0)])],
  ['mcast payload_length shorter than the packet', 'trailing', () => mutated(MCAST, 2, (dv) => dv.setUint32(36, 9))],
  ['header sender 0', 'node_id', () => mutated(MCAST, 2, (dv) => dv.setUint32(8, 0))],
  ['ring representative 0', 'node_id', () => mutated(MCAST, 2, (dv) => dv.setUint32(12, 0))],
  ['mcast source 0', 'node_id', () => mutated(MCAST, 2, (dv) => dv.setUint32(28, 0))],
  ['join proc set entry 0', 'node_id', () => mutated(JOIN, 2, (dv) => dv.setUint32(28, 0))],
  ['token_hold_cancel source 0', 'node_id', () => mutated({ type: 'token_hold_cancel', source: 3, ringId: R }, 3, (dv) => dv.setUint32(12, 0))],
  ['rtr entry representative 0', 'node_id', () => mutated(TOKEN, 2, (dv) => dv.setUint32(52, 0))],
  ['commit token member 0', 'node_id', () => mutated(COMMIT, 1, (dv) => dv.setUint32(36, 0))],
  ['commit token old ring with representative 0 but a seq', 'node_id', () => mutated(COMMIT, 1, (dv) => dv.setBigUint64(36 + 28 + 8, 5n))],
  ['retrans_flg 2', 'bool', () => mutated(TOKEN, 2, (dv) => dv.setUint8(48, 2))],
  ['commit received_flg 7', 'bool', () => mutated(COMMIT, 1, (dv) => dv.setUint8(36 + 24, 7))],
  ['guarantee 2', 'guarantee', () => mutated(MCAST, 2, (dv) => dv.setUint8(32, 2))],
  ['31 retransmit entries', 'rtr_count', () => mutated({ ...TOKEN, rtr: Array.from({ length: 30 }, (_, i) => ({ ringId: R, seq: i })) }, 2, (dv, b) => {
    dv.setUint16(50, 31);
    return Buffer.concat([b, b.subarray(52, 68)]);
  })],
  [`a proc set of ${MEMBERS_MAX + 1}`, 'list_count', () => mutated(JOIN, 2, (dv) => dv.setUint16(16, MEMBERS_MAX + 1))],
  ['a commit token without members', 'list_count', () => mutated(COMMIT, 1, (dv) => dv.setUint16(30, 0))],
  ['a proc set out of order', 'list_order', () => mutated(JOIN, 2, (dv) => { dv.setUint32(28, 2); dv.setUint32(32, 1); })],
  ['a fail set with a duplicate', 'list_order', () => mutated({ ...JOIN, failSet: [4, 5] }, 2, (dv) => dv.setUint32(44, 4))],
  ['commit token members out of order', 'list_order', () => mutated(COMMIT, 1, (dv) => dv.setUint32(36 + 28, 1))],
  ['memb_index above the member count', 'memb_index', () => mutated(COMMIT, 1, (dv) => dv.setUint16(28, 3))],
  ['payload_length past the end', 'payload_length', () => mutated(MCAST, 2, (dv) => dv.setUint32(36, 11))],
  ['encapsulated payload_length past the end', 'payload_length', () => mutated(ENCAP, 3, (dv) => dv.setUint32(40 + 36, 11))],
  ['an encapsulated token', 'nesting', () => {
    const inner = encode(TOKEN, 2);
    return mutated({ ...ENCAP, encapsulated: { ...MCAST, payload: new Uint8Array(inner.length - 40) } }, 3, (_dv, b) => { b.set(inner, 40); });
  }],
  ['two levels of encapsulation', 'nesting', () => mutated(ENCAP, 3, (dv) => dv.setUint8(40 + 4, 1))],
  ['an inner header sender that is not its source', 'nesting', () => mutated(ENCAP, 3, (dv) => dv.setUint32(40 + 8, 9))],
  ['an inner packet cut short', 'short', () => mutated(ENCAP, 3, (dv, b) => { dv.setUint32(36, 5); return b.subarray(0, 45); })],
];

describe('Totem wire format (docs/totem-wire.md)', () => {
  shallowStacksDuringBlock();

  describe('test vectors in test/vectors/totem', () => {
    for (const v of readVectors('test/vectors/totem').filter((x) => x.expect['sealed'] === undefined)) {
      it(`${v.name} decodes as documented`, () => {
        const malformed = v.expect['malformed'];
        if (malformed !== undefined) {
          assert.equal(refused(v.bytes), malformed);
          return;
        }
        const r = decode(v.bytes);
        assert.ok(r.ok, `refused: ${r.ok ? '' : r.reason}`);
        assert.equal(r.sender, v.expect['sender']);
        assert.deepEqual(plain(r.message), v.expect['message']);
        // And the encoder produces exactly these bytes.
        assert.equal(hexOf(encode(r.message, r.sender)), hexOf(v.bytes));
      });
    }
  });

  it('has the documented sizes', () => {
    assert.equal(encodedBytes(MCAST), 12 + 28 + 10);
    assert.equal(encodedBytes(ENCAP), 12 + 28 + 12 + 28 + 10);
    assert.equal(encodedBytes(TOKEN), 12 + 40 + 16);
    assert.equal(encodedBytes(JOIN), 12 + 16 + 4 * 4);
    assert.equal(encodedBytes(COMMIT), 12 + 24 + 2 * 28);
    assert.equal(encodedBytes({ type: 'memb_merge_detect', source: 1, ringId: R }), 28);
    assert.equal(encodedBytes({ type: 'token_hold_cancel', source: 1, ringId: R }), 28);
    // The largest commit token fits a packet.
    const memb = Array.from({ length: MEMBERS_MAX }, (_, i) => ({ nodeId: i + 1, oldRingId: R, aru: 0, highDelivered: 0, receivedFlg: false }));
    const big: CommitToken = { ...COMMIT, memb, membIndex: MEMBERS_MAX - 1 };
    assert.ok(encodedBytes(big) <= PACKET_BYTES_MAX);
    assert.deepEqual(decode(encode(big, 1)), { ok: true, sender: 1, message: big });
  });

  describe('mcastPayloadCapacity', () => {
    it('subtracts IP/UDP, the envelope and two mcast overheads (so recovery can encapsulate a full frame)', () => {
      assert.equal(mcastPayloadCapacity(1500, 'none', 4), 1500 - 28 - 20 - 80);
      assert.equal(mcastPayloadCapacity(1500, 'hmac-sha256', 4), 1500 - 28 - 52 - 80);
      assert.equal(mcastPayloadCapacity(1500, 'aes256-gcm', 4), 1500 - 28 - 36 - 80);
      assert.equal(mcastPayloadCapacity(1500, 'aes256-gcm'), 1500 - 48 - 36 - 80);
      assert.equal(MCAST_OVERHEAD_BYTES, 40);
    });

    it('a full frame, encapsulated and sealed, fits netmtu in every mode and family', () => {
      const key = new Uint8Array(128).fill(1);
      for (const mode of ['none', 'hmac-sha256', 'aes256-gcm'] as const) {
        for (const family of [4, 6] as const) {
          for (const netmtu of [576, 1500, 9000]) {
            const cap = mcastPayloadCapacity(netmtu, mode, family);
            const full: McastMessage = { ...MCAST, payload: new Uint8Array(cap) };
            const sealed = PacketSecurity.fromConfig(mode, key, 1).seal(encode({ ...ENCAP, encapsulated: full }, 3), 3);
            const ipUdp = family === 4 ? IPV4_UDP_HEADER_BYTES : IPV6_UDP_HEADER_BYTES;
            assert.equal(sealed.length + ipUdp, netmtu, `${mode} IPv${family} netmtu ${netmtu}`);
          }
        }
      }
    });
  });

  it('encoding a malformed message is a bug (our core built it), not a packet', () => {
    const bad: Array<[string, TotemMessage, NodeId]> = [
      ['sender 0', MCAST, 0],
      ['seq above u32', { ...MCAST, seq: 2 ** 32 }, 2],
      ['negative aru', { ...TOKEN, aru: -1 }, 2],
      ['31 retransmit entries', { ...TOKEN, rtr: Array.from({ length: 31 }, () => ({ ringId: R, seq: 1 })) }, 2],
      ['an unsorted proc set', { ...JOIN, procSet: [2, 1] }, 2],
      ['a ring seq above u64', { ...MCAST, ringId: { rep: 1, seq: 2n ** 64n } }, 2],
      ['representative 0', { ...MCAST, ringId: { rep: 0, seq: 1n } }, 2],
      ['an encapsulating mcast with a payload', { ...ENCAP, payload: Uint8Array.of(1) }, 3],
      ['two levels of encapsulation', { ...ENCAP, encapsulated: ENCAP }, 3],
      ['a commit token index past its members', { ...COMMIT, membIndex: 3 }, 1],
      ['a payload over the packet limit', { ...MCAST, payload: new Uint8Array(PACKET_BYTES_MAX) }, 2],
    ];
    for (const [what, m, sender] of bad) assert.throws(() => encode(m, sender), BugIndicatingError, what);
  });

  it('checks the sender against the authenticated one', () => {
    assert.deepEqual(decode(encode(MCAST, 2), 2).ok, true);
    const r = decode(encode(MCAST, 2), 5);
    assert.equal(r.ok, false);
    assert.equal((r as { reason: string }).reason, 'sender');
  });

  describe('refuses malformed packets with a reason', () => {
    for (const [what, reason, bytes] of REJECTIONS) {
      it(`${what}: ${reason}`, () => assert.equal(refused(bytes()), reason));
    }
    it('every reason is reached', () => {
      const reached = new Set<string>([...REJECTIONS.map(([, r]) => r), 'sender']);
      assert.deepEqual([...WIRE_REASONS].filter((r) => !reached.has(r)), []);
    });
  });

  describe('properties', () => {
    it('every valid message round-trips, byte-exact', () => {
      fc.assert(fc.property(smallMessage, nodeId, (m, sender) => {
        const bytes = encode(m, sender);
        assert.equal(bytes.length, encodedBytes(m));
        const r = decode(bytes);
        assert.ok(r.ok);
        assert.equal(r.sender, sender);
        assert.deepEqual(plain(r.message), plain(m));
        assert.deepEqual(encode(r.message, sender), bytes);
      }), FC);
    });

    it('random bytes never throw, and whatever decodes re-encodes to the same bytes (one encoding per message)', () => {
      const header = fc.tuple(fc.constantFrom(0, 1, 2, 3, 4, 5, 6), fc.constantFrom(0, 1, 2)).map(([t, f]) => Uint8Array.of(0xc0, 0x70, 1, t, f, 0, 0, 0, 0, 0, 0, 1));
      const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.tuple(header, fc.uint8Array({ maxLength: 200 })).map(([h, b]) => Buffer.concat([h, b])));
      fc.assert(fc.property(bytes, (b) => {
        const r = decode(b);
        if (r.ok) assert.equal(hexOf(encode(r.message, r.sender)), hexOf(b));
        else assert.ok(WIRE_REASONS.includes(r.reason));
      }), { ...FC, numRuns: 5000 });
    });

    it('mutations of valid packets never throw; whatever decodes is canonical', () => {
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('append' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 20 }) }),
      );
      fc.assert(fc.property(smallMessage, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
        let b = Buffer.from(encode(m, 7));
        for (const x of muts) {
          if (x.kind === 'append') b = Buffer.concat([b, x.extra]);
          else if (b.length === 0) continue;
          else if (x.kind === 'cut') b = b.subarray(0, x.at % b.length);
          else if (x.kind === 'set') b[x.at % b.length] = x.value;
          else b[x.at % b.length]! ^= 1 << x.bit;
        }
        const r = decode(b);
        if (r.ok) assert.equal(hexOf(encode(r.message, r.sender)), hexOf(b));
      }), FC);
    });
  });
});
