// Typed, validated reads from one brace section. Every problem becomes a
// ConfigError in a shared Diagnostics and the read goes on with the default,
// so one pass reports every error in the file.
import { ConfigError, ConfigErrors, didYouMean, type SourcePos } from './diagnostics.js';
import { quote, type BraceEntry, type BraceSection } from './brace.js';

export class Diagnostics {
  readonly errors: ConfigError[] = [];
  error(pos: SourcePos, detail: string): void {
    this.errors.push(new ConfigError(pos, detail));
  }
  /** Throws every error so far, in file order. */
  throwIfAny(): void {
    if (this.errors.length === 0) return;
    const sorted = [...this.errors].sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigErrors(sorted);
  }
}

export interface SectionSpec {
  keys: readonly string[];
  sections?: readonly string[];
  /** Sections that may appear more than once (kept in order). */
  repeatable?: readonly string[];
}

export interface IntSpec {
  min: number;
  max: number;
  unit?: string; // "milliseconds", "bytes": said in the error
}

/** The largest delay a Node timer honours (setTimeout clamps anything larger to 1 ms). */
export const MS_MAX = 2_147_483_647;
export const U32_MAX = 4_294_967_295;

/** How an error names a section: `"totem"`, or the top level for the root. */
export function sectionLabel(sec: BraceSection): string {
  return sec.name === '' ? 'the top level' : quote(sec.name);
}

/** Joins choices for a message: `a`, `a or b`, `a, b or c`. */
export function orList(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

export class SectionReader {
  private readonly entries = new Map<string, BraceEntry>();
  private readonly subs = new Map<string, BraceSection[]>();
  readonly label: string;

  constructor(
    readonly section: BraceSection,
    spec: SectionSpec,
    readonly diag: Diagnostics,
  ) {
    this.label = sectionLabel(section);
    const sections = spec.sections ?? [];
    const repeatable = spec.repeatable ?? [];
    for (const item of section.items) {
      if (item.kind === 'entry') {
        if (!spec.keys.includes(item.key)) {
          diag.error(item.keyPos, this.unknownKey(item.key, spec.keys, sections));
          continue;
        }
        const first = this.entries.get(item.key);
        if (first !== undefined) {
          diag.error(item.keyPos, `expected ${item.key} once ${this.where()}, found it again (first at line ${first.keyPos.line})`);
          continue;
        }
        this.entries.set(item.key, item);
      } else {
        if (!sections.includes(item.name)) {
          diag.error(item.pos, this.unknownSection(item.name, spec.keys, sections));
          continue;
        }
        const list = this.subs.get(item.name) ?? [];
        if (list.length > 0 && !repeatable.includes(item.name)) {
          diag.error(item.pos, `expected one ${quote(item.name)} section ${this.where()}, found another (first at line ${list[0]!.pos.line})`);
          continue;
        }
        list.push(item);
        this.subs.set(item.name, list);
      }
    }
  }

  /** `in "totem"`, or `at the top level`. */
  private where(): string {
    return this.section.name === '' ? 'at the top level' : `in ${this.label}`;
  }

  private unknownKey(key: string, keys: readonly string[], sections: readonly string[]): string {
    if (sections.includes(key)) return `expected ${key} to be a section (${key} { ... }), found a key`;
    if (keys.length === 0) return `expected a section ${this.where()}, found key ${quote(key)}${didYouMean(key, sections)}`;
    return `expected a key of ${this.label}, found ${quote(key)}${didYouMean(key, keys)}`;
  }

  private unknownSection(name: string, keys: readonly string[], sections: readonly string[]): string {
    if (keys.includes(name)) return `expected ${name} to be a key (${name}: value), found a section`;
    if (sections.length === 0) return `expected only keys in ${this.label}, found section ${quote(name)}${didYouMean(name, keys)}`;
    const what = this.section.name === '' ? 'a top-level section' : `a section of ${this.label}`;
    return `expected ${what} (${orList(sections)}), found ${quote(name)}${didYouMean(name, sections)}`;
  }

  entry(key: string): BraceEntry | undefined {
    return this.entries.get(key);
  }

  sections(name: string): BraceSection[] {
    return this.subs.get(name) ?? [];
  }

  /** The entry, or an error at the section saying it is missing. `why` explains a conditional requirement. */
  required(key: string, why = ''): BraceEntry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) this.missing(key, why);
    return e;
  }

  missing(key: string, why = ''): void {
    this.diag.error(this.section.pos, `expected key ${quote(key)} in ${this.label}${why === '' ? '' : ` (${why})`}, found none`);
  }

  /** Reports a bad value of `key`. */
  bad(e: BraceEntry, expected: string): void {
    this.diag.error(e.valuePos, `expected ${e.key} to be ${expected}, found ${e.value === '' ? 'nothing' : quote(e.value)}`);
  }

  /** A non-empty string value. */
  string(key: string): string | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.value === '') {
      this.bad(e, 'a value');
      return undefined;
    }
    return e.value;
  }

  /** A decimal whole number in [min, max]; undefined when absent or bad. */
  int(key: string, spec: IntSpec): number | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const n = /^[0-9]{1,16}$/.test(e.value) ? Number(e.value) : undefined;
    if (n === undefined || n < spec.min || n > spec.max) {
      const what = spec.unit === undefined ? 'a whole number' : `a whole number of ${spec.unit}`;
      this.bad(e, `${what} from ${spec.min} to ${spec.max}`);
      return undefined;
    }
    return n;
  }

  /** yes|no|on|off (openais used yes/no for some keys and on/off for others; both are taken everywhere). */
  bool(key: string, def: boolean): boolean {
    const e = this.entries.get(key);
    if (e === undefined) return def;
    if (e.value === 'yes' || e.value === 'on') return true;
    if (e.value === 'no' || e.value === 'off') return false;
    this.bad(e, 'yes, no, on or off');
    return def;
  }

  /** One of a fixed set of words; undefined when absent or bad. */
  choice<T extends string>(key: string, values: readonly T[]): T | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    const v = values.find((x) => x === e.value);
    if (v === undefined) {
      this.diag.error(
        e.valuePos,
        `expected ${e.key} to be ${orList(values)}, found ${e.value === '' ? 'nothing' : quote(e.value)}${didYouMean(e.value, values)}`,
      );
    }
    return v;
  }
}
