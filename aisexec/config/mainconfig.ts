// openais.conf: parse the brace format, validate every section and key, apply
// defaults, and return one typed MainConfig, or throw ConfigErrors listing every
// problem found (FILE:LINE:COL each). Relative paths are taken from the
// directory of the configuration file, so a configuration directory can be
// moved as a whole. Reference: docs/configuration.md, "openais.conf".
import fs from 'node:fs';
import path from 'node:path';
import { defaultRunDir, socketPath } from '../../lib-ais/rundir.js';
import { fileAccounts, resolveId, type Accounts } from './accounts.js';
import { parseBrace, quote, type BraceSection } from './brace.js';
import { ConfigError, ConfigErrors } from './diagnostics.js';
import { readLogging, type LoggingConfig } from './loggingconfig.js';
import { Diagnostics, SectionReader, U32_MAX } from './reader.js';
import { readTotem, type TotemConfig } from './totemconfig.js';

export type { LoggingConfig, LogSubsysConfig, LogTag, SyslogFacility, SyslogPriority } from './loggingconfig.js';
export type {
  CryptoCipher,
  CryptoHash,
  RrpMode,
  TotemConfig,
  TotemInterfaceConfig,
  TotemNodeConfig,
  TotemTransport,
  VsfType,
} from './totemconfig.js';
export type { Accounts } from './accounts.js';

export const SERVICE_NAMES = ['amf', 'clm', 'cfg'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface AmfConfig {
  mode: 'enabled' | 'disabled';
  groupsFile: string; // absolute
}

export interface AisexecConfig {
  user?: string;
  group?: string;
  uid?: number;
  gid?: number;
  runDir: string; // absolute
}

/** One IPC allow-list entry (corosync's uidgid { }). */
export interface UidGidConfig {
  uid?: number;
  gid?: number;
}

export interface ServiceConfig {
  name: ServiceName;
  ver: number;
}

export interface EventConfig {
  deliveryQueueSize: number;
  deliveryQueueResume: number;
}

export interface MainConfig {
  file: string; // absolute path of the file read
  totem: TotemConfig;
  logging: LoggingConfig;
  amf: AmfConfig;
  aisexec: AisexecConfig;
  uidgid: UidGidConfig[];
  services: ServiceConfig[]; // service { name, ver } sections, in file order
  event: EventConfig;
}

export interface MainConfigOptions {
  /** User and group lookup; default /etc/passwd and /etc/group. */
  accounts?: Accounts;
  /** Environment for the default run directory; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The process's uid, for the default run directory; default process.getuid(). */
  uid?: number;
}

/** sun_path holds 108 bytes including the terminating NUL. */
export const SOCKET_PATH_BYTES_MAX = 107;
/** openais evt.c MAX_EVT_DELIVERY_QUEUE. */
export const EVENT_DELIVERY_QUEUE_DEFAULT = 1000;

const TOP_SECTIONS = ['totem', 'network', 'nodelist', 'logging', 'amf', 'aisexec', 'uidgid', 'service', 'event'] as const;

/** Reads openais.conf text. `file` names the file in errors and anchors relative paths. */
export function parseMainConfig(text: string, file: string, opts: MainConfigOptions = {}): MainConfig {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const root = parseBrace(text, file);
  const diag = new Diagnostics();
  const accounts = opts.accounts ?? fileAccounts();
  const top = new SectionReader(root, { keys: [], sections: TOP_SECTIONS, repeatable: ['uidgid', 'service'] }, diag);

  const config: MainConfig = {
    file: abs,
    totem: readTotem(totemSection(top, root, diag), top.sections('nodelist')[0], root.pos, dir, diag),
    logging: readLogging(top.sections('logging')[0], dir, diag),
    amf: readAmf(top.sections('amf')[0], dir, diag),
    aisexec: readAisexec(top.sections('aisexec')[0], root, dir, accounts, opts, diag),
    uidgid: top.sections('uidgid').map((s) => readUidGid(s, accounts, diag)),
    services: readServices(top.sections('service'), diag),
    event: readEvent(top.sections('event')[0], diag),
  };
  diag.throwIfAny();
  return config;
}

/** Reads and checks an openais.conf file; throws ConfigErrors, also when the file cannot be read. */
export function loadMainConfig(file: string, opts: MainConfigOptions = {}): MainConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'a directory' : (err.code ?? String(err.message));
    throw new ConfigErrors([new ConfigError({ file, line: 1, col: 1 }, `expected a readable openais.conf, found ${why}`)]);
  }
  return parseMainConfig(text, file, opts);
}

/** totem { } or its alias network { }: exactly one of them; undefined (reported) when neither. */
function totemSection(top: SectionReader, root: BraceSection, diag: Diagnostics): BraceSection | undefined {
  const found = [...top.sections('totem'), ...top.sections('network')].sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  const [first, second] = found;
  if (second !== undefined && first !== undefined) {
    diag.error(second.pos, `expected one of "totem" and "network" (the same section), found both (${first.name} at line ${first.pos.line})`);
  }
  if (first === undefined) diag.error(root.pos, 'expected a top-level "totem" section, found none');
  return first;
}

function readAmf(sec: BraceSection | undefined, dir: string, diag: Diagnostics): AmfConfig {
  const def: AmfConfig = { mode: 'disabled', groupsFile: path.join(dir, 'groups.conf') };
  if (sec === undefined) return def;
  const r = new SectionReader(sec, { keys: ['mode', 'groups_file'] }, diag);
  const groupsFile = r.string('groups_file');
  return {
    mode: r.choice('mode', ['enabled', 'disabled'] as const) ?? def.mode,
    groupsFile: groupsFile === undefined ? def.groupsFile : path.resolve(dir, groupsFile),
  };
}

/** A user or group key: a name from the accounts, or a number taken as-is. */
function idKey(r: SectionReader, key: string, lookup: (name: string) => number | undefined, what: string): number | undefined {
  const text = r.string(key);
  if (text === undefined) return undefined;
  const id = resolveId(text, lookup);
  if (id === undefined) r.bad(r.entry(key)!, what);
  return id;
}

const USER_WHAT = 'a user name from /etc/passwd or a numeric uid';
const GROUP_WHAT = 'a group name from /etc/group or a numeric gid';

function readAisexec(
  sec: BraceSection | undefined,
  root: BraceSection,
  dir: string,
  accounts: Accounts,
  opts: MainConfigOptions,
  diag: Diagnostics,
): AisexecConfig {
  const out: AisexecConfig = { runDir: '' };
  let runDirText: string | undefined;
  let r: SectionReader | undefined;
  if (sec !== undefined) {
    r = new SectionReader(sec, { keys: ['user', 'group', 'run_dir'] }, diag);
    const user = r.string('user');
    const group = r.string('group');
    const uid = idKey(r, 'user', (n) => accounts.uidOf(n), USER_WHAT);
    const gid = idKey(r, 'group', (n) => accounts.gidOf(n), GROUP_WHAT);
    if (user !== undefined) out.user = user;
    if (group !== undefined) out.group = group;
    if (uid !== undefined) out.uid = uid;
    if (gid !== undefined) out.gid = gid;
    runDirText = r.string('run_dir');
  }
  out.runDir = runDirText === undefined ? defaultRunDir(opts.env, opts.uid) : path.resolve(dir, runDirText);

  const bytes = Buffer.byteLength(socketPath(out.runDir));
  if (bytes > SOCKET_PATH_BYTES_MAX) {
    const runDirE = r?.entry('run_dir');
    if (runDirE !== undefined) {
      diag.error(runDirE.valuePos, `expected run_dir short enough for its socket path (at most ${SOCKET_PATH_BYTES_MAX} bytes), found ${bytes} bytes`);
    } else {
      diag.error(sec?.pos ?? root.pos, `expected the default run directory ${quote(out.runDir)} to give a socket path of at most ${SOCKET_PATH_BYTES_MAX} bytes, found ${bytes} bytes (set aisexec { run_dir })`);
    }
  }
  return out;
}

function readUidGid(sec: BraceSection, accounts: Accounts, diag: Diagnostics): UidGidConfig {
  const r = new SectionReader(sec, { keys: ['uid', 'gid'] }, diag);
  if (r.entry('uid') === undefined && r.entry('gid') === undefined) {
    diag.error(sec.pos, 'expected key "uid" or "gid" in "uidgid", found none');
  }
  const out: UidGidConfig = {};
  const uid = idKey(r, 'uid', (n) => accounts.uidOf(n), USER_WHAT);
  const gid = idKey(r, 'gid', (n) => accounts.gidOf(n), GROUP_WHAT);
  if (uid !== undefined) out.uid = uid;
  if (gid !== undefined) out.gid = gid;
  return out;
}

function readServices(secs: BraceSection[], diag: Diagnostics): ServiceConfig[] {
  const out: ServiceConfig[] = [];
  const seen = new Map<ServiceName, number>();
  for (const sec of secs) {
    const r = new SectionReader(sec, { keys: ['name', 'ver'] }, diag);
    r.required('name');
    const name = r.choice('name', SERVICE_NAMES);
    const verE = r.entry('ver');
    if (verE !== undefined && verE.value !== '0') r.bad(verE, '0 (the only version of each service)');
    if (name === undefined) continue;
    const first = seen.get(name);
    if (first !== undefined) {
      diag.error(r.entry('name')!.valuePos, `expected each service once, found ${quote(name)} again (first at line ${first})`);
      continue;
    }
    seen.set(name, sec.pos.line);
    out.push({ name, ver: 0 });
  }
  return out;
}

function readEvent(sec: BraceSection | undefined, diag: Diagnostics): EventConfig {
  const size = EVENT_DELIVERY_QUEUE_DEFAULT;
  if (sec === undefined) return { deliveryQueueSize: size, deliveryQueueResume: Math.floor(size / 2) };
  const r = new SectionReader(sec, { keys: ['delivery_queue_size', 'delivery_queue_resume'] }, diag);
  const deliveryQueueSize = r.int('delivery_queue_size', { min: 1, max: U32_MAX }) ?? size;
  const resumeGiven = r.int('delivery_queue_resume', { min: 0, max: U32_MAX });
  if (resumeGiven !== undefined && resumeGiven > deliveryQueueSize) {
    diag.error(r.entry('delivery_queue_resume')!.valuePos, `expected delivery_queue_resume to be at most delivery_queue_size (${deliveryQueueSize}), found ${resumeGiven}`);
  }
  return { deliveryQueueSize, deliveryQueueResume: resumeGiven ?? Math.floor(deliveryQueueSize / 2) };
}
