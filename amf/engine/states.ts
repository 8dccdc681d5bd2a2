// AMF state machines as transition tables over the string unions of types.ts.
//
// Each table lists, for every state, the states it may move to. A transition
// that is not in the table is a bug in the engine (DESIGN.md principle 8):
// `checkTransition` throws BugIndicatingError. The tables follow the AMF
// specification, B.01.01 §3.3 (state models) and B.02.01 §3.3/§3.5 as openais
// README.amf numbers them; each row says where it comes from. The readiness
// state is derived (§3.3.1.4, §3.3.2.3), so its "table" is a function.
import { assert } from '../../lib-ais/errors.js';
import type { AdminState, HaState, OperationalState, PresenceState, ReadinessState } from './types.js';

export type Table<S extends string> = Readonly<Record<S, readonly S[]>>;

/**
 * Component presence state, §3.3.2.1 (and SU presence, §3.3.1.1, which is
 * derived from it the same way).
 */
export const COMPONENT_PRESENCE: Table<PresenceState> = {
  // "AMF instantiates the component" (instantiate CLC-CLI).
  uninstantiated: ['instantiating'],
  // Success; all attempts failed; termination requested (stop, failover) while instantiating;
  // a cleanup after a failed attempt that itself failed.
  instantiating: ['instantiated', 'instantiationFailed', 'terminating', 'terminationFailed'],
  // Termination (stop, SU failover) or restart (recovery).
  instantiated: ['terminating', 'restarting'],
  // Restart completed; the re-instantiation failed; the cleanup failed; a stop while restarting.
  restarting: ['instantiated', 'instantiationFailed', 'terminationFailed', 'terminating'],
  // Terminated; the cleanup failed.
  terminating: ['uninstantiated', 'terminationFailed'],
  // Only the "repaired" administrative operation leaves the two failure states (§3.3.2.1, not supported yet).
  instantiationFailed: ['uninstantiated'],
  terminationFailed: ['uninstantiated'],
};

/**
 * SU presence state, §3.3.1.1: an aggregate of its components' presence. A
 * component restart (escalation level 0) leaves the SU INSTANTIATED; an SU
 * restart moves it to RESTARTING. A failed component makes the SU fail.
 */
export const SU_PRESENCE: Table<PresenceState> = {
  uninstantiated: ['instantiating'],
  instantiating: ['instantiated', 'instantiationFailed', 'terminating', 'terminationFailed'],
  // restarting: SU restart; the failure states: a component restart inside the SU failed.
  instantiated: ['terminating', 'restarting', 'instantiationFailed', 'terminationFailed'],
  restarting: ['instantiated', 'instantiationFailed', 'terminationFailed', 'terminating'],
  terminating: ['uninstantiated', 'terminationFailed'],
  instantiationFailed: ['uninstantiated'],
  terminationFailed: ['uninstantiated'],
};

/** Operational state, §3.3.1.2 / §3.3.2.2: ENABLED until a fault AMF cannot repair by restarting; DISABLED until repaired. */
export const OPERATIONAL: Table<OperationalState> = {
  enabled: ['disabled'],
  disabled: ['enabled'],
};

/**
 * Administrative state, §3.3.1.3 (SU, SG, SI; an SI has no LOCKED_INSTANTIATION):
 * lock, unlock, shutdown (which ends in LOCKED), lock-instantiation,
 * unlock-instantiation.
 */
export const ADMIN: Table<AdminState> = {
  unlocked: ['locked', 'shuttingDown'],
  shuttingDown: ['locked', 'unlocked'],
  locked: ['unlocked', 'lockedInstantiation'],
  lockedInstantiation: ['locked'],
};

/**
 * HA state of a component for a CSI (and of an SU for an SI), §3.3.2.4 /
 * §3.3.1.5. A new assignment starts ACTIVE or STANDBY (`null` is "no
 * assignment"); STANDBY becomes ACTIVE at failover or switchover; ACTIVE is
 * quiesced (at once: QUIESCED; gracefully: QUIESCING then QUIESCED) before it
 * is removed or handed over; a QUIESCED assignment can go back to ACTIVE or
 * become STANDBY (si-swap). Removal is possible from any state.
 */
export const HA: Table<HaState | 'none'> = {
  none: ['active', 'standby'],
  active: ['quiescing', 'quiesced', 'none'],
  standby: ['active', 'none'],
  quiescing: ['quiesced', 'active', 'none'],
  quiesced: ['active', 'standby', 'none'],
};

export type Machine = 'presence' | 'suPresence' | 'operational' | 'admin' | 'ha';

const TABLES: Readonly<Record<Machine, Table<string>>> = {
  presence: COMPONENT_PRESENCE,
  suPresence: SU_PRESENCE,
  operational: OPERATIONAL,
  admin: ADMIN,
  ha: HA,
};

export function isLegal(machine: Machine, from: string, to: string): boolean {
  const next = (TABLES[machine] as Record<string, readonly string[] | undefined>)[from];
  return next !== undefined && next.includes(to);
}

/** Throws BugIndicatingError when `from -> to` is not in the machine's table. */
export function checkTransition(machine: Machine, entity: string, from: string, to: string, cause: string): void {
  assert(isLegal(machine, from, to), `illegal ${machine} transition of ${entity}: ${stateName(from)} -> ${stateName(to)} (${cause})`);
}

/**
 * Readiness, §3.3.1.4 (SU) and §3.3.2.3 (component): IN_SERVICE when enabled,
 * unlocked all the way up and instantiated (or restarting: a restart is a
 * repair in place, not a loss of service); STOPPING when the same holds but an
 * administrative state is SHUTTING_DOWN; OUT_OF_SERVICE otherwise.
 */
export function suReadiness(s: {
  operational: OperationalState; presence: PresenceState; admins: readonly AdminState[];
}): ReadinessState {
  if (s.operational !== 'enabled') return 'outOfService';
  if (s.presence !== 'instantiated' && s.presence !== 'restarting') return 'outOfService';
  if (s.admins.every((a) => a === 'unlocked')) return 'inService';
  if (s.admins.every((a) => a === 'unlocked' || a === 'shuttingDown')) return 'stopping';
  return 'outOfService';
}

/** A component is as ready as its SU, provided it is enabled and instantiated (or restarting). */
export function componentReadiness(c: {
  operational: OperationalState; presence: PresenceState; su: ReadinessState;
}): ReadinessState {
  if (c.operational !== 'enabled') return 'outOfService';
  if (c.presence !== 'instantiated' && c.presence !== 'restarting') return 'outOfService';
  return c.su;
}

const NAMES: Readonly<Record<string, string>> = {
  uninstantiated: 'UNINSTANTIATED', instantiating: 'INSTANTIATING', instantiated: 'INSTANTIATED',
  terminating: 'TERMINATING', restarting: 'RESTARTING', instantiationFailed: 'INSTANTIATION_FAILED',
  terminationFailed: 'TERMINATION_FAILED', enabled: 'ENABLED', disabled: 'DISABLED',
  outOfService: 'OUT_OF_SERVICE', inService: 'IN_SERVICE', stopping: 'STOPPING',
  unlocked: 'UNLOCKED', locked: 'LOCKED', lockedInstantiation: 'LOCKED_INSTANTIATION', shuttingDown: 'SHUTTING_DOWN',
  active: 'ACTIVE', standby: 'STANDBY', quiescing: 'QUIESCING', quiesced: 'QUIESCED', none: 'NONE',
  unassigned: 'UNASSIGNED', fullyAssigned: 'FULLY_ASSIGNED', partiallyAssigned: 'PARTIALLY_ASSIGNED',
};

/** The specification's spelling of a state, for logs: `instantiationFailed` -> `INSTANTIATION_FAILED`. */
export function stateName(s: string): string {
  return NAMES[s] ?? s;
}
