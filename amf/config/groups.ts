// groups.conf, the openais (B.01.01, 2006) AMF configuration, into an AmfModel.
// The grammar and every key are in docs/groups-conf.md. All errors of a file
// are collected in one pass and thrown together as ConfigErrors; nothing else
// is ever thrown, whatever the input.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ConfigErrors } from '../../aisexec/config/diagnostics.js';
import { deepFreeze, type AmfModel } from '../model.js';
import { buildModel } from './groups-build.js';
import { parseStructure } from './groups-syntax.js';
import { Ctx } from './groups-values.js';

/** More errors than this in one file are summarised, so that a binary file gives a readable report. */
export const ERRORS_MAX = 100;
/** groups.conf files are a few kB; refuse to read anything absurd. */
export const FILE_BYTES_MAX = 4 * 1024 * 1024;

export interface ParseOptions {
  /** Directory that relative paths resolve against; default: the directory of `file`. */
  readonly baseDir?: string;
}

/** Parse groups.conf text. `file` names the source in errors. Throws ConfigErrors. */
export function parseGroupsConf(text: string, file: string, options: ParseOptions = {}): AmfModel {
  const ctx = new Ctx(file);
  const root = parseStructure(text, (pos, detail) => ctx.error(pos, detail));
  const model = buildModel(ctx, root, options.baseDir ?? path.dirname(file));
  if (ctx.total > 0) throw new ConfigErrors(limitErrors(ctx));
  return deepFreeze(model);
}

/** Read and parse a groups.conf file; relative paths in it resolve against its directory. Throws ConfigErrors. */
export function loadGroupsConf(file: string): AmfModel {
  const abs = path.resolve(file);
  let data: Buffer;
  try {
    const fd = fs.openSync(abs, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size > FILE_BYTES_MAX) {
        throw new ConfigErrors([
          new ConfigError({ file, line: 1, col: 1 }, `expected a file of at most ${FILE_BYTES_MAX} bytes, found ${size} bytes`),
        ]);
      }
      data = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if (e instanceof ConfigErrors) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'an error';
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigErrors([new ConfigError({ file, line: 1, col: 1 }, `expected a readable file, found ${code} (${why})`)]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new ConfigErrors([badUtf8(data, file)]);
  }
  return parseGroupsConf(text, file, { baseDir: path.dirname(abs) });
}

function badUtf8(data: Buffer, file: string): ConfigError {
  const loose = new TextDecoder('utf-8').decode(data);
  const i = loose.indexOf('\uFFFD');
  const before = loose.slice(0, Math.max(i, 0));
  const line = before.split('\n').length;
  const col = before.length - before.lastIndexOf('\n');
  return new ConfigError({ file, line, col }, 'expected UTF-8 text, found a byte sequence that is not UTF-8');
}

/** File order; past ERRORS_MAX, the last line says how many more there were. */
function limitErrors(ctx: Ctx): ConfigError[] {
  const sorted = [...ctx.errors].sort((a, b) => a.line - b.line || a.col - b.col);
  if (ctx.total <= ERRORS_MAX) return sorted;
  const last = sorted[ERRORS_MAX - 1]!;
  return [
    ...sorted.slice(0, ERRORS_MAX - 1),
    new ConfigError(
      { file: ctx.file, line: last.line, col: last.col },
      `expected at most ${ERRORS_MAX} errors, found ${ctx.total}; the ${ctx.total - ERRORS_MAX + 1} from here on are not shown`,
    ),
  ];
}
