// logging { }: openais EARLY keys (to_stderr, to_file, logfile, debug,
// timestamp, fileline, logger { ident }) and the LATER/corosync ones
// (to_logfile, syslog_facility, syslog_priority, logger_subsys { subsys }).
//
// Defaults differ from openais on purpose: openais zeroed its settings, so a
// file without logging { } logged nothing at all, and a daemon that fails
// silently is hard to operate. We log to stderr with timestamps by default.
import path from 'node:path';
import { quote, type BraceSection } from './brace.js';
import { didYouMean } from './diagnostics.js';
import { Diagnostics, SectionReader, orList } from './reader.js';

export const SYSLOG_FACILITIES = ['daemon', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'] as const;
export const SYSLOG_PRIORITIES = ['alert', 'crit', 'debug', 'emerg', 'err', 'info', 'notice', 'warning'] as const;
export const LOG_TAGS = ['enter', 'leave', 'trace1', 'trace2', 'trace3', 'trace4', 'trace5', 'trace6', 'trace7', 'trace8'] as const;

export type SyslogFacility = (typeof SYSLOG_FACILITIES)[number];
export type SyslogPriority = (typeof SYSLOG_PRIORITIES)[number];
export type LogTag = (typeof LOG_TAGS)[number];

export interface LogSubsysConfig {
  subsys: string; // as written (openais idents are upper case: AMF, CLM)
  debug: boolean; // defaults to logging.debug
  tags: LogTag[];
  syslogLevel?: SyslogPriority; // accepted and checked; we do not log to syslog
}

export interface LoggingConfig {
  toStderr: boolean;
  toFile: boolean;
  logfile?: string; // absolute
  debug: boolean;
  timestamp: boolean;
  fileline: boolean;
  syslogFacility: SyslogFacility; // accepted and checked, unused
  syslogPriority: SyslogPriority; // accepted and checked, unused
  subsys: LogSubsysConfig[];
}

export const LOGGING_DEFAULTS = {
  toStderr: true,
  toFile: false,
  debug: false,
  timestamp: true,
  fileline: false,
  syslogFacility: 'daemon',
  syslogPriority: 'info',
} as const;

const LOGGING_KEYS = [
  'to_stderr', 'to_file', 'to_logfile', 'to_syslog', 'logfile', 'debug', 'timestamp', 'fileline',
  'syslog_facility', 'syslog_priority',
] as const;
const SUBSYS_KEYS = ['subsys', 'debug', 'syslog_level', 'tags'] as const;
const LOGGER_KEYS = ['ident', 'debug', 'tags'] as const;

/** `enter|leave|trace1`: openais's pipe-separated tag list. */
function readTags(r: SectionReader): LogTag[] {
  const e = r.entry('tags');
  if (e === undefined) return [];
  const tags: LogTag[] = [];
  let col = e.valuePos.col;
  for (const raw of e.value.split('|')) {
    const word = raw.trim();
    const tag = LOG_TAGS.find((t) => t === word);
    if (tag === undefined) {
      const lead = raw.length - raw.trimStart().length;
      r.diag.error(
        { ...e.valuePos, col: col + lead },
        `expected tags to be ${orList(LOG_TAGS)} joined by "|", found ${word === '' ? 'an empty tag' : quote(word)}${didYouMean(word, LOG_TAGS)}`,
      );
    } else if (!tags.includes(tag)) {
      tags.push(tag);
    }
    col += raw.length + 1;
  }
  return tags;
}

function readSubsys(sec: BraceSection, nameKey: 'subsys' | 'ident', globalDebug: boolean, diag: Diagnostics): LogSubsysConfig | undefined {
  const r = new SectionReader(sec, { keys: nameKey === 'subsys' ? SUBSYS_KEYS : LOGGER_KEYS }, diag);
  r.required(nameKey);
  let name = r.string(nameKey);
  const e = r.entry(nameKey);
  if (name !== undefined && e !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    r.bad(e, 'a subsystem name (a letter, then letters, digits or "_")');
    name = undefined;
  }
  const out: LogSubsysConfig = { subsys: name ?? '', debug: r.bool('debug', globalDebug), tags: readTags(r) };
  const level = r.choice('syslog_level', SYSLOG_PRIORITIES);
  if (level !== undefined) out.syslogLevel = level;
  return name === undefined ? undefined : out;
}

export function readLogging(sec: BraceSection | undefined, configDir: string, diag: Diagnostics): LoggingConfig {
  const cfg: LoggingConfig = { ...LOGGING_DEFAULTS, subsys: [] };
  if (sec === undefined) return cfg;
  const r = new SectionReader(sec, { keys: LOGGING_KEYS, sections: ['logger_subsys', 'logger'], repeatable: ['logger_subsys', 'logger'] }, diag);

  cfg.toStderr = r.bool('to_stderr', LOGGING_DEFAULTS.toStderr);
  const toFileE = r.entry('to_file');
  const toLogfileE = r.entry('to_logfile');
  if (toFileE !== undefined && toLogfileE !== undefined) {
    const [first, second] = toFileE.keyPos.line <= toLogfileE.keyPos.line ? [toFileE, toLogfileE] : [toLogfileE, toFileE];
    diag.error(second.keyPos, `expected one of to_file and to_logfile (the same setting), found both (${first.key} at line ${first.keyPos.line})`);
  }
  cfg.toFile = toFileE !== undefined ? r.bool('to_file', false) : r.bool('to_logfile', false);

  const syslogE = r.entry('to_syslog');
  if (r.bool('to_syslog', false) && syslogE !== undefined) {
    diag.error(syslogE.valuePos, 'to_syslog is not supported; use to_file or to_stderr');
  }
  const logfile = r.string('logfile');
  if (logfile !== undefined) cfg.logfile = path.resolve(configDir, logfile);
  if (cfg.toFile && cfg.logfile === undefined && r.entry('logfile') === undefined) {
    // openais's own wording, so that searches for it find us.
    diag.error((toFileE ?? toLogfileE)!.keyPos, "logmode set to 'file' but no logfile specified");
  }
  cfg.debug = r.bool('debug', LOGGING_DEFAULTS.debug);
  cfg.timestamp = r.bool('timestamp', LOGGING_DEFAULTS.timestamp);
  cfg.fileline = r.bool('fileline', LOGGING_DEFAULTS.fileline);
  cfg.syslogFacility = r.choice('syslog_facility', SYSLOG_FACILITIES) ?? LOGGING_DEFAULTS.syslogFacility;
  cfg.syslogPriority = r.choice('syslog_priority', SYSLOG_PRIORITIES) ?? LOGGING_DEFAULTS.syslogPriority;

  // Both forms in file order; one subsystem configured twice is an error.
  const seen = new Map<string, number>();
  for (const item of sec.items) {
    if (item.kind !== 'section' || (item.name !== 'logger_subsys' && item.name !== 'logger')) continue;
    const s = readSubsys(item, item.name === 'logger' ? 'ident' : 'subsys', cfg.debug, diag);
    if (s === undefined) continue;
    const first = seen.get(s.subsys);
    if (first !== undefined) {
      diag.error(item.pos, `expected each subsystem configured once, found ${quote(s.subsys)} again (first at line ${first})`);
      continue;
    }
    seen.set(s.subsys, item.pos.line);
    cfg.subsys.push(s);
  }
  return cfg;
}
