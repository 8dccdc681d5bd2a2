// The idiomatic face of the AMF API for TypeScript components: one object per
// AMF handle, events with promise-returning handlers, names and defaults
// instead of positional enums. It is a thin layer over amf.ts: every call
// goes through the saAmf* functions, so the semantics and the errors
// (AisError subclasses carrying the SaAisErrorT) are the same.
//
//   const amf = await AmfClient.open();
//   amf.on('csiSet', async (e) => { ...take the workload...; });
//   await amf.register();                       // saAmfComponentNameGet + saAmfComponentRegister
//   await amf.startHealthcheck('default');      // AMF-invoked, component restart on failure
//   const why = await amf.run();                // dispatches until terminated or closed
//
// Callbacks that need an answer (healthcheck, csiSet, csiRemove, terminate)
// are answered with saAmfResponse once every handler for that event has
// settled: SA_AIS_OK when they all resolve, the error's code when one throws
// an AisError, SA_AIS_ERR_FAILED_OPERATION for any other exception. With no
// handler the answer is SA_AIS_OK at once. Handlers run concurrently with
// later callbacks (a slow CSI set does not hold up healthcheck answers). A
// handler that never settles leaves the invocation unanswered, which the AMF
// treats as a timeout. After a successful terminate answer the client closes
// itself and run() resolves 'terminated'. A failed automatic answer (other
// than the handle having been closed or lost, which run() reports) is emitted
// as 'error' when someone listens, else raised as a process warning.
import { EventEmitter } from 'node:events';
import {
  SA_AMF_SUPPORTED_VERSION, SA_TRACK_CHANGES_ONLY, SA_TRACK_CURRENT, SaAisErrorT, SaAmfHAStateT, SaAmfHealthcheckInvocationT,
  SaAmfPmStopQualifierT, SaAmfRecommendedRecoveryT, SaDispatchFlagsT, saAmfComponentErrorClear, saAmfComponentErrorReport,
  saAmfComponentNameGet, saAmfComponentRegister, saAmfComponentUnregister, saAmfCSIQuiescingComplete, saAmfDispatch,
  saAmfFinalize, saAmfHandleIsValid, saAmfHAStateGet, saAmfHealthcheckConfirm, saAmfHealthcheckStart, saAmfHealthcheckStop,
  saAmfInitialize, saAmfPmStart, saAmfPmStop, saAmfProtectionGroupTrack, saAmfProtectionGroupTrackStop, saAmfResponse,
  saAmfSelectionObjectGet, saTimeNow, SA_AMF_PM_NON_ZERO_EXIT, SA_AMF_PM_ABNORMAL_END,
  type ConnectOptions, type SaAmfCallbacksT, type SaAmfCSIDescriptorT, type SaAmfCSIFlagsT, type SaAmfHandleT,
  type SaAmfProtectionGroupNotificationBufferT, type SaInvocationT, type SaNameT, type SaNtfIdentifierT, type SaTimeT,
  type SaVersionT,
} from './amf.js';
import { AisBadHandleError, AisError, AisLibraryError } from './errors.js';

/** Recommended recovery by name (as the engine and amf-state spell them) or by SaAmfRecommendedRecoveryT value. */
export type Recovery =
  | SaAmfRecommendedRecoveryT
  | 'noRecommendation' | 'componentRestart' | 'componentFailover' | 'nodeSwitchover' | 'nodeFailover' | 'nodeFailfast'
  | 'clusterReset' | 'applicationRestart';

export type HealthcheckInvocation = SaAmfHealthcheckInvocationT | 'amfInvoked' | 'componentInvoked';

const RECOVERY: Readonly<Record<Exclude<Recovery, number>, SaAmfRecommendedRecoveryT>> = {
  noRecommendation: SaAmfRecommendedRecoveryT.SA_AMF_NO_RECOMMENDATION,
  componentRestart: SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_RESTART,
  componentFailover: SaAmfRecommendedRecoveryT.SA_AMF_COMPONENT_FAILOVER,
  nodeSwitchover: SaAmfRecommendedRecoveryT.SA_AMF_NODE_SWITCHOVER,
  nodeFailover: SaAmfRecommendedRecoveryT.SA_AMF_NODE_FAILOVER,
  nodeFailfast: SaAmfRecommendedRecoveryT.SA_AMF_NODE_FAILFAST,
  clusterReset: SaAmfRecommendedRecoveryT.SA_AMF_CLUSTER_RESET,
  applicationRestart: SaAmfRecommendedRecoveryT.SA_AMF_APPLICATION_RESTART,
};

/** A Recovery as its SaAmfRecommendedRecoveryT value (an unknown name passes through, and the SA layer rejects it). */
export function recoveryValue(r: Recovery): SaAmfRecommendedRecoveryT {
  return typeof r === 'number' ? r : (RECOVERY[r] ?? (r as unknown as SaAmfRecommendedRecoveryT));
}

function invocationValue(i: HealthcheckInvocation): SaAmfHealthcheckInvocationT {
  if (i === 'amfInvoked') return SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_AMF_INVOKED;
  if (i === 'componentInvoked') return SaAmfHealthcheckInvocationT.SA_AMF_HEALTHCHECK_COMPONENT_INVOKED;
  return i;
}

export interface HealthcheckEvent { invocation: SaInvocationT; compName: SaNameT; key: string }
export interface CsiSetEvent {
  invocation: SaInvocationT;
  compName: SaNameT;
  haState: SaAmfHAStateT;
  /** The CSI's name; empty when the assignment targets all CSIs (SA_AMF_CSI_TARGET_ALL). */
  csiName: SaNameT;
  descriptor: SaAmfCSIDescriptorT;
  /** The CSI attributes as a record (descriptor.csiAttr holds them in order). */
  attributes: Record<string, string>;
  /** For HA state QUIESCING: tell the AMF the work has drained (saAmfCSIQuiescingComplete with this invocation). */
  quiescingComplete(error?: SaAisErrorT): Promise<void>;
}
export interface CsiRemoveEvent { invocation: SaInvocationT; compName: SaNameT; csiName: SaNameT; csiFlags: SaAmfCSIFlagsT }
export interface TerminateEvent { invocation: SaInvocationT; compName: SaNameT }
export interface ProtectionGroupEvent {
  csiName: SaNameT;
  notificationBuffer: SaAmfProtectionGroupNotificationBufferT;
  numberOfMembers: number;
  error: SaAisErrorT;
}

/** The events; the handlers of the first four may return promises, answered as the file header says. */
export interface AmfClientEvents {
  healthcheck: [HealthcheckEvent];
  csiSet: [CsiSetEvent];
  csiRemove: [CsiRemoveEvent];
  terminate: [TerminateEvent];
  protectionGroup: [ProtectionGroupEvent];
  error: [Error];
}

export interface AmfClientOptions extends ConnectOptions {
  /** Default ('B', 1, 1). */
  version?: SaVersionT;
}

export type RunResult = 'terminated' | 'closed';

export class AmfClient extends EventEmitter<AmfClientEvents> {
  private compName: SaNameT | undefined;
  private lastKey: string | undefined;
  private terminated = false;
  private closed = false;
  private readonly answering = new Set<Promise<void>>();

  private constructor(private handleValue: SaAmfHandleT) {
    super();
  }

  /** saAmfInitialize with every callback routed to this object's events. */
  static async open(opts: AmfClientOptions = {}): Promise<AmfClient> {
    // Callbacks arrive only through a dispatch, which needs the client: `client` is set by then.
    let client: AmfClient | undefined;
    const c = () => client!;
    const callbacks: SaAmfCallbacksT = {
      saAmfHealthcheckCallback: (invocation, compName, key) => c().answer(invocation, 'healthcheck', { invocation, compName, key }),
      saAmfComponentTerminateCallback: (invocation, compName) => c().answer(invocation, 'terminate', { invocation, compName }),
      saAmfCSISetCallback: (invocation, compName, haState, descriptor) =>
        c().answer(invocation, 'csiSet', {
          invocation, compName, haState, descriptor, csiName: descriptor.csiName,
          attributes: Object.fromEntries(descriptor.csiAttr.map((a) => [a.attrName, a.attrValue])),
          quiescingComplete: (error = SaAisErrorT.SA_AIS_OK) => c().quiescingComplete(invocation, error),
        }),
      saAmfCSIRemoveCallback: (invocation, compName, csiName, csiFlags) =>
        c().answer(invocation, 'csiRemove', { invocation, compName, csiName, csiFlags }),
      saAmfProtectionGroupTrackCallback: (csiName, notificationBuffer, numberOfMembers, error) => {
        c().runHandlers('protectionGroup', { csiName, notificationBuffer, numberOfMembers, error }).catch((e: unknown) => c().report(e));
      },
    };
    const { version, ...connect } = opts;
    const handle = await saAmfInitialize(callbacks, version ?? { ...SA_AMF_SUPPORTED_VERSION }, connect);
    client = new AmfClient(handle);
    return client;
  }

  get handle(): SaAmfHandleT {
    return this.handleValue;
  }

  /** True once close() ran or the terminate callback was answered OK. */
  get isClosed(): boolean {
    return this.closed;
  }

  selectionObject(): Promise<number> {
    return saAmfSelectionObjectGet(this.handleValue);
  }

  /** This component's name (saAmfComponentNameGet), or the one passed to register(). */
  async name(): Promise<SaNameT> {
    this.compName ??= await saAmfComponentNameGet(this.handleValue);
    return this.compName;
  }

  /** saAmfComponentRegister of `compName` (default: this component's name); resolves to the name. */
  async register(compName?: SaNameT, proxyCompName?: SaNameT): Promise<SaNameT> {
    const comp = compName ?? (await this.name());
    await saAmfComponentRegister(this.handleValue, comp, proxyCompName);
    this.compName = comp;
    return comp;
  }

  async unregister(compName?: SaNameT, proxyCompName?: SaNameT): Promise<void> {
    await saAmfComponentUnregister(this.handleValue, compName ?? (await this.name()), proxyCompName);
  }

  async startHealthcheck(key: string, invocation: HealthcheckInvocation = 'amfInvoked', recovery: Recovery = 'componentRestart'): Promise<void> {
    await saAmfHealthcheckStart(this.handleValue, await this.name(), key, invocationValue(invocation), recoveryValue(recovery));
    this.lastKey = key;
  }

  /** saAmfHealthcheckConfirm (component-invoked healthchecks); the key defaults to the last one started. */
  async confirm(key?: string, result: SaAisErrorT = SaAisErrorT.SA_AIS_OK): Promise<void> {
    await saAmfHealthcheckConfirm(this.handleValue, await this.name(), key ?? this.lastKey ?? '', result);
  }

  async stopHealthcheck(key?: string): Promise<void> {
    await saAmfHealthcheckStop(this.handleValue, await this.name(), key ?? this.lastKey ?? '');
  }

  async haState(csiName: SaNameT, compName?: SaNameT): Promise<SaAmfHAStateT> {
    return saAmfHAStateGet(this.handleValue, compName ?? (await this.name()), csiName);
  }

  quiescingComplete(invocation: SaInvocationT, error: SaAisErrorT = SaAisErrorT.SA_AIS_OK): Promise<void> {
    return saAmfCSIQuiescingComplete(this.handleValue, invocation, error);
  }

  /** saAmfProtectionGroupTrack; resolves to the current members when `flags` has SA_TRACK_CURRENT. Changes arrive as 'protectionGroup'. */
  trackProtectionGroup(csiName: SaNameT, flags: number = SA_TRACK_CURRENT | SA_TRACK_CHANGES_ONLY): Promise<SaAmfProtectionGroupNotificationBufferT | undefined> {
    return saAmfProtectionGroupTrack(this.handleValue, csiName, flags);
  }

  stopTrackingProtectionGroup(csiName: SaNameT): Promise<void> {
    return saAmfProtectionGroupTrackStop(this.handleValue, csiName);
  }

  /** saAmfComponentErrorReport about this component (or `comp`), detected now unless told. */
  async reportError(
    recovery: Recovery = 'componentRestart', opts: { comp?: SaNameT; detectionTime?: SaTimeT; ntfId?: SaNtfIdentifierT } = {},
  ): Promise<void> {
    await saAmfComponentErrorReport(
      this.handleValue, opts.comp ?? (await this.name()), opts.detectionTime ?? saTimeNow(), recoveryValue(recovery), opts.ntfId ?? 0n,
    );
  }

  async clearError(opts: { comp?: SaNameT; ntfId?: SaNtfIdentifierT } = {}): Promise<void> {
    await saAmfComponentErrorClear(this.handleValue, opts.comp ?? (await this.name()), opts.ntfId ?? 0n);
  }

  /** saAmfPmStart: passive monitoring of `pid` (default: this process) for this component. */
  async pmStart(
    opts: { pid?: number; depth?: number; errors?: number; recovery?: Recovery; comp?: SaNameT } = {},
  ): Promise<void> {
    await saAmfPmStart(
      this.handleValue, opts.comp ?? (await this.name()), opts.pid ?? process.pid, opts.depth ?? 0,
      opts.errors ?? (SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END), recoveryValue(opts.recovery ?? 'componentRestart'),
    );
  }

  async pmStop(opts: { pid?: number; qualifier?: SaAmfPmStopQualifierT; errors?: number; comp?: SaNameT } = {}): Promise<void> {
    await saAmfPmStop(
      this.handleValue, opts.comp ?? (await this.name()), opts.qualifier ?? SaAmfPmStopQualifierT.SA_AMF_PM_PROC,
      opts.pid ?? process.pid, opts.errors ?? (SA_AMF_PM_NON_ZERO_EXIT | SA_AMF_PM_ABNORMAL_END),
    );
  }

  /** saAmfResponse, for an application that answers an invocation itself. */
  respond(invocation: SaInvocationT, error: SaAisErrorT = SaAisErrorT.SA_AIS_OK): Promise<void> {
    return saAmfResponse(this.handleValue, invocation, error);
  }

  /** saAmfDispatch with these flags. */
  dispatch(flags: SaDispatchFlagsT = SaDispatchFlagsT.SA_DISPATCH_ALL): Promise<void> {
    return saAmfDispatch(this.handleValue, flags);
  }

  /**
   * Dispatches (BLOCKING) until the client is closed: resolves 'terminated' after the AMF's
   * terminate callback was answered OK, 'closed' after close(); rejects SA_AIS_ERR_LIBRARY
   * when the connection to the executive is lost.
   */
  async run(): Promise<RunResult> {
    if (!this.closed) await saAmfDispatch(this.handleValue, SaDispatchFlagsT.SA_DISPATCH_BLOCKING);
    return this.terminated ? 'terminated' : 'closed';
  }

  /** saAmfFinalize (idempotent). Answers still in flight are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (saAmfHandleIsValid(this.handleValue)) await saAmfFinalize(this.handleValue);
  }

  /** Resolves when every automatic answer started so far has been sent (for tests and orderly exits). */
  async settled(): Promise<void> {
    while (this.answering.size > 0) await Promise.allSettled([...this.answering]);
  }

  private async runHandlers<K extends 'healthcheck' | 'csiSet' | 'csiRemove' | 'terminate' | 'protectionGroup'>(
    event: K, arg: AmfClientEvents[K][0],
  ): Promise<void> {
    // rawListeners keeps once() wrappers, which pass their listener's return value through.
    const listeners = this.rawListeners(event) as Array<(a: typeof arg) => unknown>;
    const results = listeners.map((l) => {
      try {
        return Promise.resolve(l.call(this, arg));
      } catch (e) {
        return Promise.reject(e);
      }
    });
    await Promise.all(results);
  }

  private answer<K extends 'healthcheck' | 'csiSet' | 'csiRemove' | 'terminate'>(
    invocation: SaInvocationT, event: K, arg: AmfClientEvents[K][0],
  ): void {
    const p = (async () => {
      let code = SaAisErrorT.SA_AIS_OK;
      try {
        await this.runHandlers(event, arg);
      } catch (e) {
        code = e instanceof AisError ? e.code : SaAisErrorT.SA_AIS_ERR_FAILED_OPERATION;
      }
      if (this.closed) return;
      try {
        await saAmfResponse(this.handleValue, invocation, code);
      } catch (e) {
        this.report(e);
        return;
      }
      if (event === 'terminate' && code === SaAisErrorT.SA_AIS_OK) {
        this.terminated = true;
        await this.close();
      }
    })();
    this.answering.add(p);
    void p.finally(() => this.answering.delete(p));
  }

  private report(e: unknown): void {
    if (this.closed || e instanceof AisBadHandleError || e instanceof AisLibraryError) return; // run() reports a lost connection
    const err = e instanceof Error ? e : new Error(String(e));
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err);
  }
}
