// Recovery escalation per SU (specification B.02.01 §3.12.2; OpenSAF
// amfnd/err.cc levels), as a pure decision on counters.
//
//   level 0  component restart. Component restarts of the SU are counted; the
//            count starts a probation of component_restart_probation ms.
//   level 1  SU restart. Reached by the fault that finds component_restart_max
//            restarts already counted inside the probation. SU restarts are
//            counted likewise within unit_restart_probation.
//   level 2  SU failover. Reached by the fault that finds unit_restart_max SU
//            restarts already counted inside the probation.
//
// So with component_restart_max = N the first N faults inside the probation
// restart the component and fault N+1 restarts the SU; with
// unit_restart_max = M the next M faults restart the SU and the one after
// fails the SU over. A maximum of 0 skips its level. When a probation expires
// (a timer, see recovery.ts) its counter is reset: the component probation
// resets the component restart count, the SU probation resets both counts and
// the level to 0. openais EARLY counted without probation, LATER documented
// the probation timers but never implemented them.
import { assert } from '../../lib-ais/errors.js';

export type EscalationLevel = 0 | 1 | 2;
export type EscalationAction = 'componentRestart' | 'suRestart' | 'suFailover';

export interface EscalationCounters {
  readonly level: EscalationLevel;
  /** Component restarts counted in the current component-restart probation. */
  readonly compRestarts: number;
  /** SU restarts counted in the current SU-restart probation. */
  readonly suRestarts: number;
}

export interface EscalationLimits {
  readonly componentRestartMax: number;
  readonly unitRestartMax: number;
}

export interface EscalationDecision {
  action: EscalationAction;
  counters: EscalationCounters;
  /** The count at this level went from 0 to 1: start its probation timer. */
  startProbation?: 'component' | 'su';
  /** The level went up: stop the probation timer of the level left (and its count is reset). */
  stopProbation?: 'component' | 'su';
}

export const INITIAL_COUNTERS: EscalationCounters = { level: 0, compRestarts: 0, suRestarts: 0 };

/** What to do about one more fault of a component of this SU. */
export function escalate(c: EscalationCounters, limits: EscalationLimits): EscalationDecision {
  assert(c.compRestarts >= 0 && c.suRestarts >= 0, 'escalation counters are not negative');
  let stopProbation: EscalationDecision['stopProbation'];
  let level = c.level;
  let compRestarts = c.compRestarts;
  let suRestarts = c.suRestarts;
  if (level === 0) {
    if (compRestarts < limits.componentRestartMax) {
      compRestarts++;
      return {
        action: 'componentRestart',
        counters: { level, compRestarts, suRestarts },
        ...(compRestarts === 1 ? { startProbation: 'component' as const } : {}),
      };
    }
    level = 1;
    compRestarts = 0;
    stopProbation = 'component';
  }
  if (level === 1) {
    if (suRestarts < limits.unitRestartMax) {
      suRestarts++;
      return {
        action: 'suRestart',
        counters: { level, compRestarts, suRestarts },
        ...(suRestarts === 1 ? { startProbation: 'su' as const } : {}),
        ...(stopProbation ? { stopProbation } : {}),
      };
    }
    level = 2;
    // Leaving level 1: its probation no longer matters (level 0's was stopped on the way up, if running).
    stopProbation = stopProbation ?? 'su';
  }
  return { action: 'suFailover', counters: { level: 2, compRestarts, suRestarts }, stopProbation };
}

/** A probation timer expired without the level going up: reset what it guarded. */
export function probationExpired(c: EscalationCounters, which: 'component' | 'su'): EscalationCounters {
  if (which === 'component') return c.level === 0 ? { ...c, compRestarts: 0 } : c;
  return c.level === 1 ? INITIAL_COUNTERS : c;
}
