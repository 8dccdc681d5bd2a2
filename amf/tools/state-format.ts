// Renders an AMF snapshot the way OpenSAF's amf-state prints states:
// the DN on its own line, then `\tattrName=NAME(number)` per state.
import type { AmfSnapshot } from '../engine/types.js';

const NAMES = {
  admin: { unlocked: ['UNLOCKED', 1], locked: ['LOCKED', 2], lockedInstantiation: ['LOCKED-INSTANTIATION', 3], shuttingDown: ['SHUTTING-DOWN', 4] },
  oper: { enabled: ['ENABLED', 1], disabled: ['DISABLED', 2] },
  presence: {
    uninstantiated: ['UNINSTANTIATED', 1], instantiating: ['INSTANTIATING', 2], instantiated: ['INSTANTIATED', 3],
    terminating: ['TERMINATING', 4], restarting: ['RESTARTING', 5], instantiationFailed: ['INSTANTIATION-FAILED', 6],
    terminationFailed: ['TERMINATION-FAILED', 7],
  },
  readiness: { outOfService: ['OUT-OF-SERVICE', 1], inService: ['IN-SERVICE', 2], stopping: ['STOPPING', 3] },
  ha: { active: ['ACTIVE', 1], standby: ['STANDBY', 2], quiesced: ['QUIESCED', 3], quiescing: ['QUIESCING', 4] },
  assignment: { unassigned: ['UNASSIGNED', 1], fullyAssigned: ['FULLY_ASSIGNED', 2], partiallyAssigned: ['PARTIALLY_ASSIGNED', 3] },
} as const;

function v<K extends keyof typeof NAMES>(kind: K, value: string | undefined): string {
  if (value === undefined) return '<Empty>';
  const e = (NAMES[kind] as Record<string, readonly [string, number]>)[value];
  return e ? `${e[0]}(${e[1]})` : `UNKNOWN(${value})`;
}

export const CLASSES = ['comp', 'su', 'sg', 'si', 'siass', 'csiass'] as const;
export type StateClass = (typeof CLASSES)[number];

export interface StateObject {
  dn: string;
  states: Record<string, string>;
}

/** The objects of one class, each with its states as `attr -> NAME(n)`, filtered by a DN part. */
export function stateObjects(s: AmfSnapshot, cls: StateClass, filter?: string): StateObject[] {
  const rows: StateObject[] = (() => {
    switch (cls) {
      case 'comp':
        return s.components.map((c) => ({ dn: c.dn, states: {
          saAmfCompOperState: v('oper', c.operational), saAmfCompPresenceState: v('presence', c.presence), saAmfCompReadinessState: v('readiness', c.readiness),
        } }));
      case 'su':
        return s.sus.map((u) => ({ dn: u.dn, states: {
          saAmfSUAdminState: v('admin', u.admin), saAmfSUOperState: v('oper', u.operational), saAmfSUPresenceState: v('presence', u.presence),
          saAmfSUReadinessState: v('readiness', u.readiness),
        } }));
      case 'sg':
        return s.sgs.map((g) => ({ dn: g.dn, states: { saAmfSGAdminState: v('admin', g.admin) } }));
      case 'si':
        return s.sis.map((i) => ({ dn: i.dn, states: { saAmfSIAdminState: v('admin', i.admin), saAmfSIAssignmentState: v('assignment', i.assignment) } }));
      case 'siass':
        return s.siAssignments.map((a) => ({ dn: `safSISU=${a.su.replace(/,/g, '\\,')},${a.si}`, states: { saAmfSISUHAState: v('ha', a.haState) } }));
      case 'csiass':
        return s.csiAssignments.map((a) => ({ dn: `safCSIComp=${a.comp.replace(/,/g, '\\,')},${a.csi}`, states: { saAmfCSICompHAState: v('ha', a.haState) } }));
    }
  })();
  if (filter === undefined || filter === 'all') return rows;
  return rows.filter((r) => r.dn === filter || r.dn.includes(filter));
}

export function renderObjects(rows: StateObject[]): string {
  return rows.map((r) => [r.dn, ...Object.entries(r.states).map(([k, val]) => `\t${k}=${val}`)].join('\n')).join('\n');
}

/** With no class: the health summary OpenSAF prints. */
export function renderHealth(s: AmfSnapshot): string {
  const unassigned = s.sis.filter((i) => i.admin === 'unlocked' && i.assignment === 'unassigned').map((i) => i.dn);
  const disabled = s.sus.filter((u) => u.admin === 'unlocked' && u.operational === 'disabled').map((u) => u.dn);
  const section = (title: string, dns: string[]) => [title, ...dns.map((d) => `\t${d}`)].join('\n');
  return [section('Service Instances UNLOCKED and UNASSIGNED:', unassigned), section('Service Units UNLOCKED and DISABLED:', disabled)].join('\n');
}
