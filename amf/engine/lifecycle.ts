// Component and SU life cycle (specification B.01.01 §3.3.2.1 and chapter 4):
// instantiation with registration, retries and delays; termination by the
// terminate callback, then TERMINATE, then CLEANUP; restarts; and SU jobs,
// which handle an SU's components one at a time (instantiation in
// configuration order, termination in reverse order: dependents first).
//
// Every function here that starts something ends either with the component
// busy (an activity in flight) or with compSettled(), which moves the SU's job
// on; callers return right after calling one, so that re-entrant progress never
// works on a stale view.
import { assert } from '../../lib-ais/errors.js';
import type { ClcOperation } from '../model.js';
import { buildClc, clcSucceeded, clcTimeoutMs, describeOutcome } from './clc.js';
import type { Core } from './core.js';
import { stopHealthchecks } from './healthcheck.js';
import type { CompRt, SuJob, SuRt } from './runtime.js';
import { compDown, compUp, assignSg } from './workload.js';
import { suTerminated } from './cluster.js';
import { suFailover } from './recovery.js';
import type { AmfEvent } from './types.js';
import { stateName } from './states.js';

type ClcCompleted = Extract<AmfEvent, { type: 'clcCompleted' }>;

function attemptsOf(c: CompRt): number {
  return 1 + c.model.instantiateRetries;
}

function runClc(k: Core, c: CompRt, op: ClcOperation): number | string {
  const runId = k.runId();
  const run = buildClc(c.model, op, c.node, runId, k.clc);
  if ('missing' in run) return run.missing;
  k.emit(run);
  return runId;
}

// --- instantiation ---------------------------------------------------------------

/** Run INSTANTIATE (attempt `attempt` of 1 + instantiate_retries). */
export function startInstantiate(k: Core, c: CompRt, attempt: number, cause: string): void {
  assert(c.activity.kind === 'idle', `instantiate ${c.dn} while ${c.activity.kind}`);
  assert(!c.unsupported, `instantiate unsupported ${c.dn}`);
  if (c.presence === 'uninstantiated') k.setCompPresence(c, 'instantiating', cause);
  assert(c.presence === 'instantiating' || c.presence === 'restarting', `instantiate ${c.dn} in ${c.presence}`);
  const r = runClc(k, c, 'instantiate');
  if (typeof r === 'string') {
    k.log('error', `comp ${c.dn}: cannot instantiate: ${r}`);
    instantiationFailed(k, c, 'no instantiate command');
    return;
  }
  const timerId =
    c.model.category === 'sa_aware' ? k.setTimer(c.node, c.model.instantiateTimeoutMs, { kind: 'instantiate', comp: c }) : undefined;
  c.activity = { kind: 'instantiate', runId: r, attempt, clcDone: false, ...(timerId !== undefined ? { timerId } : {}) };
  k.log('info', `comp ${c.dn}: instantiate attempt ${attempt} of ${attemptsOf(c)} (${cause})`);
}

/** INSTANTIATE exited 0 and, for an SA-aware component, it registered. */
function instantiated(k: Core, c: CompRt, cause: string): void {
  const act = c.activity;
  assert(act.kind === 'instantiate', `instantiated ${c.dn} while ${act.kind}`);
  k.cancelTimer(c.node, act.timerId);
  c.activity = { kind: 'idle' };
  k.setCompPresence(c, 'instantiated', cause);
  compSettled(k, c);
}

/** An instantiation attempt failed: clean up, then retry or give up. */
export function failedAttempt(k: Core, c: CompRt, reason: string): void {
  const act = c.activity;
  assert(act.kind === 'instantiate', `failed attempt of ${c.dn} while ${act.kind}`);
  k.cancelTimer(c.node, act.timerId);
  k.log('error', `comp ${c.dn}: instantiation attempt ${act.attempt} of ${attemptsOf(c)} failed: ${reason}`);
  c.activity = { kind: 'idle' };
  startCleanup(k, c, `instantiation attempt failed`, act.attempt);
}

function afterAttemptCleanup(k: Core, c: CompRt, attempt: number): void {
  c.activity = { kind: 'idle' };
  if (c.intent !== 'run') {
    terminated(k, c, 'cleanup succeeded');
    return;
  }
  if (attempt >= attemptsOf(c)) {
    instantiationFailed(k, c, `${attemptsOf(c)} instantiation attempt${attemptsOf(c) === 1 ? '' : 's'} failed`);
    return;
  }
  if (c.model.instantiateDelayMs > 0) {
    const timerId = k.setTimer(c.node, c.model.instantiateDelayMs, { kind: 'instantiateDelay', comp: c });
    c.activity = { kind: 'instantiateDelay', attempt: attempt + 1, timerId };
    k.log('info', `comp ${c.dn}: next instantiation attempt in ${c.model.instantiateDelayMs} ms`);
    return;
  }
  startInstantiate(k, c, attempt + 1, 'retry');
}

export function onInstantiateDelay(k: Core, c: CompRt, timerId: number): void {
  const act = c.activity;
  if (act.kind !== 'instantiateDelay' || act.timerId !== timerId) return;
  c.activity = { kind: 'idle' };
  startInstantiate(k, c, act.attempt, 'retry after instantiate_delay');
}

export function onInstantiateTimeout(k: Core, c: CompRt, timerId: number): void {
  const act = c.activity;
  if (act.kind !== 'instantiate' || act.timerId !== timerId) return;
  delete act.timerId;
  failedAttempt(k, c, `did not register within instantiate_timeout ${c.model.instantiateTimeoutMs} ms`);
}

function instantiationFailed(k: Core, c: CompRt, reason: string): void {
  c.activity = { kind: 'idle' };
  k.setCompPresence(c, 'instantiationFailed', reason);
  k.setCompOperational(c, 'disabled', 'instantiation failed');
  k.log('error', `comp ${c.dn}: INSTANTIATION_FAILED: ${reason}`);
  compSettled(k, c);
}

/** A registration arrived for a component whose instantiation is in flight. */
export function onRegistered(k: Core, c: CompRt): void {
  const act = c.activity;
  if (act.kind === 'instantiate' && act.clcDone) instantiated(k, c, 'registered');
}

// --- termination -------------------------------------------------------------------

/**
 * Stop monitoring a component and take back what it held: healthchecks,
 * passive monitoring, outstanding callbacks; its CSI assignments are deferred
 * (restart) or dropped. `keepRegistration` for the terminate callback.
 * `awaitExit` for a graceful termination: the component's own processes stay
 * watched (`exitPids`), their end now expected rather than a fault, so that
 * the component is not terminated while they live; otherwise they are no
 * longer watched (CLEANUP kills them).
 */
export function releaseComp(k: Core, c: CompRt, keepRegistration: boolean, awaitExit = false): void {
  stopHealthchecks(k, c);
  const unwatch = (pid: number) => k.emit({ type: 'unwatchProcess', node: c.node, comp: c.dn, pid });
  for (const pid of c.pmPids.keys()) if (!c.ownPids.has(pid) && !c.exitPids.has(pid)) unwatch(pid);
  for (const pid of c.ownPids) {
    if (awaitExit) c.exitPids.add(pid);
    else unwatch(pid);
  }
  if (!awaitExit) {
    for (const pid of c.exitPids) unwatch(pid);
    c.exitPids.clear();
  }
  c.ownPids.clear();
  c.pmPids.clear();
  delete c.clcPid;
  compDown(k, c);
  if (!keepRegistration) delete c.registration;
}

/** Terminate an instantiated component: gracefully (callback / TERMINATE first) or abruptly (CLEANUP). */
export function startTerminate(k: Core, c: CompRt, graceful: boolean, cause: string): void {
  assert(c.activity.kind === 'idle' && c.presence === 'instantiated', `terminate ${c.dn} in ${c.presence}/${c.activity.kind}`);
  if (!graceful) {
    startCleanup(k, c, cause);
    return;
  }
  k.setCompPresence(c, c.intent === 'run' ? 'restarting' : 'terminating', cause);
  const reg = c.registration;
  if (c.model.category === 'sa_aware' && reg) {
    releaseComp(k, c, true, true);
    const invocation = k.invocation();
    const timerId = k.setTimer(c.node, c.model.callbackTimeoutMs, { kind: 'callback', invocation });
    k.pending.set(invocation, { kind: 'terminate', comp: c, conn: reg.conn, timerId });
    c.activity = { kind: 'terminateCallback', invocation };
    k.callback(reg.conn, { kind: 'terminate', invocation, comp: c.dn });
    return;
  }
  startTerminateClc(k, c, cause);
}

function startTerminateClc(k: Core, c: CompRt, cause: string): void {
  releaseComp(k, c, false, true);
  if (c.model.commands.terminate === undefined) {
    startCleanup(k, c, cause);
    return;
  }
  const r = runClc(k, c, 'terminate');
  assert(typeof r === 'number', 'a configured terminate command builds');
  c.activity = { kind: 'terminateClc', runId: r };
}

/** The terminate callback was answered (or timed out, or its connection closed). */
export function onTerminateOutcome(k: Core, c: CompRt, invocation: number, ok: boolean, why: string): void {
  const act = c.activity;
  if (act.kind !== 'terminateCallback' || act.invocation !== invocation) return;
  c.activity = { kind: 'idle' };
  if (ok) {
    releaseComp(k, c, false, true);
    terminatedOnceGone(k, c, 'terminate callback answered SA_AIS_OK');
    return;
  }
  k.log('warning', `comp ${c.dn}: terminate callback ${why}; running the terminate command`);
  startTerminateClc(k, c, why);
}

/**
 * Terminated gracefully (callback answered OK, TERMINATE exited 0): the
 * component is terminated once its own processes are seen to end, not while
 * one is known to live. Waits at most terminate_timeout, then CLEANUP. With
 * no process known (none reported, none registered), terminated at once.
 */
function terminatedOnceGone(k: Core, c: CompRt, cause: string): void {
  if (c.exitPids.size === 0) {
    terminated(k, c, cause);
    return;
  }
  const ms = c.model.terminateTimeoutMs;
  const timerId = k.setTimer(c.node, ms, { kind: 'terminateExit', comp: c });
  c.activity = { kind: 'awaitExit', timerId, why: cause };
  k.log('info', `comp ${c.dn}: ${cause}; waiting up to terminate_timeout ${ms} ms for ${pidList(c.exitPids)} to exit`);
}

function pidList(pids: Set<number>): string {
  return `${pids.size === 1 ? 'process' : 'processes'} ${[...pids].join(', ')}`;
}

/**
 * A process of a component being terminated gracefully ended (expected, not a
 * fault). Returns false when `pid` is not one of those.
 */
export function onTerminatingPidExited(k: Core, c: CompRt, pid: number, how: string): boolean {
  if (!c.exitPids.delete(pid)) return false;
  k.log('info', `comp ${c.dn}: process ${pid} ${how} (being terminated)`);
  const act = c.activity;
  if (act.kind === 'awaitExit' && c.exitPids.size === 0) {
    k.cancelTimer(c.node, act.timerId);
    c.activity = { kind: 'idle' };
    terminated(k, c, `${act.why}, process exited`);
  }
  return true;
}

/** The component's processes did not end within terminate_timeout of a graceful termination: CLEANUP. */
export function onExitTimeout(k: Core, c: CompRt, timerId: number): void {
  const act = c.activity;
  if (act.kind !== 'awaitExit' || act.timerId !== timerId) return;
  c.activity = { kind: 'idle' };
  k.log('warning', `comp ${c.dn}: ${pidList(c.exitPids)} still running ${c.model.terminateTimeoutMs} ms (terminate_timeout) ` +
    `after ${act.why}; running the cleanup command`);
  startCleanup(k, c, 'the process did not exit after termination');
}

/** The terminate callback cannot be answered: the component's connection closed. Clean up. */
export function onTerminateConnectionLost(k: Core, c: CompRt, invocation: number): void {
  const act = c.activity;
  if (act.kind !== 'terminateCallback' || act.invocation !== invocation) return;
  k.dropPending(invocation);
  c.activity = { kind: 'idle' };
  startCleanup(k, c, 'the component closed its connection during the terminate callback');
}

/**
 * Run CLEANUP. The presence state says why: RESTARTING (intent run, a
 * restart), TERMINATING (stop, failover), or unchanged INSTANTIATING /
 * RESTARTING after a failed attempt (`attempt`).
 */
export function startCleanup(k: Core, c: CompRt, cause: string, attempt?: number): void {
  assert(c.activity.kind === 'idle', `cleanup ${c.dn} while ${c.activity.kind}`);
  if (c.presence === 'instantiated') {
    k.setCompPresence(c, c.intent === 'run' ? 'restarting' : 'terminating', cause);
  } else if ((c.presence === 'instantiating' || c.presence === 'restarting') && c.intent !== 'run') {
    k.setCompPresence(c, 'terminating', cause);
  }
  releaseComp(k, c, false);
  const r = runClc(k, c, 'cleanup');
  if (typeof r === 'string') {
    k.log('error', `comp ${c.dn}: cannot clean up: ${r}`);
    terminationFailed(k, c, 'no cleanup command');
    return;
  }
  c.activity = { kind: 'cleanup', runId: r, ...(attempt !== undefined ? { attempt } : {}) };
}

/** Terminated (callback answered, TERMINATE or CLEANUP succeeded): restart, or stay down. */
function terminated(k: Core, c: CompRt, cause: string): void {
  c.activity = { kind: 'idle' };
  if (c.intent === 'run' && (c.presence === 'restarting' || c.presence === 'instantiating')) {
    const job = c.su.job;
    if (job?.kind === 'restart' && job.phase === 'terminate') {
      // An SU restart instantiates its components again only once all are terminated.
      compSettled(k, c);
      return;
    }
    startInstantiate(k, c, 1, 'restart');
    return;
  }
  if (c.presence !== 'terminating') k.setCompPresence(c, 'terminating', cause);
  k.setCompPresence(c, 'uninstantiated', cause);
  compSettled(k, c);
}

function terminationFailed(k: Core, c: CompRt, reason: string): void {
  c.activity = { kind: 'idle' };
  k.setCompPresence(c, 'terminationFailed', reason);
  k.setCompOperational(c, 'disabled', 'termination failed');
  k.log('error', `comp ${c.dn}: TERMINATION_FAILED: ${reason}`);
  compSettled(k, c);
}

// --- CLC-CLI completion ----------------------------------------------------------------

export function onClcCompleted(k: Core, ev: ClcCompleted): void {
  const c = k.world.compByDn.get(ev.comp);
  const act = c?.activity;
  if (!c || !act || !('runId' in act) || act.runId !== ev.runId) {
    k.log('debug', `CLC-CLI ${String(ev.op)} of ${String(ev.comp)} run ${String(ev.runId)} completed, but no such run is in progress: ignored`);
    return;
  }
  const op: ClcOperation = act.kind === 'instantiate' ? 'instantiate' : act.kind === 'terminateClc' ? 'terminate' : 'cleanup';
  const ok = clcSucceeded(ev);
  const what = `${op} command ${buildProgram(c, op)} ${describeOutcome(ev, clcTimeoutMs(c.model, op))}`;
  if (!ok) k.log(op === 'terminate' ? 'warning' : 'error', `comp ${c.dn}: ${what}`);
  else k.log('debug', `comp ${c.dn}: ${what}`);
  switch (act.kind) {
    case 'instantiate':
      if (!ok) {
        failedAttempt(k, c, what);
        return;
      }
      act.clcDone = true;
      if (ev.pid !== undefined && Number.isInteger(ev.pid) && ev.pid > 0) {
        c.clcPid = ev.pid;
        watchOwnPid(k, c, ev.pid);
      }
      if (c.intent !== 'run' && !c.registration && c.model.category === 'sa_aware') {
        // Stopped meanwhile: no need to wait for a registration.
        k.cancelTimer(c.node, act.timerId);
        c.activity = { kind: 'idle' };
        startCleanup(k, c, 'stopped while instantiating');
        return;
      }
      if (c.model.category !== 'sa_aware' || c.registration) instantiated(k, c, c.registration ? 'registered' : 'instantiate command succeeded');
      return;
    case 'terminateClc':
      c.activity = { kind: 'idle' };
      if (ok) terminatedOnceGone(k, c, 'terminate command succeeded');
      else startCleanup(k, c, 'terminate command failed');
      return;
    case 'cleanup':
      c.activity = { kind: 'idle' };
      if (!ok) terminationFailed(k, c, what);
      else if (act.attempt !== undefined) afterAttemptCleanup(k, c, act.attempt);
      else terminated(k, c, 'cleanup succeeded');
      return;
  }
}

function buildProgram(c: CompRt, op: ClcOperation): string {
  const r = buildClc(c.model, op, c.node, 0, { clcEnv: {}, pidFileOf: () => '' });
  return 'missing' in r ? '(none)' : r.program;
}

export function watchOwnPid(k: Core, c: CompRt, pid: number): void {
  if (c.ownPids.has(pid)) return;
  c.ownPids.add(pid);
  if (!c.pmPids.has(pid)) k.emit({ type: 'watchProcess', node: c.node, comp: c.dn, pid });
}

// --- settling and SU jobs ------------------------------------------------------------

/** The component has nothing in flight any more: move its SU on. */
export function compSettled(k: Core, c: CompRt): void {
  const su = c.su;
  if (su.job) {
    advanceSu(k, su);
    return;
  }
  switch (c.presence) {
    case 'instantiated':
      if (c.intent !== 'run') {
        startTerminate(k, c, c.intent === 'stop', 'stop');
        return;
      }
      compUp(k, c);
      updateSuPresence(k, su, `comp ${c.dn} instantiated`);
      return;
    case 'instantiationFailed':
    case 'terminationFailed':
      suFailover(k, su, `comp ${c.dn} is ${stateName(c.presence)}`);
      return;
    default:
      updateSuPresence(k, su, `comp ${c.dn} ${stateName(c.presence)}`);
  }
}

/** Start a job on an SU, replacing any other (whose components in flight finish first). */
export function startSuJob(k: Core, su: SuRt, kind: SuJob['kind'], graceful: boolean, cause: string): void {
  const order = kind === 'instantiate' ? [...su.comps] : [...su.comps].reverse();
  su.job = { kind, phase: kind === 'instantiate' ? 'instantiate' : 'terminate', queue: order, graceful };
  if (kind !== 'terminate') for (const c of su.comps) c.intent = 'run';
  if (!isFailed(su.presence)) {
    if (kind === 'instantiate' && su.presence === 'uninstantiated') k.setSuPresence(su, 'instantiating', cause);
    if (kind === 'restart' && su.presence === 'instantiated') k.setSuPresence(su, 'restarting', cause);
    if (kind === 'terminate' && (su.presence === 'instantiating' || su.presence === 'instantiated' || su.presence === 'restarting')) {
      k.setSuPresence(su, 'terminating', cause);
    }
  }
  if (kind === 'terminate') {
    for (const c of su.comps) {
      assert(c.intent !== 'run', `terminate job with ${c.dn} meant to run`);
      stopHealthchecks(k, c);
      interruptInstantiation(k, c);
    }
  }
  advanceSu(k, su);
}

/** A stop or failover need not wait for a retry delay, or for a registration that may never come. */
function interruptInstantiation(k: Core, c: CompRt): void {
  const act = c.activity;
  if (act.kind === 'instantiateDelay') {
    k.cancelTimer(c.node, act.timerId);
    c.activity = { kind: 'idle' };
    startCleanup(k, c, 'stopped while waiting to retry');
  } else if (act.kind === 'instantiate' && act.clcDone) {
    k.cancelTimer(c.node, act.timerId);
    c.activity = { kind: 'idle' };
    startCleanup(k, c, 'stopped while waiting for registration');
  }
}

export function advanceSu(k: Core, su: SuRt): void {
  const job = su.job;
  if (!job) return;
  for (;;) {
    const c = job.queue[0];
    if (!c) break;
    if (c.activity.kind !== 'idle') return;
    if (c.unsupported) {
      job.queue.shift();
      continue;
    }
    if (job.phase === 'terminate') {
      if (c.presence === 'instantiated') {
        startTerminate(k, c, job.graceful, jobCause(job));
        return;
      }
      if (c.presence === 'restarting' || c.presence === 'instantiating') {
        // Idle in RESTARTING: an SU restart interrupted between its phases.
        if (job.kind === 'restart') {
          job.queue.shift();
          continue;
        }
        startCleanup(k, c, jobCause(job));
        return;
      }
      job.queue.shift();
      continue;
    }
    // instantiate phase
    if (c.presence === 'uninstantiated' || c.presence === 'restarting') {
      startInstantiate(k, c, 1, jobCause(job));
      return;
    }
    if (isFailed(c.presence)) {
      delete su.job;
      suFailover(k, su, `comp ${c.dn} is ${stateName(c.presence)}`);
      return;
    }
    job.queue.shift();
  }
  if (job.kind === 'restart' && job.phase === 'terminate') {
    job.phase = 'instantiate';
    job.queue = [...su.comps];
    advanceSu(k, su);
    return;
  }
  if (su.comps.some((c) => c.activity.kind !== 'idle')) return;
  delete su.job;
  finishJob(k, su, job);
}

function jobCause(job: SuJob): string {
  return job.kind === 'instantiate' ? 'SU instantiation' : job.kind === 'restart' ? 'SU restart' : 'SU termination';
}

function finishJob(k: Core, su: SuRt, job: SuJob): void {
  if (job.kind !== 'terminate') {
    const failed = su.comps.find((c) => isFailed(c.presence));
    if (failed) {
      suFailover(k, su, `comp ${failed.dn} is ${stateName(failed.presence)}`);
      return;
    }
    if (su.comps.some((c) => !c.unsupported && c.presence !== 'instantiated')) {
      // A component went down on its own meanwhile: instantiate what is not up, then finish.
      su.job = { kind: job.kind, phase: 'instantiate', queue: [...su.comps], graceful: job.graceful };
      advanceSu(k, su);
      return;
    }
    updateSuPresence(k, su, jobCause(job));
    k.log('notice', `su ${su.dn}: ${jobCause(job)} done`);
    for (const c of su.comps) if (c.presence === 'instantiated' && c.intent === 'run') compUp(k, c);
    assignSg(k, su.sg);
    return;
  }
  updateSuPresence(k, su, jobCause(job));
  k.log('notice', `su ${su.dn}: ${jobCause(job)} done`);
  suTerminated(k, su);
}

export function isFailed(p: string): boolean {
  return p === 'instantiationFailed' || p === 'terminationFailed';
}

/**
 * SU presence from its components (§3.3.1.1). The failure states stay until
 * repaired; while a job runs its state was set when the job started.
 */
export function updateSuPresence(k: Core, su: SuRt, cause: string): void {
  if (isFailed(su.presence)) return;
  const comps = su.comps.filter((c) => !c.unsupported);
  if (comps.some((c) => c.presence === 'terminationFailed')) {
    k.setSuPresence(su, 'terminationFailed', cause);
  } else if (comps.some((c) => c.presence === 'instantiationFailed')) {
    k.setSuPresence(su, 'instantiationFailed', cause);
  } else if (su.job) {
    return;
  } else if (comps.every((c) => c.presence === 'instantiated') && su.presence !== 'uninstantiated') {
    k.setSuPresence(su, 'instantiated', cause);
  } else if (comps.every((c) => c.presence === 'uninstantiated') && su.presence === 'terminating') {
    k.setSuPresence(su, 'uninstantiated', cause);
  }
}
