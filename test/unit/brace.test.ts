// The openais.conf brace format: every accepted form, every error class with
// its exact FILE:LINE:COL, and a fuzz property that nothing but ConfigErrors
// ever escapes the parser.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { BRACE_ERRORS_MAX, parseBrace, quote, type BraceEntry, type BraceItem, type BraceSection } from '../../aisexec/config/brace.js';
import { ConfigError, ConfigErrors } from '../../aisexec/config/diagnostics.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLE = fs.readFileSync(path.join(here, '../fixtures/openais/openais.conf'), 'utf8');

function entry(item: BraceItem | undefined): BraceEntry {
  assert.ok(item !== undefined && item.kind === 'entry', `expected an entry, got ${JSON.stringify(item)}`);
  return item;
}
function section(item: BraceItem | undefined): BraceSection {
  assert.ok(item !== undefined && item.kind === 'section', `expected a section, got ${JSON.stringify(item)}`);
  return item;
}
/** The error messages of a text that must not parse. */
function errorsOf(text: string, file = 'a.conf'): string[] {
  try {
    parseBrace(text, file);
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, `threw ${String(e)}`);
    for (const x of e.errors) assert.ok(x instanceof ConfigError);
    return e.errors.map((x) => x.message);
  }
  assert.fail('expected ConfigErrors');
}
/** A compact view of a tree: `name{...}` and `key=value`. */
function shape(items: BraceItem[]): string {
  return items.map((i) => (i.kind === 'entry' ? `${i.key}=${i.value}` : `${i.name}{${shape(i.items)}}`)).join(' ');
}

describe('brace parser: accepted forms', () => {
  it('reads sections and keys with the position of each name and value', () => {
    const root = parseBrace('totem {\n\tversion: 2\n\tinterface {\n\t\tbindnetaddr: 192.168.2.0\n\t}\n}\n', 'x.conf');
    assert.equal(root.name, '');
    assert.deepEqual(root.pos, { file: 'x.conf', line: 1, col: 1 });
    const totem = section(root.items[0]);
    assert.equal(totem.name, 'totem');
    assert.deepEqual(totem.pos, { file: 'x.conf', line: 1, col: 1 });
    const version = entry(totem.items[0]);
    assert.equal(version.key, 'version');
    assert.equal(version.value, '2');
    assert.deepEqual(version.keyPos, { file: 'x.conf', line: 2, col: 2 });
    assert.deepEqual(version.valuePos, { file: 'x.conf', line: 2, col: 11 });
    const iface = section(totem.items[1]);
    assert.deepEqual(iface.pos, { file: 'x.conf', line: 3, col: 2 });
    const bind = entry(iface.items[0]);
    assert.deepEqual([bind.keyPos.line, bind.keyPos.col, bind.valuePos.col], [4, 3, 16]);
  });

  it('keeps inner spaces of a value and trims its ends', () => {
    const e = entry(section(parseBrace('a {\n  key:   two  words here  \t\n}\n', 'f').items[0]).items[0]);
    assert.equal(e.value, 'two  words here');
    assert.equal(e.valuePos.col, 10);
  });

  it('takes everything after the first colon as the value (IPv6 addresses, times)', () => {
    const s = section(parseBrace('n {\nbindnetaddr: fec0::1:2\n}\n', 'f').items[0]);
    assert.equal(entry(s.items[0]).value, 'fec0::1:2');
  });

  it('keeps repeated sections and keys in order', () => {
    const root = parseBrace('totem {\ninterface {\nringnumber: 0\n}\ninterface {\nringnumber: 1\n}\n}\nservice {\nname: amf\n}\nservice {\nname: clm\nname: cfg\n}\n', 'f');
    assert.equal(shape(root.items), 'totem{interface{ringnumber=0} interface{ringnumber=1}} service{name=amf} service{name=clm name=cfg}');
  });

  it('skips comments in column 1, indented comments and blank lines', () => {
    const root = parseBrace('# top\n\n   # indented\n\t# tab\nlogging {\n  # inside\n\n  debug: on\n}\n', 'f');
    assert.equal(shape(root.items), 'logging{debug=on}');
  });

  it('ends a value at a "#" that follows a blank (openais sample: mode: disabled   # ...)', () => {
    const root = parseBrace('amf {\n\tmode: disabled      # README.amf: set to "enabled"\n}\n', 'f');
    const mode = entry(section(root.items[0]).items[0]);
    assert.equal(mode.value, 'disabled');
  });

  it('keeps a "#" that does not follow a blank as part of the value', () => {
    const root = parseBrace('logging {\nlogfile: /var/log/ais#1\n}\n', 'f');
    assert.equal(entry(section(root.items[0]).items[0]).value, '/var/log/ais#1');
  });

  it('accepts a section on one line, and ";" between items', () => {
    const root = parseBrace('logging { to_stderr: yes }\nevent { delivery_queue_size: 1000; delivery_queue_resume: 500 }\n', 'f');
    assert.equal(shape(root.items), 'logging{to_stderr=yes} event{delivery_queue_size=1000 delivery_queue_resume=500}');
    const ev = section(root.items[1]);
    assert.deepEqual([entry(ev.items[1]).keyPos.col, entry(ev.items[1]).valuePos.col], [36, 59]);
  });

  it('accepts nested sections and several closing braces on one line', () => {
    const root = parseBrace('totem { interface { ringnumber: 0 } }\nnodelist {\n node { ring0_addr: 10.0.0.1 }}\n', 'f');
    assert.equal(shape(root.items), 'totem{interface{ringnumber=0}} nodelist{node{ring0_addr=10.0.0.1}}');
  });

  it('accepts "name{" without a blank and "}" followed by a comment', () => {
    const root = parseBrace('amf{\nmode: enabled\n} # done\n', 'f');
    assert.equal(shape(root.items), 'amf{mode=enabled}');
  });

  it('accepts an empty value, positioned just after the colon', () => {
    const e = entry(section(parseBrace('a {\nlogfile:\n}\n', 'f').items[0]).items[0]);
    assert.equal(e.value, '');
    assert.deepEqual([e.valuePos.line, e.valuePos.col], [2, 9]);
  });

  it('accepts CRLF and CR line endings, a byte-order mark, and no final newline', () => {
    assert.equal(shape(parseBrace('\uFEFFa {\r\nk: v\r\n}', 'f').items), 'a{k=v}');
    const root = parseBrace('a {\rk: v\r}\r', 'f');
    assert.equal(entry(section(root.items[0]).items[0]).keyPos.line, 2);
  });

  it('reads an empty file, or one with only comments, as an empty root', () => {
    assert.deepEqual(parseBrace('', 'f').items, []);
    assert.deepEqual(parseBrace('# nothing\n\n', 'f').items, []);
  });

  it('accepts lines longer than openais\'s 255 characters', () => {
    const long = 'x'.repeat(1000);
    assert.equal(entry(section(parseBrace(`a {\nk: ${long}\n}\n`, 'f').items[0]).items[0]).value, long);
  });

  it('reads the openais EARLY sample', () => {
    const root = parseBrace(SAMPLE, 'openais.conf');
    assert.equal(
      shape(root.items),
      'totem{version=2 secauth=off threads=0 interface{ringnumber=0 bindnetaddr=192.168.2.0 mcastaddr=226.94.1.1 mcastport=5405}} ' +
        'logging{to_stderr=yes to_file=yes logfile=/tmp/ais debug=off timestamp=on} amf{mode=disabled}',
    );
  });
});

describe('brace parser: errors', () => {
  it('reports a missing closing brace at the end of the file at the opening', () => {
    assert.deepEqual(errorsOf('totem {\n\tversion: 2\n'), ['a.conf:1:1: expected "}" to close section "totem" opened here, found the end of the file']);
  });

  it('reports every section left open, in file order', () => {
    assert.deepEqual(errorsOf('totem {\n  interface {\n    ringnumber: 0\n'), [
      'a.conf:1:1: expected "}" to close section "totem" opened here, found the end of the file',
      'a.conf:2:3: expected "}" to close section "interface" opened here, found the end of the file',
    ]);
  });

  it('reports a stray closing brace', () => {
    assert.deepEqual(errorsOf('a {\n}\n  }\n'), ['a.conf:3:3: expected a key, a section or the end of the file, found "}" with no section open']);
  });

  it('reports a line that is neither a key, a section nor a brace', () => {
    assert.deepEqual(errorsOf('totem {\n  token 1000\n}\n'), ['a.conf:2:3: expected "key: value", "name {" or "}", found "token 1000"']);
  });

  it('reports an empty key', () => {
    assert.deepEqual(errorsOf('a {\n\t: 5\n}\n'), ['a.conf:2:2: expected a key before ":", found ":"']);
  });

  it('reports a key with blanks in it', () => {
    assert.deepEqual(errorsOf('a {\nto stderr: yes\n}\n'), ['a.conf:2:1: expected a key without blanks before ":", found "to stderr"']);
  });

  it('reports a "{" with no section name, and does not also report its "}"', () => {
    assert.deepEqual(errorsOf('{\nk: v\n}\n'), ['a.conf:1:1: expected a section name before "{", found "{"']);
  });

  it('reports a section name with a colon or blanks', () => {
    assert.deepEqual(errorsOf('totem: {\n}\nmy section {\n}\n'), [
      'a.conf:1:1: expected a section name before "{", found "totem:"',
      'a.conf:3:1: expected a section name before "{", found "my section"',
    ]);
  });

  it('reports every syntax error of a file in one throw, in file order', () => {
    assert.deepEqual(errorsOf('x\n}\na {\n: v\n'), [
      'a.conf:1:1: expected "key: value", "name {" or "}", found "x"',
      'a.conf:2:1: expected a key, a section or the end of the file, found "}" with no section open',
      'a.conf:3:1: expected "}" to close section "a" opened here, found the end of the file',
      'a.conf:4:1: expected a key before ":", found ":"',
    ]);
  });

  it('names the file it was given and counts a tab as one column', () => {
    assert.deepEqual(errorsOf('a {\n\t\tjunk\n}\n', '/etc/ais/openais.conf'), ['/etc/ais/openais.conf:2:3: expected "key: value", "name {" or "}", found "junk"']);
  });

  it('quotes, escapes and shortens what it found', () => {
    assert.equal(quote('a\tb"c'), '"a\\tb\\"c"');
    assert.equal(quote('x'.repeat(50)), `"${'x'.repeat(37)}..."`);
    assert.deepEqual(errorsOf('a {\n\u0000\u0007\n}\n'), ['a.conf:2:1: expected "key: value", "name {" or "}", found "\\u0000\\u0007"']);
  });

  it(`stops after ${BRACE_ERRORS_MAX} errors`, () => {
    assert.equal(errorsOf('}\n'.repeat(1000)).length, BRACE_ERRORS_MAX);
  });
});

describe('brace parser: fuzz', () => {
  shallowStacksDuringBlock();

  /** Parses, and accepts only success or ConfigErrors made of well-formed ConfigErrors. */
  function parsesOrConfigErrors(text: string): void {
    try {
      parseBrace(text, 'fuzz.conf');
    } catch (e) {
      if (!(e instanceof ConfigErrors)) throw e;
      assert.ok(e.errors.length >= 1 && e.errors.length <= BRACE_ERRORS_MAX);
      for (const x of e.errors) {
        assert.ok(x instanceof ConfigError);
        assert.ok(Number.isInteger(x.line) && x.line >= 1 && Number.isInteger(x.col) && x.col >= 1);
        assert.ok(x.message.startsWith(`fuzz.conf:${x.line}:${x.col}: `));
      }
    }
  }

  // Strings built from arrays of characters: fast-check's own string
  // arbitraries spend about a second building a code-point table first.
  const text = (char: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.array(char, { maxLength: 200 }).map((cs) => cs.join(''));
  const anyUtf16 = text(fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)));
  const formatText = text(fc.constantFrom('{', '}', ':', ';', '#', ' ', '\t', '\n', '\r', 'a', 'k', '1', '\u0000', '\uFEFF', '\u00a0'));

  it('never throws anything but ConfigErrors on random text', () => {
    fc.assert(
      fc.property(fc.oneof(anyUtf16, formatText), parsesOrConfigErrors),
      { numRuns: 2000, seed: 20061 },
    );
  });

  it('never throws anything but ConfigErrors on mutations of the openais sample', () => {
    const lines = SAMPLE.split('\n');
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), col: fc.nat(), text: fc.constantFrom('{', '}', ':', '#', ';', ' x {', '}}') }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ops) => {
        const ls = [...lines];
        for (const m of ops) {
          const i = m.at % ls.length;
          if (m.op === 'delete') ls.splice(i, 1);
          else if (m.op === 'duplicate') ls.splice(i, 0, ls[i]!);
          else {
            const l = ls[i]!;
            const c = m.col % (l.length + 1);
            ls[i] = l.slice(0, c) + m.text + l.slice(c);
          }
          if (ls.length === 0) ls.push('');
        }
        parsesOrConfigErrors(ls.join('\n'));
      }),
      { numRuns: 2000, seed: 20060515 },
    );
  });
});
