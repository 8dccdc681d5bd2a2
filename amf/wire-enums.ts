// Numeric SA Forum values on the wire <-> the engine's names. Anything a
// client sends outside the enumeration maps to undefined (answered INVALID_PARAM).
import type { HaState, HealthcheckInvocation, PgNotification } from './engine/types.js';
import { RECOVERIES } from './model.js';

const HA_STATES: readonly HaState[] = ['active', 'standby', 'quiesced', 'quiescing'];
const HC_INVOCATIONS: readonly HealthcheckInvocation[] = ['amfInvoked', 'componentInvoked'];
const PG_CHANGES: readonly PgNotification['change'][] = ['noChange', 'added', 'removed', 'stateChange'];
const PM_QUALIFIERS = ['proc', 'procAndDescendents', 'allProcesses'] as const;

const byNumber = <T>(list: readonly T[]) => (n: number): T | undefined => (Number.isInteger(n) && n >= 1 ? list[n - 1] : undefined);
const toNumber = <T>(list: readonly T[]) => (v: T): number => list.indexOf(v) + 1;

export const recoveryOf = byNumber(RECOVERIES);
export const hcInvocationOf = byNumber(HC_INVOCATIONS);
export const pmQualifierOf = byNumber(PM_QUALIFIERS);
export const haStateNumber = toNumber(HA_STATES);
export const pgChangeNumber = toNumber(PG_CHANGES);
