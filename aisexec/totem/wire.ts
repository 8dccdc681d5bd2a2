// The Totem wire format: one Totem message <-> the bytes of one packet.
// Layout, limits and rationale: docs/totem-wire.md (every offset below is
// documented there). Network byte order. The message types and their codes
// follow corosync's exec/totemsrp.c; the layout is Ringfort's own (wire
// version 1), not corosync's, which is host-endian and carries addresses.
//
// decode() takes untrusted bytes (already authenticated by security.ts, but
// a peer's bug or a key holder's mistake must not crash us either): it
// validates everything and returns a reason, never throws. encode() takes
// messages from our own core: a malformed one is a bug, so it asserts.
import { BugIndicatingError } from '../../lib-ais/errors.js';
import { MEMBERS_MAX, RTR_ENTRIES_MAX } from './constants.js';
import { securityOverheadBytes, type SecurityMode } from './security.js';
import type {
  CommitMemberEntry, CommitToken, JoinMessage, McastMessage, MergeDetect, NodeId, OrfToken, RingId, RtrEntry,
  TokenHoldCancel, TotemMessage,
} from './types.js';

export const WIRE_MAGIC = 0xc070;
/** Ringfort's Totem wire version. corosync uses 3 (and another layout), so its packets fail the version check. */
export const WIRE_VERSION = 1;

/** Message type codes, as corosync's totemsrp.c. */
export const enum WireType {
  ORF_TOKEN = 0,
  MCAST = 1,
  MEMB_MERGE_DETECT = 2,
  MEMB_JOIN = 3,
  MEMB_COMMIT_TOKEN = 4,
  TOKEN_HOLD_CANCEL = 5,
}

/** Header flag: this mcast carries an old-ring mcast whole (recovery, paper §7). */
export const FLAG_ENCAPSULATED = 0x01;
/** Header flag: the sender keeps the token after this mcast (sender hold, core departure 13). */
export const FLAG_HELD = 0x02;

export const HEADER_BYTES = 12;
export const RING_ID_BYTES = 12;
export const ORF_TOKEN_FIXED_BYTES = 40;
export const RTR_ENTRY_BYTES = 16;
export const MCAST_FIXED_BYTES = 28;
export const MERGE_DETECT_BYTES = 16;
export const JOIN_FIXED_BYTES = 16;
export const COMMIT_TOKEN_FIXED_BYTES = 24;
export const COMMIT_ENTRY_BYTES = 28;
export const TOKEN_HOLD_CANCEL_BYTES = 16;
/** Header plus mcast fields: the overhead of one mcast frame before its payload. */
export const MCAST_OVERHEAD_BYTES = HEADER_BYTES + MCAST_FIXED_BYTES;
/**
 * Largest Totem packet (before the security envelope). Like corosync's
 * TOKEN_SIZE_MAX (64000); with the largest envelope it stays within a UDP
 * datagram. A commit token of MEMBERS_MAX members (10,788 bytes) fits.
 */
export const PACKET_BYTES_MAX = 64_000;
/** IP and UDP headers that netmtu must also hold (corosync totemip_udpip_header_size). */
export const IPV4_UDP_HEADER_BYTES = 28;
export const IPV6_UDP_HEADER_BYTES = 48;

/**
 * Application bytes one mcast frame can carry within `netmtuBytes`. Two mcast
 * overheads are subtracted, as corosync's totemsrp_net_mtu_adjust does, so that
 * the same message still fits when recovery re-sends it encapsulated in a new
 * mcast. IPv6 by default: on IPv4 that wastes 20 bytes, the other way round
 * would fragment every full frame.
 */
export function mcastPayloadCapacity(netmtuBytes: number, securityMode: SecurityMode, ipFamily: 4 | 6 = 6): number {
  const ipUdp = ipFamily === 4 ? IPV4_UDP_HEADER_BYTES : IPV6_UDP_HEADER_BYTES;
  const capacity = netmtuBytes - ipUdp - securityOverheadBytes(securityMode) - 2 * MCAST_OVERHEAD_BYTES;
  if (!(Number.isInteger(capacity) && capacity > 0)) bug(`netmtu ${netmtuBytes} leaves no room for a payload`);
  return Math.min(capacity, PACKET_BYTES_MAX - 2 * MCAST_OVERHEAD_BYTES);
}

// ---------------------------------------------------------------------------
// Encoding

/** Encoding a malformed message is a bug in our core (the message is built only on that path). */
function bug(message: string): never {
  throw new BugIndicatingError(message);
}

function isU32(v: number): boolean {
  return v >>> 0 === v;
}

function isNodeId(v: number): boolean {
  return v !== 0 && v >>> 0 === v;
}

/** Bytes of the encoded message, header included. */
export function encodedBytes(m: TotemMessage): number {
  switch (m.type) {
    case 'orf_token': return HEADER_BYTES + ORF_TOKEN_FIXED_BYTES + RTR_ENTRY_BYTES * m.rtr.length;
    case 'mcast': return HEADER_BYTES + MCAST_FIXED_BYTES + (m.encapsulated === null ? m.payload.length : encodedBytes(m.encapsulated));
    case 'memb_merge_detect': return HEADER_BYTES + MERGE_DETECT_BYTES;
    case 'memb_join': return HEADER_BYTES + JOIN_FIXED_BYTES + 4 * (m.procSet.length + m.failSet.length);
    case 'memb_commit_token': return HEADER_BYTES + COMMIT_TOKEN_FIXED_BYTES + COMMIT_ENTRY_BYTES * m.memb.length;
    case 'token_hold_cancel': return HEADER_BYTES + TOKEN_HOLD_CANCEL_BYTES;
  }
}

/** The packet for `message` as sent by `sender` (this node). */
export function encode(message: TotemMessage, sender: NodeId): Uint8Array {
  const size = encodedBytes(message);
  if (size > PACKET_BYTES_MAX) bug(`wire: a ${message.type} of ${size} bytes exceeds the packet limit ${PACKET_BYTES_MAX}`);
  // From Buffer's pool (a fresh small ArrayBuffer per packet costs more than
  // encoding it), zeroed so that reserved bytes need no writes.
  const bytes = Buffer.allocUnsafe(size).fill(0);
  const end = encodeAt(bytes, 0, message, sender);
  if (end !== size) bug('wire: encoded size differs from the computed size');
  return bytes;
}

// Big-endian field access on the bytes themselves: a DataView per packet, or
// an object spread, costs more than the whole rest of a 64-byte mcast.
function wr16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v;
}
function wr32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}
function wr64(b: Uint8Array, at: number, v: bigint): void {
  if (v <= 0xffff_ffffn) {
    wr32(b, at, 0);
    wr32(b, at + 4, Number(v));
  } else {
    wr32(b, at, Number(v >> 32n));
    wr32(b, at + 4, Number(v & 0xffff_ffffn));
  }
}
function rd16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}
function rd32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
function rd64(b: Uint8Array, at: number): bigint {
  const hi = rd32(b, at);
  const lo = rd32(b, at + 4);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

function writeHeader(b: Uint8Array, at: number, type: WireType, flags: number, sender: NodeId): void {
  if (!isNodeId(sender)) bug(`wire: sender ${sender} is not a node id`);
  wr16(b, at, WIRE_MAGIC);
  b[at + 2] = WIRE_VERSION;
  b[at + 3] = type;
  b[at + 4] = flags;
  // at + 5..7: reserved, zero (the buffer is zero-filled).
  wr32(b, at + 8, sender);
}

function writeRingId(b: Uint8Array, at: number, r: RingId): void {
  if (!(isNodeId(r.rep) && r.seq >= 0n && r.seq <= 0xffff_ffff_ffff_ffffn)) bug('wire: bad ring id');
  wr32(b, at, r.rep);
  wr64(b, at + 4, r.seq);
}

function writeU32(b: Uint8Array, at: number, v: number, what: string): void {
  if (!isU32(v)) bug(`wire: ${what} ${v} is not a u32`);
  wr32(b, at, v);
}

function writeNodeList(b: Uint8Array, at: number, ids: readonly NodeId[], what: string): number {
  if (ids.length > MEMBERS_MAX) bug(`wire: ${what} has ${ids.length} entries`);
  let prev = 0;
  for (const id of ids) {
    if (!(isNodeId(id) && id > prev)) bug(`wire: ${what} is not sorted, duplicate-free node ids`);
    wr32(b, at, id);
    at += 4;
    prev = id;
  }
  return at;
}

/** Writes the packet at `at`; returns the offset after it. */
function encodeAt(b: Uint8Array, at: number, m: TotemMessage, sender: NodeId): number {
  switch (m.type) {
    case 'orf_token': {
      if (m.rtr.length > RTR_ENTRIES_MAX) bug(`wire: ${m.rtr.length} retransmit entries`);
      writeHeader(b, at, WireType.ORF_TOKEN, 0, sender);
      writeRingId(b, at + 12, m.ringId);
      writeU32(b, at + 24, m.seq, 'seq');
      writeU32(b, at + 28, m.tokenSeq, 'token_seq');
      writeU32(b, at + 32, m.aru, 'aru');
      if (!(m.aruAddr === null || isNodeId(m.aruAddr))) bug('wire: bad aru_addr');
      wr32(b, at + 36, m.aruAddr ?? 0);
      writeU32(b, at + 40, m.fcc, 'fcc');
      writeU32(b, at + 44, m.backlog, 'backlog');
      b[at + 48] = m.retransFlg ? 1 : 0;
      wr16(b, at + 50, m.rtr.length);
      let p = at + 52;
      for (const e of m.rtr) {
        writeRingId(b, p, e.ringId);
        writeU32(b, p + 12, e.seq, 'rtr seq');
        p += RTR_ENTRY_BYTES;
      }
      return p;
    }
    case 'mcast': {
      const inner = m.encapsulated;
      writeHeader(b, at, WireType.MCAST, (inner === null ? 0 : FLAG_ENCAPSULATED) | (m.held === true ? FLAG_HELD : 0), sender);
      writeRingId(b, at + 12, m.ringId);
      writeU32(b, at + 24, m.seq, 'seq');
      if (!isNodeId(m.source)) bug('wire: bad mcast source');
      wr32(b, at + 28, m.source);
      b[at + 32] = m.guarantee === 'safe' ? 1 : 0;
      const p = at + 40;
      if (inner === null) {
        wr32(b, at + 36, m.payload.length);
        b.set(m.payload, p);
        return p + m.payload.length;
      }
      if (!(m.payload.length === 0 && inner.encapsulated === null)) bug('wire: an encapsulating mcast has no payload of its own and nests one level only');
      const end = encodeAt(b, p, inner, inner.source);
      wr32(b, at + 36, end - p);
      return end;
    }
    case 'memb_merge_detect':
    case 'token_hold_cancel': {
      writeHeader(b, at, m.type === 'memb_merge_detect' ? WireType.MEMB_MERGE_DETECT : WireType.TOKEN_HOLD_CANCEL, 0, sender);
      if (!isNodeId(m.source)) bug(`wire: bad ${m.type} source`);
      wr32(b, at + 12, m.source);
      writeRingId(b, at + 16, m.ringId);
      return at + 28;
    }
    case 'memb_join': {
      writeHeader(b, at, WireType.MEMB_JOIN, 0, sender);
      if (!isNodeId(m.source)) bug('wire: bad join source');
      wr32(b, at + 12, m.source);
      wr16(b, at + 16, m.procSet.length);
      wr16(b, at + 18, m.failSet.length);
      if (!(m.ringSeq >= 0n && m.ringSeq <= 0xffff_ffff_ffff_ffffn)) bug('wire: bad join ring_seq');
      wr64(b, at + 20, m.ringSeq);
      const p = writeNodeList(b, at + 28, m.procSet, 'proc set');
      return writeNodeList(b, p, m.failSet, 'fail set');
    }
    case 'memb_commit_token': {
      const n = m.memb.length;
      if (!(n >= 1 && n <= MEMBERS_MAX && m.membIndex >= 0 && m.membIndex <= n)) bug('wire: bad commit token member count or index');
      writeHeader(b, at, WireType.MEMB_COMMIT_TOKEN, 0, sender);
      writeRingId(b, at + 12, m.ringId);
      writeU32(b, at + 24, m.tokenSeq, 'token_seq');
      wr16(b, at + 28, m.membIndex);
      wr16(b, at + 30, n);
      b[at + 32] = m.retransFlg ? 1 : 0;
      let p = at + 36;
      let prev = 0;
      for (const e of m.memb) {
        if (!(isNodeId(e.nodeId) && e.nodeId > prev)) bug('wire: commit token members are not sorted, duplicate-free node ids');
        prev = e.nodeId;
        wr32(b, p, e.nodeId);
        if (e.oldRingId !== null) writeRingId(b, p + 4, e.oldRingId); // else rep 0, seq 0: none
        writeU32(b, p + 16, e.aru, 'aru');
        writeU32(b, p + 20, e.highDelivered, 'high_delivered');
        b[p + 24] = e.receivedFlg ? 1 : 0;
        p += COMMIT_ENTRY_BYTES;
      }
      return p;
    }
  }
}

// ---------------------------------------------------------------------------
// Decoding

/** Why a packet was refused; the driver counts drops per reason. */
export const WIRE_REASONS = [
  'short', // fewer bytes than the header or the fixed layout says
  'too_long', // more than PACKET_BYTES_MAX
  'magic',
  'version',
  'type', // unknown type code
  'flags', // unknown flag bits, or encapsulated on a type other than mcast
  'reserved', // a reserved byte is not zero
  'trailing', // bytes after the message
  'node_id', // node id 0 where a node is required (a sender, source, list entry, ring representative)
  'bool', // a flag byte other than 0 or 1
  'guarantee',
  'rtr_count', // more than RTR_ENTRIES_MAX retransmit entries
  'list_count', // a node list longer than MEMBERS_MAX, or a commit token without members
  'list_order', // a node list not strictly ascending (unsorted or duplicate)
  'memb_index', // commit token index above its member count
  'payload_length', // payload length beyond the end of the packet
  'nesting', // an encapsulated message that is not one plain mcast from its own source
  'sender', // the header sender differs from the authenticated one
] as const;
export type WireReason = (typeof WIRE_REASONS)[number];

export type DecodeResult =
  | { readonly ok: true; readonly sender: NodeId; readonly message: TotemMessage }
  | { readonly ok: false; readonly reason: WireReason; readonly detail: string };

class Refusal {
  constructor(readonly reason: WireReason, readonly detail: string) {}
}

/**
 * Decodes one packet. Validates everything; never throws. A decoded mcast's
 * payload is a view into `bytes` (no copy): the caller must not reuse that
 * buffer while the message lives (Node's dgram gives a fresh one per packet).
 * `authenticatedSender`, when given (the sender the security envelope
 * vouched for), must equal the header's sender.
 */
export function decode(bytes: Uint8Array, authenticatedSender?: NodeId): DecodeResult {
  if (bytes.length > PACKET_BYTES_MAX) return { ok: false, reason: 'too_long', detail: `${bytes.length} bytes, limit ${PACKET_BYTES_MAX}` };
  const r = decodeAt(bytes, 0, bytes.length, false);
  if (r instanceof Refusal) return { ok: false, reason: r.reason, detail: r.detail };
  const sender = rd32(bytes, 8);
  if (authenticatedSender !== undefined && sender !== authenticatedSender) {
    return { ok: false, reason: 'sender', detail: `header sender ${sender}, authenticated sender ${authenticatedSender}` };
  }
  return { ok: true, sender, message: r };
}

function short(what: string, need: number, have: number): Refusal {
  return new Refusal('short', `${what} needs ${need} b, packet has ${have}`);
}

function exact(what: string, need: number, have: number): Refusal | null {
  if (have < need) return short(what, need, have);
  if (have > need) return new Refusal('trailing', `${what} is ${need} b, packet has ${have - need} more`);
  return null;
}

// Nearly every packet names the same ring: the last ring id decoded is reused (a bigint per packet is measurable).
let lastRep = 0;
let lastSeqHi = -1;
let lastSeqLo = -1;
let lastRingId: RingId | undefined;

function readRingId(b: Uint8Array, at: number, what: string): RingId | Refusal {
  const rep = rd32(b, at);
  if (rep === 0) return new Refusal('node_id', `${what} has representative 0`);
  const hi = rd32(b, at + 4);
  const lo = rd32(b, at + 8);
  if (lastRingId !== undefined && rep === lastRep && hi === lastSeqHi && lo === lastSeqLo) return lastRingId;
  lastRep = rep;
  lastSeqHi = hi;
  lastSeqLo = lo;
  lastRingId = Object.freeze({ rep, seq: rd64(b, at + 4) });
  return lastRingId;
}

function readBool(b: Uint8Array, at: number, what: string): boolean | Refusal {
  const v = b[at]!;
  if (v > 1) return new Refusal('bool', `${what} is ${v}, expected 0 or 1`);
  return v === 1;
}

function zero(b: Uint8Array, at: number, n: number, what: string): Refusal | null {
  for (let i = 0; i < n; i++) if (b[at + i] !== 0) return new Refusal('reserved', `reserved byte at offset ${at + i} (after ${what}) is ${b[at + i]}`);
  return null;
}

function readNodeList(b: Uint8Array, at: number, n: number, what: string): NodeId[] | Refusal {
  const ids: NodeId[] = new Array<NodeId>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const id = rd32(b, at + 4 * i);
    if (id === 0) return new Refusal('node_id', `${what}[${i}] is node 0`);
    if (id <= prev) return new Refusal('list_order', `${what}[${i}] = ${id} after ${prev}: not strictly ascending`);
    ids[i] = id;
    prev = id;
  }
  return ids;
}

/** Decodes the packet in [at, end); `inner` is true for an encapsulated mcast. */
function decodeAt(b: Uint8Array, at: number, end: number, inner: boolean): TotemMessage | Refusal {
  const len = end - at;
  if (len < HEADER_BYTES) return short('the header', HEADER_BYTES, len);
  const magic = rd16(b, at);
  if (magic !== WIRE_MAGIC) return new Refusal('magic', `magic 0x${magic.toString(16)}, expected 0xc070`);
  const version = b[at + 2]!;
  if (version !== WIRE_VERSION) return new Refusal('version', `version ${version}, expected ${WIRE_VERSION}`);
  const type = b[at + 3]!;
  const flags = b[at + 4]!;
  if ((flags & ~(FLAG_ENCAPSULATED | FLAG_HELD)) !== 0) return new Refusal('flags', `unknown flags 0x${flags.toString(16)}`);
  const z = zero(b, at + 5, 3, 'the header flags');
  if (z) return z;
  const sender = rd32(b, at + 8);
  if (sender === 0) return new Refusal('node_id', 'header sender is node 0');
  if (inner && (type !== WireType.MCAST || flags !== 0)) {
    return new Refusal('nesting', `an encapsulated message must be a plain mcast, found type ${type} flags ${flags}`);
  }
  if (flags !== 0 && type !== WireType.MCAST) return new Refusal('flags', `flags 0x${flags.toString(16)} on type ${type}`);
  const o = at + HEADER_BYTES; // the body
  const bodyLen = end - o;
  switch (type) {
    case WireType.ORF_TOKEN: return decodeOrfToken(b, o, bodyLen);
    case WireType.MCAST: return decodeMcast(b, o, bodyLen, (flags & FLAG_ENCAPSULATED) !== 0, (flags & FLAG_HELD) !== 0, sender, inner);
    case WireType.MEMB_MERGE_DETECT:
    case WireType.TOKEN_HOLD_CANCEL: {
      const name = type === WireType.MEMB_MERGE_DETECT ? 'memb_merge_detect' : 'token_hold_cancel';
      const e = exact(name, MERGE_DETECT_BYTES, bodyLen);
      if (e) return e;
      const source = rd32(b, o);
      if (source === 0) return new Refusal('node_id', `${name} source is node 0`);
      const ringId = readRingId(b, o + 4, `${name} ring id`);
      if (ringId instanceof Refusal) return ringId;
      return type === WireType.MEMB_MERGE_DETECT
        ? ({ type: 'memb_merge_detect', source, ringId } satisfies MergeDetect)
        : ({ type: 'token_hold_cancel', source, ringId } satisfies TokenHoldCancel);
    }
    case WireType.MEMB_JOIN: return decodeJoin(b, o, bodyLen);
    case WireType.MEMB_COMMIT_TOKEN: return decodeCommitToken(b, o, bodyLen);
    default: return new Refusal('type', `unknown message type ${type}`);
  }
}

function decodeOrfToken(b: Uint8Array, o: number, bodyLen: number): OrfToken | Refusal {
  if (bodyLen < ORF_TOKEN_FIXED_BYTES) return short('orf_token', ORF_TOKEN_FIXED_BYTES, bodyLen);
  const n = rd16(b, o + 38);
  if (n > RTR_ENTRIES_MAX) return new Refusal('rtr_count', `${n} retransmit entries, limit ${RTR_ENTRIES_MAX}`);
  const e = exact(`orf_token with ${n} retransmit entries`, ORF_TOKEN_FIXED_BYTES + RTR_ENTRY_BYTES * n, bodyLen);
  if (e) return e;
  const ringId = readRingId(b, o, 'orf_token ring id');
  if (ringId instanceof Refusal) return ringId;
  const retransFlg = readBool(b, o + 36, 'retrans_flg');
  if (retransFlg instanceof Refusal) return retransFlg;
  const z = zero(b, o + 37, 1, 'retrans_flg');
  if (z) return z;
  const aruAddr = rd32(b, o + 24);
  const rtr: RtrEntry[] = new Array<RtrEntry>(n);
  for (let i = 0; i < n; i++) {
    const p = o + ORF_TOKEN_FIXED_BYTES + RTR_ENTRY_BYTES * i;
    const rid = readRingId(b, p, `rtr[${i}] ring id`);
    if (rid instanceof Refusal) return rid;
    rtr[i] = { ringId: rid, seq: rd32(b, p + 12) };
  }
  return {
    type: 'orf_token', ringId, seq: rd32(b, o + 12), tokenSeq: rd32(b, o + 16), aru: rd32(b, o + 20),
    aruAddr: aruAddr === 0 ? null : aruAddr, fcc: rd32(b, o + 28), backlog: rd32(b, o + 32), retransFlg, rtr,
  };
}

function decodeMcast(b: Uint8Array, o: number, bodyLen: number, encapsulated: boolean, held: boolean, sender: NodeId, inner: boolean): McastMessage | Refusal {
  if (bodyLen < MCAST_FIXED_BYTES) return short('mcast', MCAST_FIXED_BYTES, bodyLen);
  const ringId = readRingId(b, o, 'mcast ring id');
  if (ringId instanceof Refusal) return ringId;
  const source = rd32(b, o + 16);
  if (source === 0) return new Refusal('node_id', 'mcast source is node 0');
  const g = b[o + 20]!;
  if (g > 1) return new Refusal('guarantee', `guarantee ${g}, expected 0 (agreed) or 1 (safe)`);
  const z = zero(b, o + 21, 3, 'guarantee');
  if (z) return z;
  const payloadLen = rd32(b, o + 24);
  const room = bodyLen - MCAST_FIXED_BYTES;
  if (payloadLen > room) return new Refusal('payload_length', `payload of ${payloadLen} bytes, packet has ${room}`);
  if (payloadLen < room) return new Refusal('trailing', `payload of ${payloadLen} bytes, packet has ${room - payloadLen} more`);
  if (inner && source !== sender) return new Refusal('nesting', `encapsulated mcast from ${sender} names source ${source}`);
  const p = o + MCAST_FIXED_BYTES;
  const seq = rd32(b, o + 12);
  const guarantee = g === 1 ? 'safe' : 'agreed';
  // Object literals, not a spread of a common base: a spread costs microseconds here.
  if (!encapsulated) {
    if (held) return { type: 'mcast', ringId, seq, source, guarantee, encapsulated: null, payload: b.subarray(p, p + payloadLen), held };
    return { type: 'mcast', ringId, seq, source, guarantee, encapsulated: null, payload: b.subarray(p, p + payloadLen) };
  }
  if (held) return new Refusal('flags', 'a recovery carrier marked held');
  const innerMsg = decodeAt(b, p, p + payloadLen, true);
  if (innerMsg instanceof Refusal) return innerMsg;
  return { type: 'mcast', ringId, seq, source, guarantee, encapsulated: innerMsg as McastMessage, payload: EMPTY };
}

const EMPTY = new Uint8Array(0);

function decodeJoin(b: Uint8Array, o: number, bodyLen: number): JoinMessage | Refusal {
  if (bodyLen < JOIN_FIXED_BYTES) return short('memb_join', JOIN_FIXED_BYTES, bodyLen);
  const source = rd32(b, o);
  if (source === 0) return new Refusal('node_id', 'memb_join source is node 0');
  const np = rd16(b, o + 4);
  const nf = rd16(b, o + 6);
  if (np > MEMBERS_MAX || nf > MEMBERS_MAX) return new Refusal('list_count', `proc set ${np}, fail set ${nf}, limit ${MEMBERS_MAX} each`);
  const e = exact(`memb_join with ${np} + ${nf} nodes`, JOIN_FIXED_BYTES + 4 * (np + nf), bodyLen);
  if (e) return e;
  const procSet = readNodeList(b, o + JOIN_FIXED_BYTES, np, 'proc set');
  if (procSet instanceof Refusal) return procSet;
  const failSet = readNodeList(b, o + JOIN_FIXED_BYTES + 4 * np, nf, 'fail set');
  if (failSet instanceof Refusal) return failSet;
  return { type: 'memb_join', source, procSet, failSet, ringSeq: rd64(b, o + 8) };
}

function decodeCommitToken(b: Uint8Array, o: number, bodyLen: number): CommitToken | Refusal {
  if (bodyLen < COMMIT_TOKEN_FIXED_BYTES) return short('memb_commit_token', COMMIT_TOKEN_FIXED_BYTES, bodyLen);
  const membIndex = rd16(b, o + 16);
  const n = rd16(b, o + 18);
  if (n === 0 || n > MEMBERS_MAX) return new Refusal('list_count', `${n} members, expected 1 to ${MEMBERS_MAX}`);
  const e = exact(`memb_commit_token with ${n} members`, COMMIT_TOKEN_FIXED_BYTES + COMMIT_ENTRY_BYTES * n, bodyLen);
  if (e) return e;
  // memb_index == n: every member has filled its entry (the second rotation, corosync memb_index == addr_entries).
  if (membIndex > n) return new Refusal('memb_index', `memb_index ${membIndex} with ${n} members`);
  const ringId = readRingId(b, o, 'memb_commit_token ring id');
  if (ringId instanceof Refusal) return ringId;
  const retransFlg = readBool(b, o + 20, 'retrans_flg');
  if (retransFlg instanceof Refusal) return retransFlg;
  const z = zero(b, o + 21, 3, 'retrans_flg');
  if (z) return z;
  const memb: CommitMemberEntry[] = new Array<CommitMemberEntry>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const p = o + COMMIT_TOKEN_FIXED_BYTES + COMMIT_ENTRY_BYTES * i;
    const nodeId = rd32(b, p);
    if (nodeId === 0) return new Refusal('node_id', `memb[${i}] is node 0`);
    if (nodeId <= prev) return new Refusal('list_order', `memb[${i}] = ${nodeId} after ${prev}: not strictly ascending`);
    prev = nodeId;
    const rep = rd32(b, p + 4);
    const oldSeq = rd64(b, p + 8);
    if (rep === 0 && oldSeq !== 0n) return new Refusal('node_id', `memb[${i}] old ring has representative 0 and seq ${oldSeq}`);
    const receivedFlg = readBool(b, p + 24, `memb[${i}] received_flg`);
    if (receivedFlg instanceof Refusal) return receivedFlg;
    const zz = zero(b, p + 25, 3, `memb[${i}] received_flg`);
    if (zz) return zz;
    memb[i] = {
      nodeId, oldRingId: rep === 0 ? null : { rep, seq: oldSeq }, aru: rd32(b, p + 16), highDelivered: rd32(b, p + 20), receivedFlg,
    };
  }
  return { type: 'memb_commit_token', ringId, tokenSeq: rd32(b, o + 12), retransFlg, membIndex, memb };
}
