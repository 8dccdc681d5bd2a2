// groups.conf syntax: lines into a tree of blocks and keys, with positions.
// openais read the file one line at a time (exec/amfconfig.c), one statement
// per line: `word {`, `key=value` (blanks allowed around `=`), `}`, blank
// lines and `#` comments. We keep that shape but match whole words, so a line
// means exactly what it says (openais found keys by substring).
export interface Pos {
  readonly line: number; // 1-based
  readonly col: number; // 1-based, in UTF-16 code units; a tab counts as one
}

export interface KeyEntry {
  readonly kind: 'key';
  readonly key: string;
  readonly keyPos: Pos;
  /** Trimmed of surrounding blanks; may be empty. */
  readonly value: string;
  readonly valuePos: Pos;
}

export interface BlockEntry {
  readonly kind: 'block';
  readonly word: string;
  readonly pos: Pos;
  readonly entries: Entry[];
  /** Text followed its `{` on the same line (reported; the block's keys are unknown). */
  readonly inline: boolean;
}

export type Entry = KeyEntry | BlockEntry;

const WORD = '[A-Za-z0-9_.-]+';
const OPEN_RE = new RegExp(`^(${WORD})[ \\t]*\\{(.*)$`);
const KEY_RE = new RegExp(`^(${WORD})[ \\t]*=[ \\t]*`);
const COLON_RE = new RegExp(`^(${WORD})[ \\t]*:`);

/** A value quoted for a message: escaped, and cut short so a message stays one readable line. */
export function show(s: string, max = 60): string {
  const cut = s.length > max ? `${s.slice(0, max)}...` : s;
  return JSON.stringify(cut);
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/**
 * Parse the text into a root block (word '') holding the top-level entries.
 * Syntax errors go to `report`; parsing always goes on to the end so that one
 * pass reports everything.
 */
export function parseStructure(text: string, report: (pos: Pos, detail: string) => void): BlockEntry {
  const root: BlockEntry = { kind: 'block', word: '', pos: { line: 1, col: 1 }, entries: [], inline: false };
  const stack: BlockEntry[] = [root];
  const err = (line: number, col: number, detail: string): void => report({ line, col }, detail);
  const open = (word: string, pos: Pos, inline: boolean): void => {
    const block: BlockEntry = { kind: 'block', word, pos, entries: [], inline };
    stack[stack.length - 1]!.entries.push(block);
    stack.push(block);
  };
  const close = (pos: Pos): void => {
    if (stack.length === 1) err(pos.line, pos.col, `expected "group {" or "healthcheck {", found "}" with no block open`);
    else stack.pop();
  };

  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    let start = 0;
    while (isBlank(raw[start])) start++;
    let end = raw.length;
    while (end > start && isBlank(raw[end - 1])) end--;
    if (start === end || raw[start] === '#') continue;
    const content = raw.slice(start, end);
    const col = start + 1;

    if (content[0] === '}') {
      const tail = content.slice(1).replace(/^[ \t]+/, '');
      if (tail !== '') err(lineNo, col + content.length - tail.length, `expected nothing after "}" on its line, found ${show(tail)}`);
      close({ line: lineNo, col });
      continue;
    }
    const o = OPEN_RE.exec(content);
    if (o !== null) {
      const word = o[1]!;
      const rest = o[2]!;
      const restTrim = rest.replace(/^[ \t]+/, '');
      open(word, { line: lineNo, col }, restTrim !== '');
      if (restTrim !== '') {
        const restCol = col + content.length - restTrim.length;
        err(lineNo, restCol, `expected the end of the line after "${word} {" (one statement per line), found ${show(restTrim)}`);
        // `name_value { name=a value=b }` on one line: keep the braces balanced.
        if (restTrim.endsWith('}')) close({ line: lineNo, col: col + content.length - 1 });
      }
      continue;
    }
    const k = KEY_RE.exec(content);
    if (k !== null) {
      const value = content.slice(k[0].length);
      const entry: KeyEntry = {
        kind: 'key',
        key: k[1]!,
        keyPos: { line: lineNo, col },
        value,
        valuePos: { line: lineNo, col: col + k[0].length },
      };
      stack[stack.length - 1]!.entries.push(entry);
      continue;
    }
    const c = COLON_RE.exec(content);
    if (c !== null) {
      err(lineNo, col + c[0].length - 1, `expected "=" after "${c[1]!}" (groups.conf uses key=value), found ":"`);
      continue;
    }
    err(lineNo, col, `expected "key = value", "name {" or "}", found ${show(content)}`);
  }

  // Each block still open names its own opening line: that is where a "}" is owed.
  for (const b of stack.slice(1)) {
    err(b.pos.line, b.pos.col, `expected "}" to close this ${b.word} block, found the end of the file`);
  }
  return root;
}
