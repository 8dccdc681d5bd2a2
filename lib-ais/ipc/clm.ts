// CLM (service 1) message bodies (docs/ipc-protocol.md, "CLM"): the node
// record both the library messages and the executive's node-join message
// carry, and one encoder/decoder pair per message. Decoders validate every
// field (lengths, enumerations, counts) and throw BodyError, never anything else.
import { SA_CLM_MAX_ADDRESS_LENGTH, SaClmClusterChangesT, SaClmNodeAddressFamilyT, type SaClmClusterNodeT } from '../clm-types.js';
import { BodyError, BodyReader, BodyWriter } from './codec.js';

/** Bytes of a node record on the wire (SaClmClusterNodeT without padding). */
export const CLM_NODE_BYTES = 352;
/** Bytes of one notification item: a node record and its u32 clusterChange. */
export const CLM_ITEM_BYTES = CLM_NODE_BYTES + 4;
/**
 * Nodes the executive keeps in its table (members and nodes that left). A
 * notification holds at most the members plus the nodes that just left, so at
 * most twice this; 2048 items are 729,088 bytes, inside one frame.
 */
export const CLM_NODES_MAX = 1024;
export const CLM_ITEMS_MAX = 2 * CLM_NODES_MAX;
/** capacity in ReqLibClmClusterTrack meaning "the library supplies the buffer". */
export const CLM_CAPACITY_ANY = 0xffffffff;

const U32_MAX = 0xffffffff;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

export interface ClmItem { node: SaClmClusterNodeT; change: SaClmClusterChangesT }

export function writeNode(w: BodyWriter, n: SaClmClusterNodeT): BodyWriter {
  const addr = Buffer.from(n.nodeAddress.value, 'utf8');
  if (addr.length > SA_CLM_MAX_ADDRESS_LENGTH) throw new RangeError(`node address of ${addr.length} bytes exceeds ${SA_CLM_MAX_ADDRESS_LENGTH}`);
  w.u32(n.nodeId).u32(n.nodeAddress.family).u16(addr.length);
  w.bytes(Buffer.concat([addr, Buffer.alloc(SA_CLM_MAX_ADDRESS_LENGTH - addr.length)]));
  return w.name(n.nodeName).u32(n.member ? 1 : 0).i64(n.bootTimestamp).u64(n.initialViewNumber);
}

export function readNode(r: BodyReader): SaClmClusterNodeT {
  const nodeId = r.u32();
  const family = r.u32();
  const length = r.u16();
  const value = r.bytes(SA_CLM_MAX_ADDRESS_LENGTH);
  const nodeName = r.name();
  const member = r.u32();
  const bootTimestamp = r.i64();
  const initialViewNumber = r.u64();
  if (family !== SaClmNodeAddressFamilyT.SA_CLM_AF_INET && family !== SaClmNodeAddressFamilyT.SA_CLM_AF_INET6) {
    throw new BodyError(`node ${nodeId}: address family ${family}`);
  }
  if (length > SA_CLM_MAX_ADDRESS_LENGTH) throw new BodyError(`node ${nodeId}: address length ${length} exceeds ${SA_CLM_MAX_ADDRESS_LENGTH}`);
  if (member > 1) throw new BodyError(`node ${nodeId}: member ${member} is not an SaBoolT`);
  return {
    nodeId, nodeAddress: { family, length, value: value.subarray(0, length).toString('utf8') }, nodeName,
    member: member === 1, bootTimestamp, initialViewNumber,
  };
}

function writeItems(w: BodyWriter, items: readonly ClmItem[]): void {
  w.u32(items.length);
  for (const it of items) writeNode(w, it.node).u32(it.change);
}

function readItems(r: BodyReader): ClmItem[] {
  const n = r.u32();
  if (n > CLM_ITEMS_MAX) throw new BodyError(`${n} notification items exceed ${CLM_ITEMS_MAX}`);
  if (r.remaining < n * CLM_ITEM_BYTES) throw new BodyError(`${n} notification items need ${n * CLM_ITEM_BYTES} bytes, ${r.remaining} left`);
  const items: ClmItem[] = [];
  for (let i = 0; i < n; i++) {
    const node = readNode(r);
    const change = r.u32();
    if (change < SaClmClusterChangesT.SA_CLM_NODE_NO_CHANGE || change > SaClmClusterChangesT.SA_CLM_NODE_RECONFIGURED) {
      throw new BodyError(`node ${node.nodeId}: cluster change ${change}`);
    }
    items.push({ node, change });
  }
  return items;
}

// ---- ReqLibClmClusterTrack / ResLibClmClusterTrack -------------------------------------------------

export interface ClmTrackRequest {
  trackFlags: number;
  /** 1: answer SA_TRACK_CURRENT with a saClmClusterTrackCallback (C's NULL notification buffer). */
  currentInCallback: boolean;
  /** Items the caller's buffer holds; CLM_CAPACITY_ANY when the library supplies it. */
  capacity: number;
}

export function encodeTrackRequest(m: ClmTrackRequest): Buffer {
  return new BodyWriter(12).u32(m.trackFlags).u32(m.currentInCallback ? 1 : 0).u32(m.capacity).finish();
}

export function decodeTrackRequest(b: Buffer): ClmTrackRequest {
  const r = new BodyReader(b);
  const trackFlags = r.u32();
  const inCb = r.u32();
  const capacity = r.u32();
  r.end();
  if (inCb > 1) throw new BodyError(`currentInCallback ${inCb}`);
  return { trackFlags, currentInCallback: inCb === 1, capacity };
}

/**
 * The track response, and the track callback without its error: the view,
 * the number of members, and the items (the members for SA_TRACK_CURRENT,
 * none otherwise). With SA_AIS_ERR_NO_SPACE, numberOfMembers is the number
 * of items the buffer needed and there are no items.
 */
export interface ClmTrackResult { viewNumber: bigint; numberOfMembers: number; items: ClmItem[] }

export function encodeTrackResult(m: ClmTrackResult): Buffer {
  const w = new BodyWriter(16 + m.items.length * CLM_ITEM_BYTES).u64(m.viewNumber).u32(m.numberOfMembers);
  writeItems(w, m.items);
  return w.finish();
}

export function decodeTrackResult(b: Buffer): ClmTrackResult {
  const r = new BodyReader(b);
  const viewNumber = r.u64();
  const numberOfMembers = r.u32();
  const items = readItems(r);
  r.end();
  return { viewNumber, numberOfMembers, items };
}

// ---- ReqLibClmClusterNodeGet / ResLibClmClusterNodeGet -------------------------------------------

export interface ClmNodeGetRequest { nodeId: number; /** SaTimeT ns, >= 0 */ timeout: bigint }

export function encodeNodeGetRequest(m: ClmNodeGetRequest): Buffer {
  return new BodyWriter(12).u32(m.nodeId).i64(m.timeout).finish();
}

export function decodeNodeGetRequest(b: Buffer): ClmNodeGetRequest {
  const r = new BodyReader(b);
  const v = { nodeId: r.u32(), timeout: r.i64() };
  r.end();
  return v;
}

export function encodeNode(n: SaClmClusterNodeT): Buffer {
  return writeNode(new BodyWriter(CLM_NODE_BYTES), n).finish();
}

export function decodeNode(b: Buffer): SaClmClusterNodeT {
  const r = new BodyReader(b);
  const n = readNode(r);
  r.end();
  return n;
}

// ---- ReqLibClmClusterNodeGetAsync and its callback -----------------------------------------------

export interface ClmNodeGetAsyncRequest { invocation: bigint; nodeId: number }

export function encodeNodeGetAsyncRequest(m: ClmNodeGetAsyncRequest): Buffer {
  return new BodyWriter(12).u64(m.invocation).u32(m.nodeId).finish();
}

export function decodeNodeGetAsyncRequest(b: Buffer): ClmNodeGetAsyncRequest {
  const r = new BodyReader(b);
  const v = { invocation: r.u64(), nodeId: r.u32() };
  r.end();
  return v;
}

/** CbClmClusterNodeGet: the invocation, the outcome, and the node (all zero unless error is OK). */
export interface ClmNodeGetCallback { invocation: bigint; error: number; node: SaClmClusterNodeT | undefined }

const ZERO_NODE: SaClmClusterNodeT = {
  nodeId: 0, nodeAddress: { family: SaClmNodeAddressFamilyT.SA_CLM_AF_INET, length: 0, value: '' }, nodeName: '',
  member: false, bootTimestamp: 0n, initialViewNumber: 0n,
};

export function encodeNodeGetCallback(m: ClmNodeGetCallback): Buffer {
  const w = new BodyWriter(12 + CLM_NODE_BYTES).u64(m.invocation).u32(m.error);
  return writeNode(w, m.node ?? ZERO_NODE).finish();
}

export function decodeNodeGetCallback(b: Buffer): ClmNodeGetCallback {
  const r = new BodyReader(b);
  const invocation = r.u64();
  const error = r.u32();
  // A zero record has family 0, which readNode refuses: read it only when it is meaningful.
  if (error !== 1) {
    r.bytes(CLM_NODE_BYTES);
    r.end();
    return { invocation, error, node: undefined };
  }
  const node = readNode(r);
  r.end();
  return { invocation, error, node };
}

// ---- CbClmClusterTrack ------------------------------------------------------------------------

export interface ClmTrackCallback extends ClmTrackResult { error: number }

export function encodeTrackCallback(m: ClmTrackCallback): Buffer {
  const w = new BodyWriter(20 + m.items.length * CLM_ITEM_BYTES).u64(m.viewNumber).u32(m.numberOfMembers).u32(m.error);
  writeItems(w, m.items);
  return w.finish();
}

export function decodeTrackCallback(b: Buffer): ClmTrackCallback {
  const r = new BodyReader(b);
  const viewNumber = r.u64();
  const numberOfMembers = r.u32();
  const error = r.u32();
  const items = readItems(r);
  r.end();
  return { viewNumber, numberOfMembers, error, items };
}

// ---- ReqExecClmNodeJoin (executive to executive, in agreed order) --------------------------------

/** Bytes of a node-join before its `known` entries: header, node record, u32 count. */
export const CLM_NODE_JOIN_BYTES_MIN = 28 + CLM_NODE_BYTES + 4;
/** Bytes of one `known` entry: u32 nodeId, u64 incarnation. */
export const CLM_KNOWN_BYTES = 12;

/** An incarnation the sender's table holds for another member of the configuration. */
export interface ClmKnownIncarnation { nodeId: number; incarnation: bigint }

/**
 * A member's announcement after a regular configuration change: the ring it
 * was sent for, the last view its sender completed, its incarnation (a random
 * id per executive process), its node record (`member` false and
 * `initialViewNumber` 0 until its first view completes), and the
 * incarnations its table holds for the other members of that configuration
 * (ascending node ids, at most CLM_NODES_MAX - 1), from which every member
 * tells, in agreement, which members restarted (docs/clm.md).
 */
export interface ClmNodeJoin {
  ringRep: number;
  ringSeq: bigint;
  lastView: bigint;
  incarnation: bigint;
  node: SaClmClusterNodeT;
  known: ClmKnownIncarnation[];
}

export function encodeNodeJoin(m: ClmNodeJoin): Buffer {
  if (m.known.length > CLM_NODES_MAX - 1) throw new RangeError(`${m.known.length} known incarnations exceed ${CLM_NODES_MAX - 1}`);
  const w = new BodyWriter(CLM_NODE_JOIN_BYTES_MIN + m.known.length * CLM_KNOWN_BYTES).u32(m.ringRep).u64(m.ringSeq).u64(m.lastView).u64(m.incarnation);
  writeNode(w, m.node).u32(m.known.length);
  for (const k of m.known) w.u32(k.nodeId).u64(k.incarnation);
  return w.finish();
}

export function decodeNodeJoin(b: Buffer): ClmNodeJoin {
  const r = new BodyReader(b);
  const ringRep = r.u32();
  const ringSeq = r.u64();
  const lastView = r.u64();
  const incarnation = r.u64();
  const node = readNode(r);
  if (lastView === U64_MAX || node.nodeId === 0 || node.nodeId === U32_MAX) throw new BodyError(`node join from node ${node.nodeId}, last view ${lastView}`);
  const n = r.u32();
  if (n > CLM_NODES_MAX - 1) throw new BodyError(`node join from node ${node.nodeId}: ${n} known incarnations exceed ${CLM_NODES_MAX - 1}`);
  if (r.remaining !== n * CLM_KNOWN_BYTES) throw new BodyError(`node join from node ${node.nodeId}: ${n} known incarnations need ${n * CLM_KNOWN_BYTES} bytes, ${r.remaining} left`);
  const known: ClmKnownIncarnation[] = [];
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const nodeId = r.u32();
    const inc = r.u64();
    if (nodeId <= previous || nodeId === U32_MAX || nodeId === node.nodeId) {
      throw new BodyError(`node join from node ${node.nodeId}: known incarnation of node ${nodeId} (ascending other node ids expected)`);
    }
    previous = nodeId;
    known.push({ nodeId, incarnation: inc });
  }
  r.end();
  return { ringRep, ringSeq, lastView, incarnation, node, known };
}
