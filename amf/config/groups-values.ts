// Typed values of groups.conf keys. openais used atoi() and strcpy(); here each
// value is checked, and a bad one is one ConfigError at the value's column.
import { ConfigError, didYouMean } from '../../aisexec/config/diagnostics.js';
import { LIMITS, RECOVERY_ON_ERROR_WORDS, type NodeRef, type Recovery, type RecoveryOnErrorWord } from '../model.js';
import { show, type KeyEntry, type Pos } from './groups-syntax.js';

/** Errors kept for one file; beyond this they are only counted, so a huge bad file costs no more. */
export const ERRORS_KEPT_MAX = 1000;

/** Where errors go while one file is checked. */
export class Ctx {
  readonly errors: ConfigError[] = [];
  /** All errors found, kept or not. */
  total = 0;
  constructor(readonly file: string) {}
  error(pos: Pos, detail: string): void {
    this.total++;
    if (this.errors.length < ERRORS_KEPT_MAX) {
      this.errors.push(new ConfigError({ file: this.file, line: pos.line, col: pos.col }, detail));
    }
  }
}

export function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function at(e: KeyEntry, index: number): Pos {
  return { line: e.valuePos.line, col: e.valuePos.col + index };
}

// C0 controls but tab, DEL, and unpaired surrogates (which have no UTF-8 form).
const UNPRINTABLE_RE = /[\u0000-\u0008\u000a-\u001f\u007f]|[\ud800-\udfff]/u;
// Names become RDN values (safSu=<name>,...): no blanks, no DN separators, no braces.
const NAME_BAD_RE = /[ \t,={}]/;

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Printable text of at most `max` bytes, possibly empty. */
export function parseText(ctx: Ctx, e: KeyEntry, what: string, max: number): string | undefined {
  const bad = UNPRINTABLE_RE.exec(e.value);
  if (bad !== null) {
    ctx.error(at(e, bad.index), `expected ${what} in printable text, found the character ${codePoint(bad[0])}`);
    return undefined;
  }
  const n = bytes(e.value);
  if (n > max) {
    ctx.error(e.valuePos, `expected ${what} of at most ${max} bytes, found ${n} bytes`);
    return undefined;
  }
  return e.value;
}

function nonEmpty(ctx: Ctx, e: KeyEntry, what: string): boolean {
  if (e.value !== '') return true;
  ctx.error(e.valuePos, `expected ${what} after "${e.key}=", found nothing`);
  return false;
}

/** An entity or type name: one word, without "," "=" "{" "}", at most `max` bytes. */
export function parseName(ctx: Ctx, e: KeyEntry, what: string, max: number = LIMITS.nameBytesMax): string | undefined {
  if (!nonEmpty(ctx, e, what)) return undefined;
  const bad = NAME_BAD_RE.exec(e.value);
  if (bad !== null) {
    ctx.error(at(e, bad.index), `expected ${what} without blanks, ",", "=", "{" or "}", found ${show(e.value)}`);
    return undefined;
  }
  return parseText(ctx, e, what, max);
}

/** A path, command or binary name: printable, non-empty, at most 1024 bytes (openais' buffers). */
export function parsePath(ctx: Ctx, e: KeyEntry, what: string): string | undefined {
  if (!nonEmpty(ctx, e, what)) return undefined;
  return parseText(ctx, e, what, LIMITS.pathBytesMax);
}

/** A decimal integer within [min, max]. `unit` is named in messages. */
export function parseUint(ctx: Ctx, e: KeyEntry, min: number, max: number, unit: 'ms' | 'count'): number | undefined {
  const v = e.value;
  const unitText = unit === 'ms' ? ' (milliseconds)' : '';
  if (/^-[0-9]+$/.test(v)) {
    ctx.error(e.valuePos, `expected a non-negative integer for "${e.key}"${unitText}, found ${show(v)}`);
    return undefined;
  }
  if (!/^[0-9]+$/.test(v)) {
    ctx.error(e.valuePos, `expected an integer for "${e.key}"${unitText}, found ${show(v)}`);
    return undefined;
  }
  // More than 15 digits cannot be in range, and would lose precision as a number.
  const n = v.length > 15 ? Number.POSITIVE_INFINITY : Number(v);
  if (n < min || n > max) {
    ctx.error(e.valuePos, `expected "${e.key}" from ${min} to ${max}${unitText}, found ${show(v, 20)}`);
    return undefined;
  }
  return n;
}

/** One of a fixed set of words, matched exactly (openais: strcmp for model, strstr for comptype). */
export function parseEnum<T extends string>(ctx: Ctx, e: KeyEntry, values: readonly T[], what: string): T | undefined {
  const v = e.value;
  if ((values as readonly string[]).includes(v)) return v as T;
  ctx.error(e.valuePos, `expected ${what} (${values.join(', ')}), found ${show(v)}${didYouMean(v, values)}`);
  return undefined;
}

/** Words other configuration files use for yes and no (openais.conf takes on/off too): a hint, never accepted. */
const YES_NO_HINTS = new Map<string, 'yes' | 'no'>([
  ['yes', 'yes'], ['no', 'no'], ['on', 'yes'], ['off', 'no'], ['true', 'yes'], ['false', 'no'], ['1', 'yes'], ['0', 'no'],
  ['y', 'yes'], ['n', 'no'],
]);

/** `yes` or `no`, exactly. */
export function parseYesNo(ctx: Ctx, e: KeyEntry): boolean | undefined {
  if (e.value === 'yes') return true;
  if (e.value === 'no') return false;
  const meant = YES_NO_HINTS.get(e.value.toLowerCase());
  const hint = meant === undefined ? didYouMean(e.value, ['yes', 'no']) : ` (did you mean "${meant}"?)`;
  ctx.error(e.valuePos, `expected yes or no for "${e.key}", found ${show(e.value)}${hint}`);
  return undefined;
}

const RECOVERY_WORDS = Object.keys(RECOVERY_ON_ERROR_WORDS) as RecoveryOnErrorWord[];

/**
 * A recovery word (`recovery_on_error`), exactly. The C name
 * (SA_AMF_COMPONENT_FAILOVER) or the engine's name (componentFailover) is
 * refused with the word it stands for.
 */
export function parseRecovery(ctx: Ctx, e: KeyEntry): Recovery | undefined {
  const v = e.value;
  if ((RECOVERY_WORDS as readonly string[]).includes(v)) return RECOVERY_ON_ERROR_WORDS[v as RecoveryOnErrorWord];
  const spelt = v.replace(/^SA_AMF_/i, '').replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
  const hint = (RECOVERY_WORDS as readonly string[]).includes(spelt) ? ` (did you mean "${spelt}"?)` : didYouMean(v, RECOVERY_WORDS);
  ctx.error(e.valuePos, `expected a recovery (${RECOVERY_WORDS.join(', ')}), found ${show(v)}${hint}`);
  return undefined;
}

/** `node=`: digits are a nodeid (1..2^32-1, 0 is no node), anything else a nodelist name. */
export function parseNode(ctx: Ctx, e: KeyEntry): NodeRef | undefined {
  if (/^[0-9]+$/.test(e.value)) {
    const id = parseUint(ctx, e, 1, LIMITS.countMax, 'count');
    return id === undefined ? undefined : { kind: 'nodeid', nodeid: id };
  }
  const name = parseName(ctx, e, 'a node name or nodeid', LIMITS.nodeNameBytesMax);
  return name === undefined ? undefined : { kind: 'name', name };
}

/** A healthcheck key: SaAmfHealthcheckKeyT holds at most 32 bytes. */
export function parseHealthcheckKey(ctx: Ctx, e: KeyEntry): string | undefined {
  if (!nonEmpty(ctx, e, 'a healthcheck key')) return undefined;
  const blank = /[ \t]/.exec(e.value);
  if (blank !== null) {
    ctx.error(at(e, blank.index), `expected a healthcheck key without blanks, found ${show(e.value)}`);
    return undefined;
  }
  return parseText(ctx, e, 'a healthcheck key', LIMITS.healthcheckKeyBytesMax);
}
