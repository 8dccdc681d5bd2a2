// Healthchecks (specification B.01.01 §3.11.1, saAmfHealthcheckStart/
// Confirm/Stop). Keys are global in groups.conf: any component may start any
// configured key, with that key's period and maximum duration.
//
// - AMF-invoked: AMF calls the healthcheck callback `period` ms after the
//   start and then `period` ms after each answer (openais' rhythm: the next
//   period starts when the answer comes, so callbacks never overlap); each
//   callback must be answered by saAmfResponse within `maximum_duration`.
// - Component-invoked: the component must call saAmfHealthcheckConfirm at
//   least once every `period` ms; each SA_AIS_OK confirm restarts that
//   deadline, a confirm with another result is a failure.
// A failure (a missed deadline, an error answer) applies the recommended
// recovery given at start. Healthchecks end when the component leaves
// INSTANTIATED (restart, termination) and do not survive a restart: the
// component starts them again. A closed connection ends the healthchecks it
// started.
import { SaAisErrorT, saAisErrorName } from '../../lib-ais/errors.js';
import type { Core, Pending } from './core.js';
import { fault, isRecovery, recoverySupported } from './recovery.js';
import type { CompRt, Conn, HealthcheckRt } from './runtime.js';
import { sameConn } from './runtime.js';
import type { AmfEvent } from './types.js';

type Ev<T extends AmfEvent['type']> = Extract<AmfEvent, { type: T }>;

function monitored(c: CompRt): boolean {
  // Registered (the instantiate command may still be running), or instantiated.
  return c.intent === 'run' && (c.presence === 'instantiated' || (c.activity.kind === 'instantiate' && c.registration !== undefined));
}

export function healthcheckStart(k: Core, ev: Ev<'healthcheckStart'>): void {
  const c = k.world.compByDn.get(ev.comp);
  const key = k.world.healthcheckKeys.get(ev.key);
  if (!c || !key) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  if (!isRecovery(ev.recovery) || (ev.invocation !== 'amfInvoked' && ev.invocation !== 'componentInvoked')) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_INVALID_PARAM);
    return;
  }
  if (!recoverySupported(ev.recovery)) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED);
    return;
  }
  if (c.healthchecks.has(ev.key)) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_EXIST);
    return;
  }
  if (!monitored(c)) {
    k.log('warning', `comp ${c.dn}: healthcheck ${ev.key} not started: the component is ${c.presence}`);
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  const hc: HealthcheckRt = {
    key: ev.key, invocation: ev.invocation, recovery: ev.recovery, conn: { node: ev.client.node, conn: ev.client.conn },
    periodMs: key.periodMs, maximumDurationMs: key.maximumDurationMs,
  };
  c.healthchecks.set(ev.key, hc);
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  k.log('info', `comp ${c.dn}: healthcheck ${ev.key} started (${ev.invocation}, period ${hc.periodMs} ms, ` +
    `maximum duration ${hc.maximumDurationMs} ms, recovery ${ev.recovery})`);
  hc.timerId = k.setTimer(c.node, hc.periodMs, { kind: 'healthcheck', comp: c, key: hc.key });
}

export function healthcheckConfirm(k: Core, ev: Ev<'healthcheckConfirm'>): void {
  const c = k.world.compByDn.get(ev.comp);
  const hc = c?.healthchecks.get(ev.key);
  if (!c || !hc) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  if (hc.invocation !== 'componentInvoked') {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_BAD_OPERATION);
    return;
  }
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  if (ev.result === SaAisErrorT.SA_AIS_OK) {
    k.cancelTimer(c.node, hc.timerId);
    hc.timerId = k.setTimer(c.node, hc.periodMs, { kind: 'healthcheck', comp: c, key: hc.key });
    return;
  }
  failure(k, c, hc, `healthcheck ${hc.key} confirmed with ${saAisErrorName(ev.result)}`);
}

export function healthcheckStop(k: Core, ev: Ev<'healthcheckStop'>): void {
  const c = k.world.compByDn.get(ev.comp);
  const hc = c?.healthchecks.get(ev.key);
  if (!c || !hc) {
    k.reply(ev.client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  remove(k, c, hc);
  k.reply(ev.client, SaAisErrorT.SA_AIS_OK);
  k.log('info', `comp ${c.dn}: healthcheck ${hc.key} stopped`);
}

function remove(k: Core, c: CompRt, hc: HealthcheckRt): void {
  k.cancelTimer(c.node, hc.timerId);
  k.dropPending(hc.pendingInvocation);
  c.healthchecks.delete(hc.key);
}

/** Every healthcheck of the component ends (it leaves INSTANTIATED). */
export function stopHealthchecks(k: Core, c: CompRt): void {
  for (const hc of [...c.healthchecks.values()]) remove(k, c, hc);
}

/** A connection closed: the healthchecks it started end. */
export function dropHealthchecksOfConn(k: Core, conn: Conn): void {
  for (const c of k.world.comps) {
    for (const hc of [...c.healthchecks.values()]) if (sameConn(hc.conn, conn)) remove(k, c, hc);
  }
}

/** The healthcheck's timer: time to call (AMF-invoked), or no confirm came (component-invoked). */
export function onHealthcheckTimer(k: Core, c: CompRt, key: string, timerId: number): void {
  const hc = c.healthchecks.get(key);
  if (!hc || hc.timerId !== timerId) return;
  delete hc.timerId;
  if (hc.invocation === 'componentInvoked') {
    failure(k, c, hc, `healthcheck ${key} not confirmed within its period ${hc.periodMs} ms`);
    return;
  }
  const invocation = k.invocation();
  const t = k.setTimer(c.node, hc.maximumDurationMs, { kind: 'callback', invocation });
  k.pending.set(invocation, { kind: 'healthcheck', comp: c, conn: hc.conn, key, timerId: t });
  hc.pendingInvocation = invocation;
  k.callback(hc.conn, { kind: 'healthcheck', invocation, comp: c.dn, key });
}

/** The healthcheck callback was answered, or its maximum duration passed. */
export function onHealthcheckAnswer(k: Core, p: Extract<Pending, { kind: 'healthcheck' }>, error: SaAisErrorT | 'timeout'): void {
  const c = p.comp;
  const hc = c.healthchecks.get(p.key);
  if (!hc) return;
  delete hc.pendingInvocation;
  if (error === SaAisErrorT.SA_AIS_OK) {
    hc.timerId = k.setTimer(c.node, hc.periodMs, { kind: 'healthcheck', comp: c, key: hc.key });
    return;
  }
  const why = error === 'timeout'
    ? `timeout occurred on healthcheck ${hc.key}: no answer within maximum_duration ${hc.maximumDurationMs} ms`
    : `healthcheck ${hc.key} answered ${saAisErrorName(error)}`;
  failure(k, c, hc, why);
}

function failure(k: Core, c: CompRt, hc: HealthcheckRt, why: string): void {
  remove(k, c, hc);
  k.log('warning', `comp ${c.dn}: ${why}`);
  fault(k, c, hc.recovery, why);
}
