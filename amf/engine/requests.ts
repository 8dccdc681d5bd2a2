// Library requests (saAmf* calls) and what nodes observe about processes and
// connections. Everything here comes from outside the engine: it is
// validated, never asserted, and every request is answered by exactly one
// `reply` (SaAisErrorT codes as B.01.01 gives them; docs/amf-engine.md lists
// them).
import { SaAisErrorT, saAisErrorName } from '../../lib-ais/errors.js';
import type { Core } from './core.js';
import { onHealthcheckAnswer, dropHealthchecksOfConn } from './healthcheck.js';
import { onRegistered, onTerminateConnectionLost, onTerminateOutcome, onTerminatingPidExited, watchOwnPid } from './lifecycle.js';
import { pgDropConn } from './pg.js';
import { fault, isRecovery, recoverySupported } from './recovery.js';
import type { CompRt, Conn } from './runtime.js';
import { connOf, sameConn } from './runtime.js';
import type { AmfEvent, Dn } from './types.js';
import { onCsiRemoveAnswer, onCsiSetAnswer, onQuiescingComplete, quiescingConnectionClosed } from './workload.js';

type Ev<T extends AmfEvent['type']> = Extract<AmfEvent, { type: T }>;

/** SA_AMF_PM_ZERO_EXIT, NON_ZERO_EXIT, ABNORMAL_END. */
export const PM_ZERO_EXIT = 1;
export const PM_NON_ZERO_EXIT = 2;
export const PM_ABNORMAL_END = 4;

/** A component by DN, or by its plain name where that is unique (docs/groups-conf.md). */
export function findComp(k: Core, name: unknown): CompRt | undefined {
  if (typeof name !== 'string') return undefined;
  return k.world.compByDn.get(name) ?? k.world.compByName.get(name);
}

function present(proxy: Dn | undefined): boolean {
  return typeof proxy === 'string' && proxy.length > 0;
}

/** saAmfComponentRegister. */
export function register(k: Core, ev: Ev<'register'>): void {
  const c = findComp(k, ev.comp);
  if (!c) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  if (present(ev.proxy)) {
    // Proxied components are not supported yet (docs/amf-engine.md).
    k.reply(ev.client, findComp(k, ev.proxy) ? SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED : SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  if (c.registration) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_EXIST);
    return;
  }
  const act = c.activity;
  if (c.model.category !== 'sa_aware' || act.kind !== 'instantiate') {
    k.log('warning', `comp ${c.dn}: registration refused: ${c.model.category !== 'sa_aware'
      ? `category ${c.model.category} does not register` : `the component is not being instantiated (${c.presence})`}`);
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_BAD_OPERATION);
    return;
  }
  c.registration = { conn: connOf(ev.client), pid: ev.client.pid };
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  k.log('info', `comp ${c.dn}: registered by pid ${ev.client.pid} on node ${ev.client.node}`);
  if (Number.isInteger(ev.client.pid) && ev.client.pid > 0) watchOwnPid(k, c, ev.client.pid);
  onRegistered(k, c);
}

/** saAmfComponentUnregister. */
export function unregister(k: Core, ev: Ev<'unregister'>): void {
  const c = findComp(k, ev.comp);
  if (!c || !c.registration) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  if (!sameConn(c.registration.conn, connOf(ev.client))) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_BAD_OPERATION);
    return;
  }
  delete c.registration;
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  k.log('info', `comp ${c.dn}: unregistered`);
  if (c.activity.kind === 'terminateCallback') return; // expected: it is being terminated
  fault(k, c, 'noRecommendation', 'the component unregistered unexpectedly');
}

/** saAmfComponentErrorReport. */
export function errorReport(k: Core, ev: Ev<'errorReport'>): void {
  const c = findComp(k, ev.comp);
  if (!c) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  if (!isRecovery(ev.recovery)) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    return;
  }
  if (!recoverySupported(ev.recovery)) {
    k.log('warning', `comp ${c.dn}: error report with recovery ${ev.recovery}: not supported`);
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    return;
  }
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  c.errorReported = true;
  fault(k, c, ev.recovery, `error report by pid ${ev.client.pid}, recommended recovery ${ev.recovery}`);
}

/** saAmfComponentErrorClear. */
export function errorClear(k: Core, ev: Ev<'errorClear'>): void {
  const c = findComp(k, ev.comp);
  if (!c) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  if (c.errorReported) k.log('info', `comp ${c.dn}: error cleared`);
  c.errorReported = false;
}

/** saAmfPmStart: watch a process of the component; its end applies `recovery`. */
export function pmStart(k: Core, ev: Ev<'pmStart'>): void {
  const c = findComp(k, ev.comp);
  if (!c) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  const errorsKnown = PM_ZERO_EXIT | PM_NON_ZERO_EXIT | PM_ABNORMAL_END;
  if (!Number.isInteger(ev.pid) || ev.pid <= 0 || !Number.isInteger(ev.errors) || ev.errors <= 0 ||
    (ev.errors & ~errorsKnown) !== 0 || !isRecovery(ev.recovery)) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    return;
  }
  if (!recoverySupported(ev.recovery)) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    return;
  }
  if (c.pmPids.has(ev.pid)) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_EXIST);
    return;
  }
  c.pmPids.set(ev.pid, { recovery: ev.recovery, errors: ev.errors });
  if (!c.ownPids.has(ev.pid) && !c.exitPids.has(ev.pid)) k.emit({ type: 'watchProcess', node: c.node, comp: c.dn, pid: ev.pid });
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  k.log('info', `comp ${c.dn}: passive monitoring of pid ${ev.pid} started (recovery ${ev.recovery})`);
}

/** saAmfPmStop. */
export function pmStop(k: Core, ev: Ev<'pmStop'>): void {
  const c = findComp(k, ev.comp);
  if (!c) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  let pids: number[];
  if (ev.qualifier === 'allProcesses') {
    pids = [...c.pmPids.keys()];
  } else if (ev.qualifier === 'proc' || ev.qualifier === 'procAndDescendents') {
    if (!c.pmPids.has(ev.pid)) {
      k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
      return;
    }
    pids = [ev.pid];
  } else {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    return;
  }
  for (const pid of pids) {
    c.pmPids.delete(pid);
    if (!c.ownPids.has(pid) && !c.exitPids.has(pid)) k.emit({ type: 'unwatchProcess', node: c.node, comp: c.dn, pid });
  }
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
}

/** A watched process ended. */
export function processExited(k: Core, ev: Ev<'processExited'>): void {
  const c = findComp(k, ev.comp);
  if (!c) return;
  const how = ev.signal !== undefined ? `killed by ${ev.signal}` : `exited with ${ev.exitCode ?? 'an unknown status'}`;
  if (onTerminatingPidExited(k, c, ev.pid, how)) return;
  const pm = c.pmPids.get(ev.pid);
  const own = c.ownPids.has(ev.pid);
  if (!pm && !own) {
    k.log('debug', `comp ${c.dn}: pid ${ev.pid} ${how}: not watched`);
    return;
  }
  c.pmPids.delete(ev.pid);
  c.ownPids.delete(ev.pid);
  if (own) {
    fault(k, c, 'noRecommendation', `process ${ev.pid} ${how}`);
    return;
  }
  if (pm) {
    const kind = ev.signal !== undefined ? PM_ABNORMAL_END : ev.exitCode === 0 ? PM_ZERO_EXIT : PM_NON_ZERO_EXIT;
    if ((pm.errors & kind) === 0) {
      k.log('info', `comp ${c.dn}: monitored pid ${ev.pid} ${how}: not an error the monitoring asked for`);
      return;
    }
    fault(k, c, pm.recovery, `passive monitoring: process ${ev.pid} ${how}`);
  }
}

/** saAmfResponse. */
export function response(k: Core, ev: Ev<'response'>): void {
  const p = k.pending.get(ev.invocation);
  if (!p) {
    k.log('debug', `response to unknown invocation ${String(ev.invocation)}`);
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    return;
  }
  k.dropPending(ev.invocation);
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  const error: SaAisErrorT = typeof ev.error === 'number' ? ev.error : SaAisErrorT.SA_AIS_ERR_INVALID_PARAM;
  answer(k, p, error);
}

/** saAmfCSIQuiescingComplete: the invocation of a CSI set QUIESCING (cluster stop) that is still in progress. */
export function quiescingComplete(k: Core, ev: Ev<'quiescingComplete'>): void {
  if (!k.quiescing.has(ev.invocation)) {
    k.log('debug', `quiescing complete for unknown invocation ${String(ev.invocation)}`);
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    return;
  }
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  onQuiescingComplete(k, ev.invocation, typeof ev.error === 'number' ? ev.error : SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
}

/** A callback was answered (`error`) or timed out: the pending entry is already gone. */
export function answer(k: Core, p: NonNullable<ReturnType<Core['pending']['get']>>, error: SaAisErrorT | 'timeout'): void {
  switch (p.kind) {
    case 'csiSet':
      onCsiSetAnswer(k, p, error);
      return;
    case 'csiRemove':
      onCsiRemoveAnswer(k, p, error);
      return;
    case 'terminate': {
      const inv = p.comp.activity.kind === 'terminateCallback' ? p.comp.activity.invocation : -1;
      const why = error === 'timeout' ? `not answered within callback_timeout ${p.comp.model.callbackTimeoutMs} ms` : `answered ${saAisErrorName(error)}`;
      onTerminateOutcome(k, p.comp, inv, error === SaAisErrorT.SA_AIS_OK, why);
      return;
    }
    case 'healthcheck':
      onHealthcheckAnswer(k, p, error);
      return;
  }
}

/** A library connection closed: its subscriptions and healthchecks end, a component registered through it is gone. */
export function connectionClosed(k: Core, conn: Conn): void {
  pgDropConn(k, conn);
  dropHealthchecksOfConn(k, conn);
  for (const c of k.world.comps) {
    const reg = c.registration;
    if (!reg || !sameConn(reg.conn, conn)) continue;
    delete c.registration;
    const act = c.activity;
    if (act.kind === 'terminateCallback') {
      onTerminateConnectionLost(k, c, act.invocation);
      continue;
    }
    fault(k, c, 'noRecommendation', `its connection (node ${conn.node}, conn ${conn.conn}) closed`);
  }
  quiescingConnectionClosed(k, conn);
  // Callbacks still out on that connection can never be answered.
  for (const [invocation, p] of [...k.pending]) {
    if (!sameConn(p.conn, conn) || !k.pending.has(invocation)) continue;
    k.dropPending(invocation);
    if (p.kind === 'terminate') {
      const act = p.comp.activity;
      if (act.kind === 'terminateCallback' && act.invocation === invocation) onTerminateConnectionLost(k, p.comp, invocation);
    } else if (p.kind === 'csiRemove') {
      onCsiRemoveAnswer(k, p, SaAisErrorT.SA_AIS_OK);
    } else if (p.kind === 'csiSet') {
      for (const a of p.assignments) if (a.invocation === invocation) a.status = 'deferred';
    }
  }
}
