// Error detection to recovery (specification B.01.01 §3.12; shared/reference/
// amf.md §1.5): every detected fault of a component comes through fault(),
// whatever detected it (an error report, a healthcheck, a process exit, a
// closed connection, a callback timeout or error). The recommended recovery is
// honoured and never weakened: component restart goes through the SU's
// escalation (escalation.ts), component failover fails the SU over, the
// node-level recoveries fail over every SU of the node. No recommendation
// (what the AMF detects itself, or a report that recommends nothing) means the
// component's recovery_on_error (saAmfCompRecoveryOnError), whose default,
// component restart, goes through escalation.
import { assert } from '../../lib-ais/errors.js';
import { RECOVERIES as MODEL_RECOVERIES, RECOVERY_ON_ERROR_WORDS, type RecoveryOnErrorWord } from '../model.js';
import type { Core } from './core.js';
import { INITIAL_COUNTERS, escalate, probationExpired } from './escalation.js';
import { failedAttempt, startCleanup, startSuJob, updateSuPresence } from './lifecycle.js';
import type { CompRt, SuRt } from './runtime.js';
import type { Recovery } from './types.js';
import { suLeftService } from './workload.js';

export const RECOVERIES: readonly Recovery[] = MODEL_RECOVERIES;

/** The recoveries the engine can carry out; the others are answered SA_AIS_ERR_NOT_SUPPORTED. */
export function recoverySupported(r: Recovery): boolean {
  return r !== 'clusterReset' && r !== 'applicationRestart';
}

export function isRecovery(r: unknown): r is Recovery {
  return typeof r === 'string' && (RECOVERIES as readonly string[]).includes(r);
}

/** The groups.conf word of a recovery (recovery_on_error), for logs. */
export function recoveryWord(r: Recovery): RecoveryOnErrorWord {
  const e = Object.entries(RECOVERY_ON_ERROR_WORDS).find(([, v]) => v === r);
  assert(e !== undefined, `no recovery_on_error word for ${r}`);
  return e[0] as RecoveryOnErrorWord;
}

/**
 * The recovery to carry out for a fault of `c` for which `recommended` was
 * recommended, and what the log says about where it came from. No
 * recommendation takes the component's recovery_on_error (as OpenSAF's
 * avnd_err_escalate() takes the component's default recovery); one the engine
 * cannot carry out (application restart, cluster reset) falls back to
 * component restart through escalation, logged.
 */
function chooseRecovery(k: Core, c: CompRt, recommended: Recovery): { recovery: Recovery; source: string } {
  if (recommended !== 'noRecommendation') return { recovery: recommended, source: `recommended ${recoveryWord(recommended)}` };
  const configured = c.model.recoveryOnError;
  const source = `recovery_on_error ${recoveryWord(configured)}`;
  if (!recoverySupported(configured)) {
    k.log('warning', `comp ${c.dn}: ${source} is not supported: component restart through escalation instead`);
    return { recovery: 'componentRestart', source };
  }
  return { recovery: configured, source };
}

/**
 * A fault of component `c` was detected. `recommended` is the recovery the
 * detector recommends: an error report's, the one given at healthcheckStart or
 * pmStart, or noRecommendation for what the AMF detects itself (its own
 * process ending, its connection closing, an unexpected unregister, a CSI set
 * or remove callback answered with an error or not in time): those take the
 * component's recovery_on_error.
 */
export function fault(k: Core, c: CompRt, recommended: Recovery, cause: string): void {
  assert(recoverySupported(recommended), `recovery ${recommended} reached fault()`);
  if (k.cluster !== 'started' || c.intent !== 'run') {
    k.log('info', `comp ${c.dn}: ${cause}: no recovery (the component is being stopped)`);
    return;
  }
  const act = c.activity;
  if (act.kind === 'instantiate') {
    failedAttempt(k, c, cause);
    return;
  }
  if (act.kind !== 'idle' || c.presence !== 'instantiated') {
    k.log('info', `comp ${c.dn}: ${cause}: no new recovery (already ${act.kind === 'idle' ? c.presence : act.kind})`);
    return;
  }
  const { recovery, source } = chooseRecovery(k, c, recommended);
  switch (recovery) {
    case 'noRecommendation':
    case 'componentRestart':
      escalateFault(k, c, cause);
      return;
    case 'componentFailover':
      // Never weaker than escalation: an SU failover is its last level.
      k.log('notice', `Error detected for '${c.dn}' (${cause}), recovery action: SU failover (${source})`);
      suFailover(k, c.su, `component failover of ${c.dn}`);
      return;
    case 'nodeSwitchover':
    case 'nodeFailover':
    case 'nodeFailfast':
      nodeFailover(k, c, recovery, source, cause);
      return;
    case 'clusterReset':
    case 'applicationRestart':
      return;
  }
}

function escalateFault(k: Core, c: CompRt, cause: string): void {
  const su = c.su;
  const sg = su.sg.model;
  const d = escalate(su.escalation, { componentRestartMax: sg.componentRestartMax, unitRestartMax: sg.unitRestartMax });
  su.escalation = d.counters;
  if (d.stopProbation === 'component' || d.action === 'suFailover') {
    k.cancelTimer(su.node, su.compProbationTimer);
    delete su.compProbationTimer;
  }
  if (d.stopProbation === 'su' || d.action === 'suFailover') {
    k.cancelTimer(su.node, su.suProbationTimer);
    delete su.suProbationTimer;
  }
  if (d.startProbation === 'component') {
    su.compProbationTimer = k.setTimer(su.node, sg.componentRestartProbationMs, { kind: 'probation', su, which: 'component' });
  }
  if (d.startProbation === 'su') {
    su.suProbationTimer = k.setTimer(su.node, sg.unitRestartProbationMs, { kind: 'probation', su, which: 'su' });
  }
  const e = d.counters;
  switch (d.action) {
    case 'componentRestart':
      k.log('notice', `Error detected for '${c.dn}' (${cause}), recovery action: Component restart ` +
        `(escalation level 0, component restart ${e.compRestarts} of ${sg.componentRestartMax} within ${sg.componentRestartProbationMs} ms)`);
      restartComp(k, c, cause);
      return;
    case 'suRestart':
      k.log('notice', `Error detected for '${c.dn}' (${cause}), recovery action: SU restart ` +
        `(escalation level 1, SU restart ${e.suRestarts} of ${sg.unitRestartMax} within ${sg.unitRestartProbationMs} ms)`);
      restartSu(k, su);
      return;
    case 'suFailover':
      k.log('notice', `Error detected for '${c.dn}' (${cause}), recovery action: SU failover (escalation level 2)`);
      suFailover(k, su, `escalation of a fault of ${c.dn}`);
      return;
  }
}

function restartComp(k: Core, c: CompRt, cause: string): void {
  c.restartCount++;
  c.intent = 'run';
  startCleanup(k, c, `restart: ${cause}`);
}

function restartSu(k: Core, su: SuRt): void {
  su.restartCount++;
  for (const c of su.comps) if (c.presence === 'instantiated') c.restartCount++;
  startSuJob(k, su, 'restart', false, 'SU restart');
}

/**
 * SU failover: the SU is disabled and out of service, its SIs go to their
 * standbys in this same step (the fast path: CSI sets first), and its
 * components are cleaned up. It stays disabled: repair is an administrative
 * operation not supported yet.
 */
export function suFailover(k: Core, su: SuRt, cause: string): void {
  k.cancelTimer(su.node, su.compProbationTimer);
  k.cancelTimer(su.node, su.suProbationTimer);
  delete su.compProbationTimer;
  delete su.suProbationTimer;
  su.escalation = { ...su.escalation, level: 2 };
  for (const c of su.comps) c.intent = 'disable';
  delete su.job;
  updateSuPresence(k, su, cause);
  k.setSuOperational(su, 'disabled', cause);
  k.log('warning', `su ${su.dn}: SU failover (${cause}); ` +
    (su.sg.model.autoRepair ? 'auto-repair will instantiate it again once it is terminated' : 'the SU stays DISABLED and out of service until repaired'));
  suLeftService(k, su);
  startSuJob(k, su, 'terminate', false, 'SU failover');
}

function nodeFailover(k: Core, c: CompRt, recovery: Recovery, source: string, cause: string): void {
  const node = c.node;
  k.log('notice', `Error detected for '${c.dn}' (${cause}), recovery action: ${recovery} (${source}): every SU on node ${node} is failed over`);
  k.log('warning', `node ${node}: ${recovery} of '${c.dn}': the node is not rebooted (Ringfort does not reboot nodes); its SUs are failed over`);
  for (const su of k.world.sus) {
    if (su.node !== node || su.operational !== 'enabled') continue;
    if (!su.comps.some((x) => x.intent === 'run')) continue;
    suFailover(k, su, `${recovery} of ${c.dn}`);
  }
}

export function onProbationTimer(k: Core, su: SuRt, which: 'component' | 'su' | 'repair', timerId: number): void {
  if (which === 'repair') {
    if (su.repairProbationTimer === timerId) delete su.repairProbationTimer;
  } else if (which === 'component' && su.compProbationTimer === timerId) {
    delete su.compProbationTimer;
    su.escalation = probationExpired(su.escalation, 'component');
    k.log('info', `su ${su.dn}: component restart probation expired: component restart count reset (escalation level ${su.escalation.level})`);
  } else if (which === 'su' && su.suProbationTimer === timerId) {
    delete su.suProbationTimer;
    su.escalation = probationExpired(su.escalation, 'su');
    k.log('info', `su ${su.dn}: SU restart probation expired: restart counts reset (escalation level ${su.escalation.level})`);
  }
}

/**
 * Auto-repair of a failed-over SU, once it is terminated, when its SG says
 * auto_repair=yes (saAmfSGAutoRepair): its escalation starts afresh and it is
 * instantiated again; in service, the redundancy model gives it work (a
 * standby, typically). An SU whose components failed to instantiate or
 * terminate is not repaired automatically, nor is one that fails over again
 * within unit_restart_probation of its last repair.
 */
export function autoRepair(k: Core, su: SuRt): void {
  if (!su.sg.model.autoRepair || su.presence !== 'uninstantiated') return;
  if (su.comps.some((c) => c.operational !== 'enabled' || c.presence !== 'uninstantiated')) return;
  if (su.repairProbationTimer !== undefined) {
    k.log('warning', `su ${su.dn}: not auto-repaired: it failed over again within ${su.sg.model.unitRestartProbationMs} ms of its last repair`);
    return;
  }
  k.log('notice', `su ${su.dn}: auto-repair: instantiating the SU again after its failover`);
  su.escalation = INITIAL_COUNTERS;
  su.repairProbationTimer = k.setTimer(su.node, su.sg.model.unitRestartProbationMs, { kind: 'probation', su, which: 'repair' });
  k.setSuOperational(su, 'enabled', 'auto-repair');
  startSuJob(k, su, 'instantiate', true, 'auto-repair');
}
