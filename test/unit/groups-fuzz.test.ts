// groups.conf on hostile input: whatever the text, the loader returns a model
// or throws ConfigErrors of well-formed ConfigErrors, and nothing else.
// Deterministic: a fixed seed; a failure prints the seed and path to replay it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fc from 'fast-check';
import { ConfigError, ConfigErrors } from '../../aisexec/config/diagnostics.js';
import { parseGroupsConf } from '../../amf/config/groups.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';

const SEED = 20060515; // EARLY's date
const FIXTURE = fs.readFileSync('test/fixtures/groups/openais-early.conf', 'utf8');

/** Parse, and check the outcome keeps the contract. */
function check(text: string): void {
  let model;
  try {
    model = parseGroupsConf(text, 'f.conf');
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.ok(e.errors.length > 0);
    const lines = text.split('\n').length;
    for (const x of e.errors) {
      assert.ok(x instanceof ConfigError);
      assert.equal(x.file, 'f.conf');
      assert.ok(Number.isInteger(x.line) && x.line >= 1 && x.line <= lines, `line ${x.line} of ${lines}`);
      assert.ok(Number.isInteger(x.col) && x.col >= 1, `col ${x.col}`);
      assert.match(x.detail, /^expected .*, found /s);
      assert.ok(!x.detail.includes('\n'), 'one line per error');
    }
    return;
  }
  assert.ok(Object.isFrozen(model) && Object.isFrozen(model.sgs) && Object.isFrozen(model.healthchecks));
}

// Pieces of groups.conf, so that random text often reaches deep into the grammar.
const FRAGMENTS = [
  'group {', 'unit {', 'component {', 'csi_type_name {', 'serviceinstance {', 'csi_descriptor {', 'name_value {',
  'healthcheck {', '{', '}', '=', ' = ', '\n', '\n', '\n', '\t', ' ', '#', '\r', '\uFEFF', '\u0000', 'é', '\ud800',
  'name', 'model', 'key', 'period', 'maximum_duration', 'comptype', 'csi_name', 'type_name', 'value', 'node',
  'clccli_path', 'bn', 'instantiate_timeout', 'preferred-active-units', '__proto__', 'constructor', 'toString',
  '2n', 'nway', 'sa_aware', 'non_proxied_non_sa_aware', '0', '1', '-1', '4294967296', '99999999999999999999',
  'x', 'SU_1', 'a,b', '/tmp/p', '../rel', 'k'.repeat(40), 'n'.repeat(130),
];

// Any ASCII, plus characters that stress encodings: multi-byte, astral, BOM, line separators, a lone surrogate.
const charArb = fc.oneof(
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
  fc.constantFrom('é', '€', '\u{1F600}', '\uFEFF', '\u2028', '\u0085', '\ud800', '\udfff', '\uFFFD'),
);

const textArb = fc.oneof(
  fc.string({ unit: charArb, maxLength: 300 }),
  fc.string({ unit: fc.constantFrom('{', '}', '=', '\n', ' ', '\t', '#', 'a', '1', '-'), maxLength: 300 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 120 }).map((a) => a.join('')),
);

type Mutation =
  | { op: 'delete-line' | 'duplicate-line'; at: number }
  | { op: 'swap-lines'; at: number; to: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'cut'; at: number; length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete-line' as const, 'duplicate-line' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-lines' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary-ascii', maxLength: 8 })) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const i = m.at % Math.max(lines.length, 1);
  switch (m.op) {
    case 'delete-line':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'duplicate-line':
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    case 'swap-lines': {
      const j = m.to % Math.max(lines.length, 1);
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      return lines.join('\n');
    }
    case 'insert': {
      const p = m.at % (text.length + 1);
      return text.slice(0, p) + m.text + text.slice(p);
    }
    case 'cut': {
      const p = m.at % (text.length + 1);
      return text.slice(0, p) + text.slice(p + m.length);
    }
  }
}

describe('groups.conf: any input gives a model or ConfigErrors (property, seeded)', () => {
  shallowStacksDuringBlock();

  it('random text (1200 runs)', () => {
    fc.assert(fc.property(textArb, check), { seed: SEED, numRuns: 1200 });
  });

  it('random mutations of the EARLY fixture (800 runs)', () => {
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 6 }), (ms) => check(ms.reduce(mutate, FIXTURE))),
      { seed: SEED + 1, numRuns: 800 },
    );
  });
});
