// Cluster start and orderly stop.
//
// clusterStart instantiates every SU (components one at a time in
// configuration order, SUs side by side); each SG makes its first assignment
// once all its SUs have finished instantiating. clusterStop takes the work
// away first (a component holding CSIs ACTIVE is quiesced, CSI set QUIESCING
// until saAmfCSIQuiescingComplete; then one CSI remove callback per component;
// each bounded by the component's callback timeout), then terminates each SU's components in
// reverse configuration order (dependents first: the terminate callback, then
// TERMINATE, then CLEANUP), SUs side by side, and emits `stopped` exactly once
// when every component is down (or failed to terminate).
import type { Core } from './core.js';
import { startSuJob } from './lifecycle.js';
import { autoRepair, recoverySupported, recoveryWord } from './recovery.js';
import type { SuRt } from './runtime.js';
import { assignSg, removeAllOfSu } from './workload.js';

export function clusterStart(k: Core): void {
  if (k.cluster !== 'idle') {
    k.log('warning', `clusterStart ignored: the cluster is ${k.cluster}`);
    return;
  }
  k.cluster = 'started';
  k.log('notice', `AMF cluster start: ${k.world.sus.length} SU${k.world.sus.length === 1 ? '' : 's'} to instantiate`);
  for (const c of k.world.comps) {
    if (c.unsupported) k.log('warning', `comp ${c.dn}: category ${c.model.category} is not supported yet: it is not instantiated`);
    else if (!recoverySupported(c.model.recoveryOnError)) {
      k.log('warning', `comp ${c.dn}: recovery_on_error ${recoveryWord(c.model.recoveryOnError)} is not supported: ` +
        'errors the AMF detects on it get component restart through escalation');
    }
  }
  for (const su of k.world.sus) {
    if (su.admin === 'lockedInstantiation') continue;
    startSuJob(k, su, 'instantiate', true, 'cluster start');
  }
  for (const sg of k.world.sgs) assignSg(k, sg);
}

export function clusterStop(k: Core): void {
  if (k.cluster === 'stopping' || k.cluster === 'stopped') {
    k.log('info', `clusterStop ignored: the cluster is already ${k.cluster}`);
    return;
  }
  const wasStarted = k.cluster === 'started';
  k.cluster = 'stopping';
  k.log('notice', 'AMF cluster stop: quiescing ACTIVE assignments, removing assignments, then terminating every component');
  if (wasStarted) {
    for (const su of k.world.sus) {
      su.stopping = 'removing';
      for (const c of su.comps) c.intent = 'stop';
    }
    for (const su of k.world.sus) {
      if (su.stopping === 'removing' && !removeAllOfSu(k, su)) terminateSu(k, su);
    }
  }
  checkStopped(k);
}

function terminateSu(k: Core, su: SuRt): void {
  su.stopping = 'terminating';
  startSuJob(k, su, 'terminate', true, 'cluster stop');
}

/** A CSI remove was answered (or timed out): when the SU holds nothing more, terminate it. */
export function removalDone(k: Core, su: SuRt): void {
  if (su.stopping !== 'removing') return;
  for (const q of k.quiescing.values()) if (q.comp.su === su) return;
  for (const c of su.comps) if (k.csiAssignmentsOfComp(c).some((a) => a.status === 'removing')) return;
  terminateSu(k, su);
}

/** An SU's termination job finished. */
export function suTerminated(k: Core, su: SuRt): void {
  if (su.stopping === 'terminating') su.stopping = 'done';
  else if (k.cluster === 'started' && su.operational === 'disabled') autoRepair(k, su);
  checkStopped(k);
}

function checkStopped(k: Core): void {
  if (k.cluster !== 'stopping') return;
  for (const su of k.world.sus) {
    if (su.stopping !== undefined && su.stopping !== 'done') return;
    if (su.job) return;
    if (su.comps.some((c) => c.activity.kind !== 'idle')) return;
  }
  k.cluster = 'stopped';
  k.log('notice', 'AMF cluster stopped: every component is terminated');
  k.emit({ type: 'stopped' });
}
