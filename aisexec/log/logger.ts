// Subsystem logging in the style of corosync/openais logsys: one line per
// message, `timestamp level [SUBSYS] text`, to stderr and/or a file, with a
// per-subsystem debug switch. Library code logs only through a Logger.
import fs from 'node:fs';
import path from 'node:path';

export type LogLevel = 'error' | 'warning' | 'notice' | 'info' | 'debug';

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

export interface LogOptions {
  toStderr: boolean;
  toFile: boolean;
  logfile?: string;
  debug: boolean;
  timestamp: boolean;
  fileline: boolean;
  subsys: ReadonlyArray<{ subsys: string; debug: boolean }>;
}

export const DEFAULT_LOG_OPTIONS: LogOptions = {
  toStderr: true,
  toFile: false,
  debug: false,
  timestamp: true,
  fileline: false,
  subsys: [],
};

export interface Logger {
  readonly subsys: string;
  error(msg: string): void;
  warning(msg: string): void;
  notice(msg: string): void;
  info(msg: string): void;
  /** Debug text may be a thunk so that building it costs nothing when debug is off. */
  debug(msg: string | (() => string)): void;
  isDebug(): boolean;
}

/** Where formatted lines go; the default writes to stderr and the log file. Tests inject a collector. */
export type LineSink = (line: string, level: LogLevel) => void;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Nov 23 12:43:01.123` in local time, as corosync prints it (plus milliseconds). */
export function formatTimestamp(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The caller's `file:line`, for `fileline: on`. Costs a stack capture, so only done when asked. */
function callerFileLine(): string {
  const stack = new Error().stack?.split('\n') ?? [];
  // [0] "Error", [1] callerFileLine, [2] LogSystem.write, [3] Logger method, [4] the caller.
  const frame = stack[4] ?? '';
  const m = /\(?([^()\s]+):(\d+):\d+\)?$/.exec(frame.trim());
  if (!m) return '?:0';
  return `${path.basename(m[1]!)}:${m[2]}`;
}

export class LogSystem {
  private opts: LogOptions = DEFAULT_LOG_OPTIONS;
  private fd: number | undefined;
  private readonly loggers = new Map<string, SubsysLogger>();
  private sink: LineSink;
  private readonly now: () => Date;

  constructor(opts?: { sink?: LineSink; now?: () => Date }) {
    this.sink = opts?.sink ?? ((line) => this.defaultSink(line));
    this.now = opts?.now ?? (() => new Date());
  }

  /** Applies a logging configuration. Opening the log file may throw (the caller reports it and exits). */
  configure(opts: LogOptions): void {
    const nextFd = opts.toFile && opts.logfile !== undefined ? fs.openSync(opts.logfile, 'a', 0o640) : undefined;
    this.closeFile();
    this.fd = nextFd;
    this.opts = opts;
    for (const l of this.loggers.values()) l.refresh();
  }

  get(subsys: string): Logger {
    let l = this.loggers.get(subsys);
    if (l === undefined) {
      l = new SubsysLogger(this, subsys);
      this.loggers.set(subsys, l);
    }
    return l;
  }

  debugEnabled(subsys: string): boolean {
    const own = this.opts.subsys.find((s) => s.subsys.toUpperCase() === subsys.toUpperCase());
    return own !== undefined ? own.debug : this.opts.debug;
  }

  write(subsys: string, level: LogLevel, text: string): void {
    const parts: string[] = [];
    if (this.opts.timestamp) parts.push(formatTimestamp(this.now()));
    parts.push(level.padEnd(7));
    parts.push(`[${subsys.padEnd(5)}]`);
    if (this.opts.fileline) parts.push(`[${callerFileLine()}]`);
    parts.push(text.replace(/\n/g, '\\n'));
    this.sink(parts.join(' '), level);
  }

  close(): void {
    this.closeFile();
  }

  private closeFile(): void {
    if (this.fd !== undefined) {
      try { fs.closeSync(this.fd); } catch { /* already closed */ }
      this.fd = undefined;
    }
  }

  private stderrBroken = false;

  private defaultSink(line: string): void {
    if (this.opts.toStderr && !this.stderrBroken) {
      if (process.stderr.listenerCount('error') === 0) {
        // A closed stderr (a daemon's, or a pipe whose reader left) must not turn every log line into an exception.
        process.stderr.on('error', () => { this.stderrBroken = true; });
      }
      process.stderr.write(line + '\n');
    }
    if (this.fd !== undefined) {
      try { fs.writeSync(this.fd, line + '\n'); } catch { /* a full disk must not stop the executive */ }
    }
  }
}

class SubsysLogger implements Logger {
  private debugOn = false;
  constructor(private readonly sys: LogSystem, readonly subsys: string) {
    this.refresh();
  }
  refresh(): void {
    this.debugOn = this.sys.debugEnabled(this.subsys);
  }
  error(msg: string): void { this.sys.write(this.subsys, 'error', msg); }
  warning(msg: string): void { this.sys.write(this.subsys, 'warning', msg); }
  notice(msg: string): void { this.sys.write(this.subsys, 'notice', msg); }
  info(msg: string): void { this.sys.write(this.subsys, 'info', msg); }
  debug(msg: string | (() => string)): void {
    if (this.debugOn) this.sys.write(this.subsys, 'debug', typeof msg === 'function' ? msg() : msg);
  }
  isDebug(): boolean { return this.debugOn; }
}

/** Ranks for filtering by level (syslog numbering: lower is more severe). */
export function levelRank(level: LogLevel): number {
  return LEVEL_RANK[level];
}

/** A logger that keeps lines in memory: for tests and for cores under simulation. */
export function memoryLogSystem(opts: Partial<LogOptions> = {}): { system: LogSystem; lines: string[] } {
  const lines: string[] = [];
  const system = new LogSystem({ sink: (l) => lines.push(l) });
  system.configure({ ...DEFAULT_LOG_OPTIONS, toStderr: false, timestamp: false, ...opts });
  return { system, lines };
}
