// The CLM B.01.01 client API for TypeScript: every saClm* function of
// saClm.h with SA Forum semantics, over the two-channel IPC connection of
// docs/ipc-protocol.md ("Connecting", "CLM"). The mapping from C follows
// lib-ais/amf.ts (read its header first); what is particular to CLM:
//
// - SaClmNodeIdT is a number in 0..2^32-1; SA_CLM_LOCAL_NODE_ID (0xffffffff)
//   names the caller's node. SaTimeT (bootTimestamp, the NodeGet timeout) and
//   SaUint64T (viewNumber, initialViewNumber) are bigints; a timeout may also
//   be a safe-integer number of ns.
// - saClmClusterTrack(handle, flags, notificationBuffer) follows C's buffer
//   rules. With SA_TRACK_CURRENT and a buffer, the buffer is filled and
//   returned: when `notification` is an array, `numberOfItems` is its
//   capacity and a capacity below the number of members rejects
//   SA_AIS_ERR_NO_SPACE with `numberOfItems` set to the number needed (and
//   nothing else happens: no tracking starts); when `notification` is
//   missing the library supplies the array. The array is truncated to the
//   items written. With SA_TRACK_CURRENT and no buffer (null/undefined), the
//   members arrive in a saClmClusterTrackCallback instead, as in C.
//   SA_TRACK_CHANGES / CHANGES_ONLY, and CURRENT without a buffer, need
//   saClmClusterTrackCallback (SA_AIS_ERR_INIT without it). A later call's
//   CHANGES or CHANGES_ONLY replaces the earlier one's.
// - saClmClusterNodeGet resolves to the node's SaClmClusterNodeT. The
//   executive answers at once for a member; for a node whose record is on its
//   way (a member of a configuration being completed, or this node before its
//   first view) it waits up to `timeout`, then SA_AIS_ERR_TIMEOUT. A node that
//   is not a member (unknown, or left) is SA_AIS_ERR_NOT_EXIST. A negative
//   timeout is SA_AIS_ERR_INVALID_PARAM.
// - saClmClusterNodeGetAsync needs saClmClusterNodeGetCallback (SA_AIS_ERR_INIT);
//   the callback receives the invocation, the node (undefined unless error is
//   SA_AIS_OK) and SA_AIS_OK, SA_AIS_ERR_NOT_EXIST or SA_AIS_ERR_TIMEOUT.
import { randomInt } from 'node:crypto';
import { SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, type SaVersionT } from './amf-types.js';
import {
  SA_CLM_LOCAL_NODE_ID, SaClmClusterChangesT, type SaClmClusterNodeT, type SaClmClusterNotificationBufferT,
  type SaClmClusterNotificationT, type SaClmNodeIdT,
} from './clm-types.js';
import { AisConnection, type ConnectOptions } from './connection.js';
import { checkDispatchFlags, copyCallbacks, dispatch, negotiateVersion, SaDispatchFlagsT } from './dispatch.js';
import {
  AisBadFlagsError, AisBadHandleError, AisError, AisInitError, AisInvalidParamError, AisLibraryError, AisNoSpaceError,
  AisVersionError, SaAisErrorT, aisError, isSaAisError,
} from './errors.js';
import { BodyError } from './ipc/codec.js';
import {
  CLM_CAPACITY_ANY, decodeNode, decodeNodeGetCallback, decodeTrackCallback, decodeTrackResult, encodeNodeGetAsyncRequest,
  encodeNodeGetRequest, encodeTrackRequest, type ClmItem,
} from './ipc/clm.js';
import type { Frame } from './ipc/frame.js';
import {
  MSG_CLM_CB_CLUSTER_NODE_GET, MSG_CLM_CB_CLUSTER_TRACK, MSG_CLM_CLUSTER_NODE_GET, MSG_CLM_CLUSTER_NODE_GET_ASYNC,
  MSG_CLM_CLUSTER_TRACK, MSG_CLM_CLUSTER_TRACK_STOP, ServiceId,
} from './ipc/ids.js';

export * from './clm-types.js';
export { SA_TRACK_CHANGES, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, type SaVersionT } from './amf-types.js';
export { SaDispatchFlagsT } from './dispatch.js';
export { SaAisErrorT } from './errors.js';
export type { ConnectOptions } from './connection.js';

export type SaClmHandleT = number;
export type SaInvocationT = number;
export type SaSelectionObjectT = number;
/** Nanoseconds. */
export type SaTimeT = bigint | number;

/** The one version this library speaks ('B', 1, 1), as openais' clmVersionsSupported. */
export const SA_CLM_SUPPORTED_VERSION: Readonly<SaVersionT> = Object.freeze({ releaseCode: 'B', majorVersion: 1, minorVersion: 1 });

type MaybePromise = void | Promise<void>;

/** SaClmCallbacksT, by member name. Each member is optional. */
export interface SaClmCallbacksT {
  saClmClusterNodeGetCallback?: (invocation: SaInvocationT, clusterNode: SaClmClusterNodeT | undefined, error: SaAisErrorT) => MaybePromise;
  saClmClusterTrackCallback?: (notificationBuffer: SaClmClusterNotificationBufferT, numberOfMembers: number, error: SaAisErrorT) => MaybePromise;
}

interface ClmInstance {
  readonly conn: AisConnection;
  readonly callbacks: Readonly<SaClmCallbacksT>;
}

const instances = new Map<SaClmHandleT, ClmInstance>();
let handleIndex = 0;

function newHandle(): SaClmHandleT {
  // (salt << 32) | index, as openais' saHandleCreate, kept below 2^53.
  for (;;) {
    handleIndex = (handleIndex + 1) % 0x1_0000_0000;
    const h = randomInt(1, 0x20_0000) * 0x1_0000_0000 + handleIndex;
    if (!instances.has(h)) return h;
  }
}

function instanceOf(handle: SaClmHandleT): ClmInstance {
  const inst = typeof handle === 'number' ? instances.get(handle) : undefined;
  if (inst === undefined) throw new AisBadHandleError(`CLM handle ${String(handle)} is not initialized or was finalized`);
  return inst;
}

// ---- parameter checks ---------------------------------------------------------------------------

function checkNodeId(v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > SA_CLM_LOCAL_NODE_ID) {
    throw new AisInvalidParamError(`nodeId ${String(v)} is not an SaClmNodeIdT (0..0xffffffff)`);
  }
}

function checkTrackFlags(v: unknown): asserts v is number {
  const all = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
  if (
    typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || (v & ~all) !== 0 ||
    ((v & SA_TRACK_CHANGES) !== 0 && (v & SA_TRACK_CHANGES_ONLY) !== 0)
  ) {
    throw new AisBadFlagsError(`track flags ${String(v)}`);
  }
}

function checkInvocation(v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new AisInvalidParamError(`invocation ${String(v)} is not an SaInvocationT (a non-negative safe integer)`);
  }
}

function timeoutOf(v: unknown): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw new AisInvalidParamError(`timeout ${String(v)} is not an SaTimeT`);
  if (b < 0n || b > 0x7fff_ffff_ffff_ffffn) throw new AisInvalidParamError(`timeout ${b} is out of range (0..SA_TIME_END)`);
  return b;
}

function decoded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BodyError) throw new AisLibraryError(`malformed ${what} from the executive: ${e.message}`);
    throw e;
  }
}

// ---- life cycle ---------------------------------------------------------------------------------

/**
 * saClmInitialize: negotiates the version, connects to the executive, and returns the handle.
 * `version` is overwritten with ('B', 1, 1) whether or not it was accepted, as C does;
 * SA_AIS_ERR_VERSION when releaseCode is not 'B' or majorVersion > 1.
 */
export async function saClmInitialize(
  callbacks: SaClmCallbacksT | null | undefined, version: SaVersionT, opts: ConnectOptions = {},
): Promise<SaClmHandleT> {
  if (version === null || typeof version !== 'object') throw new AisInvalidParamError('version is required');
  if (callbacks !== null && callbacks !== undefined && typeof callbacks !== 'object') throw new AisInvalidParamError('callbacks must be an object');
  negotiateVersion(version, SA_CLM_SUPPORTED_VERSION);

  const copy = copyCallbacks<SaClmCallbacksT>(callbacks, ['saClmClusterNodeGetCallback', 'saClmClusterTrackCallback']);
  const conn = await AisConnection.open(ServiceId.CLM, opts);
  const handle = newHandle();
  instances.set(handle, { conn, callbacks: copy });
  return handle;
}

/** saClmSelectionObjectGet: the dispatch channel's descriptor (see lib-ais/amf.ts on what it is good for in Node). */
export async function saClmSelectionObjectGet(handle: SaClmHandleT): Promise<SaSelectionObjectT> {
  const inst = instanceOf(handle);
  if (inst.conn.failure) throw inst.conn.failure;
  return inst.conn.selectionObject;
}

/** saClmDispatch: ONE, ALL or BLOCKING (until saClmFinalize), as saAmfDispatch. */
export async function saClmDispatch(handle: SaClmHandleT, dispatchFlags: SaDispatchFlagsT): Promise<void> {
  checkDispatchFlags(dispatchFlags);
  const inst = instanceOf(handle);
  await dispatch(inst.conn, dispatchFlags, (f) => runCallback(inst, f));
}

/** saClmFinalize: closes both channels; the executive stops this handle's tracking and queries. */
export async function saClmFinalize(handle: SaClmHandleT): Promise<void> {
  const inst = instanceOf(handle);
  instances.delete(handle);
  inst.conn.finalize();
}

// ---- membership ---------------------------------------------------------------------------------

function notificationsOf(items: ClmItem[]): SaClmClusterNotificationT[] {
  return items.map((it) => ({ clusterNode: it.node, clusterChange: it.change }));
}

/**
 * saClmClusterTrack: with SA_TRACK_CURRENT and a buffer, fills and returns it (see the
 * header for the buffer rules); otherwise resolves to undefined.
 */
export async function saClmClusterTrack(
  handle: SaClmHandleT, trackFlags: number, notificationBuffer?: SaClmClusterNotificationBufferT | null,
): Promise<SaClmClusterNotificationBufferT | undefined> {
  checkTrackFlags(trackFlags);
  const current = (trackFlags & SA_TRACK_CURRENT) !== 0;
  const buffer = notificationBuffer ?? undefined;
  let capacity = CLM_CAPACITY_ANY;
  if (current && buffer !== undefined) {
    if (typeof buffer !== 'object') throw new AisInvalidParamError('notificationBuffer must be an object');
    if (buffer.notification !== undefined && buffer.notification !== null) {
      if (!Array.isArray(buffer.notification)) throw new AisInvalidParamError('notificationBuffer.notification must be an array');
      if (!Number.isInteger(buffer.numberOfItems) || buffer.numberOfItems < 0 || buffer.numberOfItems >= CLM_CAPACITY_ANY) {
        throw new AisInvalidParamError(`notificationBuffer.numberOfItems ${String(buffer.numberOfItems)} is not a capacity`);
      }
      capacity = buffer.numberOfItems;
    }
  }
  const inst = instanceOf(handle);
  const inCallback = current && buffer === undefined;
  if ((inCallback || (trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) !== 0) && inst.callbacks.saClmClusterTrackCallback === undefined) {
    throw new AisInitError('tracking changes, or SA_TRACK_CURRENT without a buffer, needs saClmClusterTrackCallback at saClmInitialize');
  }
  const r = await inst.conn.request(MSG_CLM_CLUSTER_TRACK, encodeTrackRequest({ trackFlags, currentInCallback: inCallback, capacity }));
  if (r.error === SaAisErrorT.SA_AIS_ERR_NO_SPACE && buffer !== undefined) {
    const { numberOfMembers } = decoded('ResLibClmClusterTrack', () => decodeTrackResult(r.body));
    buffer.numberOfItems = numberOfMembers;
    throw new AisNoSpaceError(`the notification buffer holds ${capacity} items; ${numberOfMembers} are needed`);
  }
  if (r.error !== SaAisErrorT.SA_AIS_OK) throw aisError(r.error);
  if (!current || buffer === undefined) return undefined;
  const res = decoded('ResLibClmClusterTrack', () => decodeTrackResult(r.body));
  if (res.items.length > capacity) throw new AisLibraryError(`the executive sent ${res.items.length} items for a buffer of ${capacity}`);
  const items = notificationsOf(res.items);
  if (Array.isArray(buffer.notification)) {
    buffer.notification.length = 0;
    buffer.notification.push(...items);
  } else {
    buffer.notification = items;
  }
  buffer.numberOfItems = items.length;
  buffer.viewNumber = res.viewNumber;
  return buffer;
}

/** saClmClusterTrackStop: SA_AIS_ERR_NOT_EXIST when this handle does not track changes. */
export async function saClmClusterTrackStop(handle: SaClmHandleT): Promise<void> {
  const inst = instanceOf(handle);
  await inst.conn.call(MSG_CLM_CLUSTER_TRACK_STOP);
}

/** saClmClusterNodeGet: the member's record (SA_CLM_LOCAL_NODE_ID for this node). */
export async function saClmClusterNodeGet(handle: SaClmHandleT, nodeId: SaClmNodeIdT, timeout: SaTimeT): Promise<SaClmClusterNodeT> {
  checkNodeId(nodeId);
  const t = timeoutOf(timeout);
  const inst = instanceOf(handle);
  const body = await inst.conn.call(MSG_CLM_CLUSTER_NODE_GET, encodeNodeGetRequest({ nodeId, timeout: t }));
  return decoded('ResLibClmClusterNodeGet', () => decodeNode(body));
}

/** saClmClusterNodeGetAsync: the answer comes as saClmClusterNodeGetCallback with `invocation`. */
export async function saClmClusterNodeGetAsync(handle: SaClmHandleT, invocation: SaInvocationT, nodeId: SaClmNodeIdT): Promise<void> {
  checkInvocation(invocation);
  checkNodeId(nodeId);
  const inst = instanceOf(handle);
  if (inst.callbacks.saClmClusterNodeGetCallback === undefined) {
    throw new AisInitError('saClmClusterNodeGetAsync needs saClmClusterNodeGetCallback at saClmInitialize');
  }
  await inst.conn.call(MSG_CLM_CLUSTER_NODE_GET_ASYNC, encodeNodeGetAsyncRequest({ invocation: BigInt(invocation), nodeId }));
}

// ---- callbacks ----------------------------------------------------------------------------------

async function runCallback(inst: ClmInstance, f: Frame): Promise<void> {
  const cb = inst.callbacks;
  if (f.error !== SaAisErrorT.SA_AIS_OK) throw new AisLibraryError(`callback 0x${f.id.toString(16)} arrived with error ${f.error}`);
  switch (f.id) {
    case MSG_CLM_CB_CLUSTER_TRACK: {
      const m = decoded('CbClmClusterTrack', () => decodeTrackCallback(f.body));
      if (!isSaAisError(m.error)) throw new AisLibraryError(`track callback with error ${m.error}`);
      const notification = notificationsOf(m.items);
      await cb.saClmClusterTrackCallback?.({ viewNumber: m.viewNumber, numberOfItems: notification.length, notification }, m.numberOfMembers, m.error);
      return;
    }
    case MSG_CLM_CB_CLUSTER_NODE_GET: {
      const m = decoded('CbClmClusterNodeGet', () => decodeNodeGetCallback(f.body));
      if (!isSaAisError(m.error)) throw new AisLibraryError(`node get callback with error ${m.error}`);
      if (m.invocation > BigInt(Number.MAX_SAFE_INTEGER)) throw new AisLibraryError(`invocation ${m.invocation} exceeds 2^53`);
      await cb.saClmClusterNodeGetCallback?.(Number(m.invocation), m.node, m.error);
      return;
    }
    default:
      throw new AisLibraryError(`unknown CLM callback 0x${f.id.toString(16)}`);
  }
}

// ---- for tests and tools ------------------------------------------------------------------------

/** Ringfort extension: callbacks waiting on `handle` (what poll() on the selection object tells C). */
export function clmPendingCallbacks(handle: SaClmHandleT): number {
  return instanceOf(handle).conn.pendingCallbacks;
}

/** Whether `handle` is initialized and not finalized. */
export function saClmHandleIsValid(handle: SaClmHandleT): boolean {
  return instances.has(handle);
}

/** Names of the cluster changes, for printing. */
export function clusterChangeName(c: SaClmClusterChangesT): string {
  return SaClmClusterChangesT[c] ?? `SaClmClusterChangesT(${c})`;
}

/** Whether `e` is the code `code` (convenience for `catch`). */
export function isAisError(e: unknown, code?: SaAisErrorT): e is AisError {
  return e instanceof AisError && (code === undefined || e.code === code);
}
