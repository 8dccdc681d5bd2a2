// The AMF B.01.01 client API for TypeScript: every saAmf* function of
// saAmf.h with SA Forum semantics, over the two-channel IPC connection of
// docs/ipc-protocol.md ("Connecting", "AMF"). The idiomatic face for
// TypeScript components (AmfClient, events, promise-returning handlers) is in
// amf-client.ts and calls only what this file exports.
//
// How the C API maps to TypeScript (decided once, for every function):
//
// - Names, argument order and meaning are C's, without the out-parameters:
//   `saAmfInitialize(&handle, &callbacks, &version)` becomes
//   `handle = await saAmfInitialize(callbacks, version)`; an out-parameter is
//   the resolved value (`saAmfHAStateGet` resolves to the HA state,
//   `saAmfSelectionObjectGet` to the descriptor, ...). Functions without one
//   resolve to undefined.
// - Every function is async. SA_AIS_OK resolves; any other SaAisErrorT rejects
//   with the AisError subclass for that code (errors.ts), so `err.code` is
//   exactly what a C caller would have received. Parameter checks happen in
//   the library before anything is sent, in C's order: parameters
//   (INVALID_PARAM, BAD_FLAGS), then the handle (BAD_HANDLE), then the
//   callbacks the call needs (INIT), then the executive's answer.
// - Handles (SaAmfHandleT) are opaque numbers, never 0 (SA_HANDLE_INVALID);
//   a salt in the high bits makes a finalized handle stay invalid when a new
//   one is issued. An unknown or finalized handle is SA_AIS_ERR_BAD_HANDLE.
// - SaNameT is a string (UTF-8 on the wire, at most SA_MAX_NAME_LENGTH = 256
//   bytes, not empty); SaAmfHealthcheckKeyT is a string of 1..32 bytes. A name
//   or key out of those bounds is SA_AIS_ERR_INVALID_PARAM: the B.01.01 AMF
//   functions list no NAME_TOO_LONG, and a longer SaNameT cannot be built in
//   C at all (OpenSAF's library answers INVALID_PARAM likewise).
// - SaInvocationT is a number. Invocations are u64 on the wire; the executive
//   allocates them from a counter that starts small and grows by one per
//   callback, so 2^53 (Number.MAX_SAFE_INTEGER) is never reached in the life
//   of an executive. A callback carrying a larger one is rejected as a
//   library error rather than rounded. 0 is a valid invocation.
// - SaTimeT (errorDetectionTime, ns) and SaNtfIdentifierT are `bigint | number`
//   because nanoseconds since the epoch exceed 2^53: pass a bigint (saTimeNow()).
// - Callbacks are an SaAmfCallbacksT-like object, copied at initialize as C
//   copies the struct; a missing member means that callback is not wanted. A
//   callback may return a promise: saAmfDispatch awaits it before it runs
//   the next one, as a C callback runs to completion inside saAmfDispatch. An
//   exception thrown by a callback is the application's and propagates out of
//   saAmfDispatch unchanged. A callback frame that cannot be decoded, or an
//   unknown callback id, rejects that saAmfDispatch with SA_AIS_ERR_LIBRARY
//   (openais did the same).
// - The selection object is the dispatch socket's descriptor, for parity with
//   C. Node reads that socket itself, so poll() on it says nothing useful in a
//   TypeScript process: run `saAmfDispatch(h, SA_DISPATCH_BLOCKING)` (a promise
//   that settles at finalize, never blocking the event loop) or ONE/ALL;
//   amfPendingCallbacks(h) says whether a callback waits.
// - saAmfInitialize with no executive listening rejects SA_AIS_ERR_TRY_AGAIN;
//   once a connection breaks, every later call on the handle rejects
//   SA_AIS_ERR_LIBRARY (finalize it and initialize again); saAmfFinalize ends
//   a blocking dispatch, which then resolves.
// - saAmfComponentNameGet is local, as in openais: it reads
//   SA_AMF_COMPONENT_NAME from the environment (NOT_EXIST when unset, empty or
//   longer than an SaNameT can hold).
// - saAmfProtectionGroupTrack resolves to the notification buffer when
//   SA_TRACK_CURRENT is set (C's non-NULL buffer case), else to undefined.
//   SA_TRACK_CHANGES / CHANGES_ONLY need saAmfProtectionGroupTrackCallback
//   (SA_AIS_ERR_INIT without it); CURRENT alone does not, because its answer
//   is the return value.
// - saAmfComponentRegister needs saAmfCSISetCallback, saAmfCSIRemoveCallback
//   and saAmfComponentTerminateCallback (SA_AIS_ERR_INIT otherwise, as the
//   specification says); an AMF-invoked saAmfHealthcheckStart needs
//   saAmfHealthcheckCallback.
import { randomInt } from 'node:crypto';
import { AisConnection, type ConnectOptions } from './connection.js';
import { checkDispatchFlags, copyCallbacks, dispatch, negotiateVersion, SaDispatchFlagsT } from './dispatch.js';
import {
  AisBadFlagsError, AisBadHandleError, AisError, AisInitError, AisInvalidParamError, AisLibraryError, AisNotExistError,
  AisVersionError, SaAisErrorT, isSaAisError,
} from './errors.js';
import {
  SA_AMF_HEALTHCHECK_KEY_MAX, SA_AMF_PM_ABNORMAL_END, SA_AMF_PM_NON_ZERO_EXIT, SA_AMF_PM_ZERO_EXIT, SA_TRACK_CHANGES,
  SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAmfCSITransitionDescriptorT, SaAmfHAStateT, SaAmfHealthcheckInvocationT,
  SaAmfPmStopQualifierT, SaAmfProtectionGroupChangesT, SaAmfRecommendedRecoveryT, type SaAmfCSIDescriptorT,
  type SaAmfProtectionGroupNotificationBufferT, type SaVersionT,
} from './amf-types.js';
import { BodyError } from './ipc/codec.js';
import type { Frame } from './ipc/frame.js';
import {
  AMF_CB, AMF_REQ, AMF_RES, decodeMessage, encodeMessage, type MessageDef, type MessageOf, type WirePgItem,
} from './ipc/amf.js';
import { ServiceId } from './ipc/ids.js';
import { SA_MAX_NAME_LENGTH } from './ipc/limits.js';

export * from './amf-types.js';
export { SaDispatchFlagsT } from './dispatch.js';
export { SaAisErrorT } from './errors.js';
export type { ConnectOptions } from './connection.js';

export type SaAmfHandleT = number;
export type SaInvocationT = number;
export type SaSelectionObjectT = number;
/** A name (SaNameT): 1..256 bytes of UTF-8. */
export type SaNameT = string;
/** SaAmfHealthcheckKeyT: 1..32 bytes of UTF-8. */
export type SaAmfHealthcheckKeyT = string;
/** Nanoseconds (absolute time for errorDetectionTime). */
export type SaTimeT = bigint | number;
export type SaNtfIdentifierT = bigint | number;
export type SaAmfPmErrorsT = number;
export type SaAmfCSIFlagsT = number;
export type SaUint8T = number;

/** The one version this library speaks ('B', 1, 1), as openais' amfVersionsSupported. */
export const SA_AMF_SUPPORTED_VERSION: Readonly<SaVersionT> = Object.freeze({ releaseCode: 'B', majorVersion: 1, minorVersion: 1 });
export const SA_HANDLE_INVALID = 0;
export const SA_TIME_END = 0x7fffffffffffffffn;
export const SA_TIME_ONE_MILLISECOND = 1_000_000n;
/** The environment variable the executive sets for every component it instantiates. */
export const SA_AMF_COMPONENT_NAME_ENV = 'SA_AMF_COMPONENT_NAME';

/** The current time as an SaTimeT (ns since the epoch), for saAmfComponentErrorReport. */
export function saTimeNow(): bigint {
  return BigInt(Date.now()) * SA_TIME_ONE_MILLISECOND;
}

type MaybePromise = void | Promise<void>;

/** SaAmfCallbacksT, by member name. Each member is optional. */
export interface SaAmfCallbacksT {
  saAmfHealthcheckCallback?: (invocation: SaInvocationT, compName: SaNameT, healthcheckKey: SaAmfHealthcheckKeyT) => MaybePromise;
  saAmfComponentTerminateCallback?: (invocation: SaInvocationT, compName: SaNameT) => MaybePromise;
  saAmfCSISetCallback?: (invocation: SaInvocationT, compName: SaNameT, haState: SaAmfHAStateT, csiDescriptor: SaAmfCSIDescriptorT) => MaybePromise;
  saAmfCSIRemoveCallback?: (invocation: SaInvocationT, compName: SaNameT, csiName: SaNameT, csiFlags: SaAmfCSIFlagsT) => MaybePromise;
  saAmfProtectionGroupTrackCallback?: (
    csiName: SaNameT, notificationBuffer: SaAmfProtectionGroupNotificationBufferT, numberOfMembers: number, error: SaAisErrorT,
  ) => MaybePromise;
}

interface AmfInstance {
  readonly conn: AisConnection;
  readonly callbacks: Readonly<SaAmfCallbacksT>;
}

const instances = new Map<SaAmfHandleT, AmfInstance>();
let handleIndex = 0;

function newHandle(): SaAmfHandleT {
  // (salt << 32) | index, as openais' saHandleCreate, kept below 2^53.
  for (;;) {
    handleIndex = (handleIndex + 1) % 0x1_0000_0000;
    const h = randomInt(1, 0x20_0000) * 0x1_0000_0000 + handleIndex;
    if (!instances.has(h)) return h;
  }
}

function instanceOf(handle: SaAmfHandleT): AmfInstance {
  const inst = typeof handle === 'number' ? instances.get(handle) : undefined;
  if (inst === undefined) throw new AisBadHandleError(`AMF handle ${String(handle)} is not initialized or was finalized`);
  return inst;
}

// ---- parameter checks (before anything is sent) -------------------------------------------------

function checkName(v: unknown, what: string): asserts v is string {
  if (typeof v !== 'string' || v.length === 0) throw new AisInvalidParamError(`${what} must be a non-empty name`);
  const n = Buffer.byteLength(v, 'utf8');
  if (n > SA_MAX_NAME_LENGTH) throw new AisInvalidParamError(`${what} is ${n} bytes; an SaNameT holds at most ${SA_MAX_NAME_LENGTH}`);
}

function checkKey(v: unknown): asserts v is string {
  if (typeof v !== 'string' || v.length === 0) throw new AisInvalidParamError('the healthcheck key must be a non-empty string');
  const n = Buffer.byteLength(v, 'utf8');
  if (n > SA_AMF_HEALTHCHECK_KEY_MAX) {
    throw new AisInvalidParamError(`the healthcheck key is ${n} bytes; SA_AMF_HEALTHCHECK_KEY_MAX is ${SA_AMF_HEALTHCHECK_KEY_MAX}`);
  }
}

function isEnumValue(e: object, v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && typeof (e as Record<number, unknown>)[v] === 'string';
}

function checkEnum(e: object, v: unknown, what: string): asserts v is number {
  if (!isEnumValue(e, v)) throw new AisInvalidParamError(`${what} ${String(v)} is not a valid value`);
}

function checkErrorCode(v: unknown, what: string): asserts v is SaAisErrorT {
  if (typeof v !== 'number' || !isSaAisError(v)) throw new AisInvalidParamError(`${what} ${String(v)} is not an SaAisErrorT`);
}

function checkInvocation(v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new AisInvalidParamError(`invocation ${String(v)} is not an SaInvocationT (a non-negative safe integer)`);
  }
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -0x8000_0000_0000_0000n;
const I64_MAX = 0x7fff_ffff_ffff_ffffn;

function toBig(v: unknown, what: string, min: bigint, max: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw new AisInvalidParamError(`${what} ${String(v)} is not an integer`);
  if (b < min || b > max) throw new AisInvalidParamError(`${what} ${b} is out of range`);
  return b;
}

const PM_ERRORS_ALL = SA_AMF_PM_ZERO_EXIT | SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END;

function checkPmErrors(v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || (v & ~PM_ERRORS_ALL) !== 0) {
    throw new AisInvalidParamError(`pmErrors ${String(v)} is not a combination of SA_AMF_PM_ZERO_EXIT, NON_ZERO_EXIT, ABNORMAL_END`);
  }
}

/** Valid track flags: CURRENT, CHANGES or CHANGES_ONLY, CURRENT with one of the other two; nothing else. */
function checkTrackFlags(v: unknown): asserts v is number {
  const all = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
  if (
    typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || (v & ~all) !== 0 ||
    ((v & SA_TRACK_CHANGES) !== 0 && (v & SA_TRACK_CHANGES_ONLY) !== 0)
  ) {
    throw new AisBadFlagsError(`track flags ${String(v)}`);
  }
}

// ---- requests -----------------------------------------------------------------------------------

type Fields = MessageDef['fields'];

async function request<F extends Fields>(inst: AmfInstance, d: MessageDef<F>, msg: MessageOf<F>): Promise<Buffer> {
  return inst.conn.call(d.id, encodeMessage(d, msg));
}

function decodeResponse<F extends Fields>(d: MessageDef<F>, body: Buffer): MessageOf<F> {
  try {
    return decodeMessage(d, body);
  } catch (e) {
    if (e instanceof BodyError) throw new AisLibraryError(`malformed ${d.name} from the executive: ${e.message}`);
    throw e;
  }
}

// ---- life cycle ---------------------------------------------------------------------------------

/**
 * saAmfInitialize: negotiates the version, connects to the executive, and returns the handle.
 * `version` is overwritten with the supported version ('B', 1, 1) whether or not it was
 * accepted, as C does; SA_AIS_ERR_VERSION when releaseCode is not 'B' or majorVersion > 1.
 */
export async function saAmfInitialize(
  callbacks: SaAmfCallbacksT | null | undefined, version: SaVersionT, opts: ConnectOptions = {},
): Promise<SaAmfHandleT> {
  if (version === null || typeof version !== 'object') throw new AisInvalidParamError('version is required');
  if (callbacks !== null && callbacks !== undefined && typeof callbacks !== 'object') throw new AisInvalidParamError('callbacks must be an object');
  negotiateVersion(version, SA_AMF_SUPPORTED_VERSION);

  const copy = copyCallbacks<SaAmfCallbacksT>(callbacks, [
    'saAmfHealthcheckCallback', 'saAmfComponentTerminateCallback', 'saAmfCSISetCallback', 'saAmfCSIRemoveCallback',
    'saAmfProtectionGroupTrackCallback',
  ]);
  const conn = await AisConnection.open(ServiceId.AMF, opts);
  const handle = newHandle();
  instances.set(handle, { conn, callbacks: copy });
  return handle;
}

/** saAmfSelectionObjectGet: the dispatch channel's descriptor (see the note at the top). */
export async function saAmfSelectionObjectGet(handle: SaAmfHandleT): Promise<SaSelectionObjectT> {
  const inst = instanceOf(handle);
  if (inst.conn.failure) throw inst.conn.failure;
  return inst.conn.selectionObject;
}

/**
 * saAmfDispatch: ONE runs at most one waiting callback, ALL the callbacks waiting now,
 * BLOCKING runs callbacks as they arrive until saAmfFinalize (then resolves) or until the
 * connection is lost (then rejects SA_AIS_ERR_LIBRARY).
 */
export async function saAmfDispatch(handle: SaAmfHandleT, dispatchFlags: SaDispatchFlagsT): Promise<void> {
  checkDispatchFlags(dispatchFlags);
  const inst = instanceOf(handle);
  await dispatch(inst.conn, dispatchFlags, (f) => runCallback(inst, f));
}

/** saAmfFinalize: closes both channels; waiting requests reject BAD_HANDLE, a blocking dispatch resolves. */
export async function saAmfFinalize(handle: SaAmfHandleT): Promise<void> {
  const inst = instanceOf(handle);
  instances.delete(handle);
  inst.conn.finalize();
}

// ---- component registration and name -------------------------------------------------------------

export async function saAmfComponentRegister(handle: SaAmfHandleT, compName: SaNameT, proxyCompName?: SaNameT | null): Promise<void> {
  checkName(compName, 'compName');
  if (proxyCompName !== undefined && proxyCompName !== null) checkName(proxyCompName, 'proxyCompName');
  const inst = instanceOf(handle);
  const cb = inst.callbacks;
  const missing = (['saAmfCSISetCallback', 'saAmfCSIRemoveCallback', 'saAmfComponentTerminateCallback'] as const).filter((k) => cb[k] === undefined);
  if (missing.length > 0) throw new AisInitError(`registering a component needs ${missing.join(', ')} at saAmfInitialize`);
  await request(inst, AMF_REQ.register, { comp: compName, proxy: proxyCompName ?? '' });
}

export async function saAmfComponentUnregister(handle: SaAmfHandleT, compName: SaNameT, proxyCompName?: SaNameT | null): Promise<void> {
  checkName(compName, 'compName');
  if (proxyCompName !== undefined && proxyCompName !== null) checkName(proxyCompName, 'proxyCompName');
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.unregister, { comp: compName, proxy: proxyCompName ?? '' });
}

/** saAmfComponentNameGet: SA_AMF_COMPONENT_NAME from this process's environment (local, as in openais). */
export async function saAmfComponentNameGet(handle: SaAmfHandleT): Promise<SaNameT> {
  instanceOf(handle);
  const name = process.env[SA_AMF_COMPONENT_NAME_ENV];
  if (name === undefined || name === '') {
    throw new AisNotExistError(`${SA_AMF_COMPONENT_NAME_ENV} is not set: this process was not instantiated by the AMF`);
  }
  if (Buffer.byteLength(name, 'utf8') > SA_MAX_NAME_LENGTH) {
    throw new AisNotExistError(`${SA_AMF_COMPONENT_NAME_ENV} is longer than ${SA_MAX_NAME_LENGTH} bytes`);
  }
  return name;
}

// ---- passive monitoring ---------------------------------------------------------------------------

export async function saAmfPmStart(
  handle: SaAmfHandleT, compName: SaNameT, processId: number | bigint, descendentsTreeDepth: number,
  pmErrors: SaAmfPmErrorsT, recommendedRecovery: SaAmfRecommendedRecoveryT,
): Promise<void> {
  checkName(compName, 'compName');
  const pid = toBig(processId, 'processId', 1n, U64_MAX);
  if (!Number.isInteger(descendentsTreeDepth) || descendentsTreeDepth < -1 || descendentsTreeDepth > 0x7fffffff) {
    throw new AisInvalidParamError(`descendentsTreeDepth ${String(descendentsTreeDepth)} (-1 for all descendents, else >= 0)`);
  }
  checkPmErrors(pmErrors);
  checkEnum(SaAmfRecommendedRecoveryT, recommendedRecovery, 'recommendedRecovery');
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.pmStart, { comp: compName, pid, depth: descendentsTreeDepth, errors: pmErrors, recovery: recommendedRecovery });
}

export async function saAmfPmStop(
  handle: SaAmfHandleT, compName: SaNameT, stopQualifier: SaAmfPmStopQualifierT, processId: number | bigint, pmErrors: SaAmfPmErrorsT,
): Promise<void> {
  checkName(compName, 'compName');
  checkEnum(SaAmfPmStopQualifierT, stopQualifier, 'stopQualifier');
  const pid = toBig(processId, 'processId', I64_MIN, I64_MAX);
  checkPmErrors(pmErrors);
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.pmStop, { comp: compName, qualifier: stopQualifier, pid, errors: pmErrors });
}

// ---- healthchecks ---------------------------------------------------------------------------------

export async function saAmfHealthcheckStart(
  handle: SaAmfHandleT, compName: SaNameT, healthcheckKey: SaAmfHealthcheckKeyT,
  invocationType: SaAmfHealthcheckInvocationT, recommendedRecovery: SaAmfRecommendedRecoveryT,
): Promise<void> {
  checkEnum(SaAmfHealthcheckInvocationT, invocationType, 'invocationType');
  checkName(compName, 'compName');
  checkKey(healthcheckKey);
  checkEnum(SaAmfRecommendedRecoveryT, recommendedRecovery, 'recommendedRecovery');
  const inst = instanceOf(handle);
  if (invocationType === SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_AMF_INVOKED && inst.callbacks.saAmfHealthcheckCallback === undefined) {
    throw new AisInitError('an AMF-invoked healthcheck needs saAmfHealthcheckCallback at saAmfInitialize');
  }
  await request(inst, AMF_REQ.healthcheckStart, { comp: compName, key: healthcheckKey, invocation: invocationType, recovery: recommendedRecovery });
}

export async function saAmfHealthcheckConfirm(
  handle: SaAmfHandleT, compName: SaNameT, healthcheckKey: SaAmfHealthcheckKeyT, healthcheckResult: SaAisErrorT,
): Promise<void> {
  checkName(compName, 'compName');
  checkKey(healthcheckKey);
  checkErrorCode(healthcheckResult, 'healthcheckResult');
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.healthcheckConfirm, { comp: compName, key: healthcheckKey, result: healthcheckResult });
}

export async function saAmfHealthcheckStop(handle: SaAmfHandleT, compName: SaNameT, healthcheckKey: SaAmfHealthcheckKeyT): Promise<void> {
  checkName(compName, 'compName');
  checkKey(healthcheckKey);
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.healthcheckStop, { comp: compName, key: healthcheckKey });
}

// ---- workload -------------------------------------------------------------------------------------

/** saAmfHAStateGet: the HA state of `compName` for `csiName`. */
export async function saAmfHAStateGet(handle: SaAmfHandleT, compName: SaNameT, csiName: SaNameT): Promise<SaAmfHAStateT> {
  checkName(compName, 'compName');
  checkName(csiName, 'csiName');
  const inst = instanceOf(handle);
  const body = await request(inst, AMF_REQ.haStateGet, { comp: compName, csi: csiName });
  const { haState } = decodeResponse(AMF_RES.haStateGet, body);
  if (!isEnumValue(SaAmfHAStateT, haState)) throw new AisLibraryError(`the executive answered HA state ${haState}`);
  return haState;
}

export async function saAmfCSIQuiescingComplete(handle: SaAmfHandleT, invocation: SaInvocationT, error: SaAisErrorT): Promise<void> {
  checkInvocation(invocation);
  checkErrorCode(error, 'error');
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.quiescingComplete, { invocation: BigInt(invocation), error });
}

/**
 * saAmfProtectionGroupTrack: with SA_TRACK_CURRENT resolves to the current members (change
 * NO_CHANGE each); CHANGES / CHANGES_ONLY subscribe to saAmfProtectionGroupTrackCallback.
 */
export async function saAmfProtectionGroupTrack(
  handle: SaAmfHandleT, csiName: SaNameT, trackFlags: SaUint8T,
): Promise<SaAmfProtectionGroupNotificationBufferT | undefined> {
  checkName(csiName, 'csiName');
  checkTrackFlags(trackFlags);
  const inst = instanceOf(handle);
  if ((trackFlags & (SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY)) !== 0 && inst.callbacks.saAmfProtectionGroupTrackCallback === undefined) {
    throw new AisInitError('tracking changes needs saAmfProtectionGroupTrackCallback at saAmfInitialize');
  }
  const body = await request(inst, AMF_REQ.pgTrack, { csi: csiName, flags: trackFlags });
  if ((trackFlags & SA_TRACK_CURRENT) === 0) return undefined;
  return notificationBuffer(decodeResponse(AMF_RES.pgTrack, body).items);
}

export async function saAmfProtectionGroupTrackStop(handle: SaAmfHandleT, csiName: SaNameT): Promise<void> {
  checkName(csiName, 'csiName');
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.pgTrackStop, { csi: csiName });
}

// ---- errors and responses -------------------------------------------------------------------------

export async function saAmfComponentErrorReport(
  handle: SaAmfHandleT, erroneousComponent: SaNameT, errorDetectionTime: SaTimeT,
  recommendedRecovery: SaAmfRecommendedRecoveryT, ntfIdentifier: SaNtfIdentifierT = 0n,
): Promise<void> {
  checkName(erroneousComponent, 'erroneousComponent');
  const detectionTime = toBig(errorDetectionTime, 'errorDetectionTime', I64_MIN, I64_MAX);
  checkEnum(SaAmfRecommendedRecoveryT, recommendedRecovery, 'recommendedRecovery');
  const ntfId = toBig(ntfIdentifier, 'ntfIdentifier', 0n, U64_MAX);
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.errorReport, { comp: erroneousComponent, detectionTime, recovery: recommendedRecovery, ntfId });
}

export async function saAmfComponentErrorClear(handle: SaAmfHandleT, compName: SaNameT, ntfIdentifier: SaNtfIdentifierT = 0n): Promise<void> {
  checkName(compName, 'compName');
  const ntfId = toBig(ntfIdentifier, 'ntfIdentifier', 0n, U64_MAX);
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.errorClear, { comp: compName, ntfId });
}

/** saAmfResponse: the answer to a healthcheck, CSI set, CSI remove or terminate callback. */
export async function saAmfResponse(handle: SaAmfHandleT, invocation: SaInvocationT, error: SaAisErrorT): Promise<void> {
  checkInvocation(invocation);
  checkErrorCode(error, 'error');
  const inst = instanceOf(handle);
  await request(inst, AMF_REQ.response, { invocation: BigInt(invocation), error });
}

// ---- callbacks ------------------------------------------------------------------------------------

function invocationOf(v: bigint): SaInvocationT {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new AisLibraryError(`invocation ${v} exceeds 2^53`);
  return Number(v);
}

function notificationBuffer(items: WirePgItem[]): SaAmfProtectionGroupNotificationBufferT {
  const notification = items.map((it) => {
    if (!isEnumValue(SaAmfHAStateT, it.haState) || !isEnumValue(SaAmfProtectionGroupChangesT, it.change)) {
      throw new AisLibraryError(`protection group member ${it.comp}: HA state ${it.haState}, change ${it.change}`);
    }
    return { member: { compName: it.comp, haState: it.haState, rank: it.rank }, change: it.change };
  });
  return { numberOfItems: notification.length, notification };
}

function decodeCallback<F extends Fields>(d: MessageDef<F>, f: Frame): MessageOf<F> {
  try {
    return decodeMessage(d, f.body);
  } catch (e) {
    if (e instanceof BodyError) throw new AisLibraryError(`malformed ${d.name} callback: ${e.message}`);
    throw e;
  }
}

/** The SaAmfCSIDescriptorT of a CSI set callback: the descriptor for `haState` filled, the other zero. */
function csiDescriptor(haState: SaAmfHAStateT, m: MessageOf<typeof AMF_CB.csiSet.fields>): SaAmfCSIDescriptorT {
  const transition = m.transition;
  if (transition !== 0 && !isEnumValue(SaAmfCSITransitionDescriptorT, transition)) {
    throw new AisLibraryError(`CSI set callback with transition descriptor ${transition}`);
  }
  const active = haState === SaAmfHAStateT.SA_AMF_HA_ACTIVE;
  const standby = haState === SaAmfHAStateT.SA_AMF_HA_STANDBY;
  return {
    csiFlags: m.flags,
    csiName: m.csi,
    csiStateDescriptor: {
      activeDescriptor: { transitionDescriptor: active ? transition : 0, activeCompName: active ? m.activeComp : '' },
      standbyDescriptor: { activeCompName: standby ? m.activeComp : '', standbyRank: standby ? m.standbyRank : 0 },
    },
    csiAttr: m.attrs.map((a) => ({ attrName: a.name, attrValue: a.value })),
  };
}

async function runCallback(inst: AmfInstance, f: Frame): Promise<void> {
  const cb = inst.callbacks;
  if (f.error !== SaAisErrorT.SA_AIS_OK) {
    throw new AisLibraryError(`callback 0x${f.id.toString(16)} arrived with error ${f.error}`);
  }
  switch (f.id) {
    case AMF_CB.healthcheck.id: {
      const m = decodeCallback(AMF_CB.healthcheck, f);
      const invocation = invocationOf(m.invocation);
      await cb.saAmfHealthcheckCallback?.(invocation, m.comp, m.key);
      return;
    }
    case AMF_CB.terminate.id: {
      const m = decodeCallback(AMF_CB.terminate, f);
      const invocation = invocationOf(m.invocation);
      await cb.saAmfComponentTerminateCallback?.(invocation, m.comp);
      return;
    }
    case AMF_CB.csiSet.id: {
      const m = decodeCallback(AMF_CB.csiSet, f);
      const invocation = invocationOf(m.invocation);
      if (!isEnumValue(SaAmfHAStateT, m.haState)) throw new AisLibraryError(`CSI set callback with HA state ${m.haState}`);
      const descriptor = csiDescriptor(m.haState, m);
      await cb.saAmfCSISetCallback?.(invocation, m.comp, m.haState, descriptor);
      return;
    }
    case AMF_CB.csiRemove.id: {
      const m = decodeCallback(AMF_CB.csiRemove, f);
      const invocation = invocationOf(m.invocation);
      await cb.saAmfCSIRemoveCallback?.(invocation, m.comp, m.csi, m.flags);
      return;
    }
    case AMF_CB.pgTrack.id: {
      const m = decodeCallback(AMF_CB.pgTrack, f);
      if (!isSaAisError(m.error)) throw new AisLibraryError(`protection group callback with error ${m.error}`);
      const buffer = notificationBuffer(m.items);
      await cb.saAmfProtectionGroupTrackCallback?.(m.csi, buffer, m.numberOfMembers, m.error);
      return;
    }
    default:
      throw new AisLibraryError(`unknown AMF callback 0x${f.id.toString(16)}`);
  }
}

// ---- for the idiomatic face and tests -------------------------------------------------------------

/**
 * Ringfort extension: how many callbacks wait to be dispatched on `handle`, which is what
 * poll() on the selection object tells a C program (in Node that descriptor is read by the
 * runtime, so it cannot). BAD_HANDLE like every function.
 */
export function amfPendingCallbacks(handle: SaAmfHandleT): number {
  return instanceOf(handle).conn.pendingCallbacks;
}

/** Whether `handle` is initialized and not finalized (its connection may still have been lost). */
export function saAmfHandleIsValid(handle: SaAmfHandleT): boolean {
  return instances.has(handle);
}

/** Whether `e` is the code `code` (convenience for `catch`). */
export function isAisError(e: unknown, code?: SaAisErrorT): e is AisError {
  return e instanceof AisError && (code === undefined || e.code === code);
}
