// The openais.conf "brace/colon" format (openais exec/aisparser.c, corosync
// coroparse.c): `name {` opens a section, `key: value` sets a key, `}` closes,
// `#` starts a comment. This module only builds the tree; which names are
// allowed is mainconfig's business.
//
// What openais accepted is accepted unchanged. Beyond it, where nothing can be
// misread: `#` comments may be indented or follow an item after whitespace
// (openais's own sample has `mode: disabled   # ...`), several items may share
// a line when separated by `{`, `}` or `;` (`logging { to_stderr: yes }`), the
// last line needs no newline, and lines may be of any length. Braces are always
// structure, never part of a value, exactly as in openais.
import { ConfigError, ConfigErrors, type SourcePos } from './diagnostics.js';

export interface BraceEntry {
  kind: 'entry';
  key: string;
  value: string; // trimmed; may be empty
  keyPos: SourcePos;
  valuePos: SourcePos; // first character of the value, or just after ':' when empty
}

export interface BraceSection {
  kind: 'section';
  name: string; // '' for the root
  pos: SourcePos; // the section name (1:1 for the root)
  items: BraceItem[]; // in file order; repeated keys and sections are all kept
}

export type BraceItem = BraceEntry | BraceSection;

/** Errors beyond this many are dropped: a binary file must not produce a million-line message. */
export const BRACE_ERRORS_MAX = 50;

/** A found text for an error message: quoted, escaped, and shortened. */
export function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return JSON.stringify(short);
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\f' || c === '\v';
}

/**
 * Parses the brace format into a tree whose root is a nameless section.
 * Throws ConfigErrors (every syntax error found, in file order) and nothing else.
 */
export function parseBrace(text: string, file: string): BraceSection {
  const at = (line: number, col: number): SourcePos => ({ file, line, col });
  const root: BraceSection = { kind: 'section', name: '', pos: at(1, 1), items: [] };
  const stack: BraceSection[] = [root];
  const errors: ConfigError[] = [];
  const fail = (pos: SourcePos, detail: string): void => {
    if (errors.length < BRACE_ERRORS_MAX) errors.push(new ConfigError(pos, detail));
  };
  const top = (): BraceSection => stack[stack.length - 1]!;

  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\n|\r/);
  for (let l = 0; l < lines.length && errors.length < BRACE_ERRORS_MAX; l++) {
    const line = lines[l]!;
    const lineNo = l + 1;
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (isBlank(c) || c === ';') {
        i++;
      } else if (c === '#') {
        break;
      } else if (c === '}') {
        if (stack.length > 1) stack.pop();
        else fail(at(lineNo, i + 1), 'expected a key, a section or the end of the file, found "}" with no section open');
        i++;
      } else if (c === '{') {
        fail(at(lineNo, i + 1), 'expected a section name before "{", found "{"');
        // A detached section keeps the braces balanced so its "}" is not reported too.
        stack.push({ kind: 'section', name: '', pos: at(lineNo, i + 1), items: [] });
        i++;
      } else {
        i = item(line, lineNo, i);
      }
    }
  }

  // Every section still open at the end: point at its opening.
  for (let s = stack.length - 1; s >= 1; s--) {
    const sec = stack[s]!;
    const what = sec.name === '' ? 'the "{" opened here' : `section ${quote(sec.name)} opened here`;
    fail(sec.pos, `expected "}" to close ${what}, found the end of the file`);
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigErrors(errors);
  }
  return root;

  /** Reads one `name {` or `key: value` starting at a non-blank; returns the index of its terminator. */
  function item(line: string, lineNo: number, start: number): number {
    let j = start;
    while (j < line.length) {
      const d = line[j];
      if (d === '{' || d === '}' || d === ';') break;
      if (d === '#' && isBlank(line[j - 1])) break;
      j++;
    }
    const seg = line.slice(start, j).trimEnd();
    if (line[j] === '{') {
      const pos = at(lineNo, start + 1);
      const sec: BraceSection = { kind: 'section', name: seg, pos, items: [] };
      if (seg === '' || /[\s:]/.test(seg)) {
        fail(pos, `expected a section name before "{", found ${quote(seg)}`);
      } else {
        top().items.push(sec);
      }
      stack.push(sec);
      return j + 1;
    }
    const colon = seg.indexOf(':');
    if (colon < 0) {
      fail(at(lineNo, start + 1), `expected "key: value", "name {" or "}", found ${quote(seg)}`);
      return j;
    }
    const key = seg.slice(0, colon).trimEnd();
    if (key === '') {
      fail(at(lineNo, start + 1), 'expected a key before ":", found ":"');
      return j;
    }
    if (/\s/.test(key)) {
      fail(at(lineNo, start + 1), `expected a key without blanks before ":", found ${quote(key)}`);
      return j;
    }
    let v = colon + 1;
    while (v < seg.length && isBlank(seg[v])) v++;
    top().items.push({
      kind: 'entry',
      key,
      value: seg.slice(v),
      keyPos: at(lineNo, start + 1),
      valuePos: at(lineNo, start + v + 1),
    });
    return j;
  }
}
