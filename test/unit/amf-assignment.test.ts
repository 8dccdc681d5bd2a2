// Redundancy models as pure plans: the N+M reduction procedure level by level
// (openais EARLY assign_sis, shared/reference/openais.md §6), N+M, 2N and
// No-Redundancy assignment and failover (spec B.02.01 §3.7.2, §3.7.3, §3.7.6).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planAssignments, type Plan, type PlanInput, type Role } from '../../amf/engine/assignment.js';
import { nplusmReduction } from '../../amf/engine/reduction.js';

/** openais-early.conf: 2 SIs, preferred 2 active / 2 standby, at most 2 active / 4 standby SIs per SU. */
const EARLY = { sis: 2, prefActive: 2, prefStandby: 2, maxActive: 2, maxStandby: 4 };

describe('N+M reduction procedure (openais EARLY assign_sis, six levels)', () => {
  it('level VI: "ins < act_needed": fewer SUs in service than the actives needed; all active, SIs drop out', () => {
    // 4 SIs at most 1 per SU: act_needed = 4; 2 SUs in service.
    assert.deepEqual(nplusmReduction({ inService: 2, sis: 4, prefActive: 4, prefStandby: 1, maxActive: 1, maxStandby: 4 }),
      { level: 'VI', activeSus: 2, standbySus: 0, spareSus: 0 });
  });

  it('level V: "ins < act_needed + stby_needed": actives first, standbys from what is left over (u_stby)', () => {
    // The sample with one SU up: it takes both SIs active (openais: "the first SU gets both SIs active").
    assert.deepEqual(nplusmReduction({ inService: 1, ...EARLY }), { level: 'V', activeSus: 1, standbySus: 0, spareSus: 0 });
    // act_needed 2 + stby_needed 2 > 3 in service: 2 active, min(2, 3 - 1) clamped to the 1 SU left.
    assert.deepEqual(nplusmReduction({ inService: 3, sis: 4, prefActive: 1, prefStandby: 1, maxActive: 2, maxStandby: 2 }),
      { level: 'V', activeSus: 2, standbySus: 1, spareSus: 0 });
  });

  it('level IV: "max_stby * u_stby <= si": ins - stby_needed active, stby_needed standby', () => {
    assert.deepEqual(nplusmReduction({ inService: 2, ...EARLY }), { level: 'IV', activeSus: 1, standbySus: 1, spareSus: 0 });
  });

  it('level III: "max_act * u_act <= si": pref_act active, u_stby standby', () => {
    assert.deepEqual(nplusmReduction({ inService: 3, ...EARLY }), { level: 'III', activeSus: 2, standbySus: 1, spareSus: 0 });
  });

  it('level II: "spare == 0": exactly the preferred numbers', () => {
    assert.deepEqual(nplusmReduction({ inService: 4, ...EARLY }), { level: 'II', activeSus: 2, standbySus: 2, spareSus: 0 });
  });

  it('level I: more SUs than preferred: pref_act active, pref_stby standby, the rest spares', () => {
    assert.deepEqual(nplusmReduction({ inService: 6, ...EARLY }), { level: 'I', activeSus: 2, standbySus: 2, spareSus: 2 });
  });

  it('never plans more SUs than are in service, nor negative counts (property)', () => {
    fc.assert(fc.property(
      fc.record({
        inService: fc.nat(12), sis: fc.nat(12), prefActive: fc.integer({ min: 1, max: 6 }), prefStandby: fc.nat(6),
        maxActive: fc.integer({ min: 1, max: 6 }), maxStandby: fc.integer({ min: 1, max: 6 }),
      }),
      (p) => {
        const r = nplusmReduction(p);
        assert.ok(r.activeSus >= 0 && r.standbySus >= 0 && r.spareSus >= 0);
        assert.equal(r.activeSus + r.standbySus + r.spareSus, p.inService);
      },
    ), { seed: 3, numRuns: 300 });
  });
});

function input(p: Partial<PlanInput> & Pick<PlanInput, 'model' | 'sus' | 'sis'>): PlanInput {
  return { prefActive: 1, prefStandby: 1, maxActive: p.sis.length || 1, maxStandby: p.sis.length || 1, current: [], ...p };
}

function show(plan: Plan): string[] {
  return [
    ...plan.promote.map((p) => `promote ${p.si}@${p.su}`),
    ...plan.remove.map((r) => `remove ${r.si}@${r.su}`),
    ...plan.add.map((a) => `${a.role} ${a.si}@${a.su}`),
  ];
}

/** The assignments after applying a plan. */
function apply(i: PlanInput, plan: Plan): PlanInput['current'] {
  const m = new Map(i.current.map((a) => [`${a.si}@${a.su}`, a] as const));
  for (const p of plan.promote) m.set(`${p.si}@${p.su}`, { ...p, role: 'active' });
  for (const r of plan.remove) m.delete(`${r.si}@${r.su}`);
  for (const a of plan.add) m.set(`${a.si}@${a.su}`, a);
  return [...m.values()];
}

describe('redundancy models (spec B.02.01 §3.7)', () => {
  it('N+M, all 4 SUs of the openais sample in service: level II, SU_1/SU_2 active, SU_3/SU_4 standby (openais.md §6)', () => {
    const plan = planAssignments(input({ model: 'nplusm', ...EARLY, sus: ['SU_1', 'SU_2', 'SU_3', 'SU_4'], sis: ['SI_1', 'SI_2'] }));
    assert.equal(plan.level, 'II');
    assert.deepEqual(show(plan), ['active SI_1@SU_1', 'active SI_2@SU_2', 'standby SI_1@SU_3', 'standby SI_2@SU_4']);
  });

  it('N+M, one SU in service: level V, it takes both SIs active and there is no standby', () => {
    const plan = planAssignments(input({ model: 'nplusm', ...EARLY, sus: ['SU_1'], sis: ['SI_1', 'SI_2'] }));
    assert.equal(plan.level, 'V');
    assert.deepEqual(show(plan), ['active SI_1@SU_1', 'active SI_2@SU_1']);
  });

  it('N+M failover (§3.7.3): the standby SU takes over, and with one SU less the procedure goes to level III', () => {
    const current = [
      { si: 'SI_1', su: 'SU_1', role: 'active' }, { si: 'SI_2', su: 'SU_2', role: 'active' },
      { si: 'SI_1', su: 'SU_3', role: 'standby' }, { si: 'SI_2', su: 'SU_4', role: 'standby' },
    ] as const;
    const plan = planAssignments(input({ model: 'nplusm', ...EARLY, sus: ['SU_2', 'SU_3', 'SU_4'], sis: ['SI_1', 'SI_2'], current: [...current] }));
    assert.equal(plan.level, 'III');
    assert.deepEqual(show(plan), ['promote SI_1@SU_3', 'standby SI_1@SU_4']);
  });

  it('N+M: an SU is active or standby, never both: a promoted SU gives up its other standbys (§3.7.3)', () => {
    const current = [
      { si: 'SI_1', su: 'SU_1', role: 'active' }, { si: 'SI_2', su: 'SU_2', role: 'active' },
      { si: 'SI_1', su: 'SU_3', role: 'standby' }, { si: 'SI_2', su: 'SU_3', role: 'standby' },
    ] as const;
    const plan = planAssignments(input({
      model: 'nplusm', prefActive: 2, prefStandby: 1, maxActive: 1, maxStandby: 2, sus: ['SU_2', 'SU_3'], sis: ['SI_1', 'SI_2'],
      current: [...current],
    }));
    assert.deepEqual(show(plan), ['promote SI_1@SU_3', 'remove SI_2@SU_3']);
  });

  it('N+M level VI: with too few SUs the lowest-ranked SIs stay unassigned', () => {
    const plan = planAssignments(input({
      model: 'nplusm', prefActive: 3, prefStandby: 1, maxActive: 1, maxStandby: 3, sus: ['SU_1', 'SU_2'], sis: ['SI_1', 'SI_2', 'SI_3'],
    }));
    assert.equal(plan.level, 'VI');
    assert.deepEqual(show(plan), ['active SI_1@SU_1', 'active SI_2@SU_2']);
  });

  it('2N (§3.7.2): one SU active for every SI, the next standby for every SI, the rest spare', () => {
    const plan = planAssignments(input({ model: '2n', sus: ['SU_1', 'SU_2', 'SU_3'], sis: ['SI_1', 'SI_2'] }));
    assert.deepEqual(show(plan), ['active SI_1@SU_1', 'active SI_2@SU_1', 'standby SI_1@SU_2', 'standby SI_2@SU_2']);
  });

  it('2N failover: the standby SU takes every SI over, and the spare becomes the new standby', () => {
    const current: PlanInput['current'] = [
      { si: 'SI_1', su: 'SU_2', role: 'standby' }, { si: 'SI_2', su: 'SU_2', role: 'standby' },
    ];
    const plan = planAssignments(input({ model: '2n', sus: ['SU_2', 'SU_3'], sis: ['SI_1', 'SI_2'], current }));
    assert.deepEqual(show(plan), ['promote SI_1@SU_2', 'promote SI_2@SU_2', 'standby SI_1@SU_3', 'standby SI_2@SU_3']);
  });

  it('2N with one SU: active, no standby; a second SU later becomes standby without moving the active', () => {
    const one = input({ model: '2n', sus: ['SU_2'], sis: ['SI_1'] });
    const p1 = planAssignments(one);
    assert.deepEqual(show(p1), ['active SI_1@SU_2']);
    const p2 = planAssignments({ ...one, sus: ['SU_1', 'SU_2'], current: apply(one, p1) });
    assert.deepEqual(show(p2), ['standby SI_1@SU_1']);
  });

  it('No-Redundancy (§3.7.6): each SI on one SU, each SU at most one SI; a spare SU takes a failed one\'s SI', () => {
    const i = input({ model: 'noredundancy', sus: ['SU_1', 'SU_2'], sis: ['SI_1', 'SI_2', 'SI_3'] });
    const p = planAssignments(i);
    assert.deepEqual(show(p), ['active SI_1@SU_1', 'active SI_2@SU_2']);
    const after = apply(i, p).filter((a) => a.su !== 'SU_1');
    assert.deepEqual(show(planAssignments({ ...i, sus: ['SU_2', 'SU_3'], current: after })), ['active SI_1@SU_3']);
  });

  it('N-Way and N-Way-Active: not supported, nothing planned', () => {
    for (const model of ['nway', 'nwayactive'] as const) {
      const p = planAssignments(input({ model, sus: ['SU_1'], sis: ['SI_1'] }));
      assert.equal(p.supported, false);
      assert.deepEqual(show(p), []);
    }
  });

  it('a plan only fills gaps: planning again after applying it plans nothing; one ACTIVE and at most one STANDBY per SI (property)', () => {
    const model = fc.constantFrom('2n' as const, 'nplusm' as const, 'noredundancy' as const);
    fc.assert(fc.property(model, fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }),
      fc.array(fc.nat(5), { maxLength: 4 }),
      (m, nSus, nSis, prefActive, prefStandby, maxActive, maxStandby, failures) => {
        const all = Array.from({ length: nSus }, (_, i) => `SU_${i + 1}`);
        const sis = Array.from({ length: nSis }, (_, i) => `SI_${i + 1}`);
        let i: PlanInput = { model: m, prefActive, prefStandby, maxActive, maxStandby, sus: all, sis, current: [] };
        for (const f of [...failures, -1]) {
          const plan = planAssignments(i);
          const current = apply(i, plan);
          assert.deepEqual(show(planAssignments({ ...i, current })), [], 'planning again changes nothing');
          for (const si of sis) {
            const roles = current.filter((a) => a.si === si).map((a) => a.role);
            assert.ok(roles.filter((r: Role) => r === 'active').length <= 1);
            assert.ok(roles.filter((r: Role) => r === 'standby').length <= 1);
          }
          if (m === 'nplusm') {
            for (const su of i.sus) {
              const rs = new Set(current.filter((a) => a.su === su).map((a) => a.role));
              assert.ok(rs.size <= 1, `${su} is active or standby, not both`);
            }
          }
          // An SU fails: drop it and its assignments.
          const gone = i.sus[f % Math.max(i.sus.length, 1)];
          i = { ...i, sus: i.sus.filter((s) => s !== gone), current: current.filter((a) => a.su !== gone) };
        }
      },
    ), { seed: 7, numRuns: 300 });
  });
});
