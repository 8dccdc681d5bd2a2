// Runs one CLC-CLI command: a program with an argument vector (never a shell
// string), in the component's directory, with the environment the engine
// built, under a timeout. Its output goes to the log line by line. The command
// runs in its own process group so that a timeout kills whatever it started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Logger } from '../aisexec/log/logger.js';

export interface ClcCommand {
  comp: string;
  op: string;
  program: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  /** Where an instantiate command leaves the component's pid, if it does. */
  pidFile?: string;
}

export interface ClcResult {
  outcome: 'exited' | 'timeout' | 'spawnFailed';
  exitCode?: number;
  signal?: string;
  pid?: number;
  message?: string;
}

/** Bytes of one output line kept for the log; the rest is cut, so a chatty script cannot flood it. */
const LINE_BYTES_MAX = 1024;

export class ClcRunner {
  private readonly running = new Set<number>();

  constructor(private readonly log: Logger) {}

  run(cmd: ClcCommand): Promise<ClcResult> {
    const tag = `${cmd.op} ${cmd.comp}`;
    if (!fs.existsSync(cmd.cwd)) {
      return Promise.resolve({ outcome: 'spawnFailed', message: `working directory ${cmd.cwd} does not exist` });
    }
    if (cmd.pidFile !== undefined) {
      try { fs.rmSync(cmd.pidFile, { force: true }); } catch { /* unreadable directory: reported when read */ }
    }
    return new Promise((resolve) => {
      let child;
      try {
        child = spawn(cmd.program, cmd.argv, { cwd: cmd.cwd, env: cmd.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        resolve({ outcome: 'spawnFailed', message: (e as Error).message });
        return;
      }
      let settled = false;
      let timedOut = false;
      const pgid = child.pid;
      if (pgid !== undefined) this.running.add(pgid);
      const timer = setTimeout(() => {
        timedOut = true;
        this.log.warning(`CLC-CLI ${tag}: ${cmd.program} did not finish within ${cmd.timeoutMs} ms; killing it`);
        killGroup(pgid);
      }, cmd.timeoutMs);
      const lines = (stream: NodeJS.ReadableStream, level: 'info' | 'warning') => {
        let rest = '';
        stream.on('data', (d: Buffer) => {
          rest += d.toString('utf8');
          let nl: number;
          while ((nl = rest.indexOf('\n')) >= 0) {
            this.log[level](`CLC-CLI ${tag}: ${rest.slice(0, Math.min(nl, LINE_BYTES_MAX))}`);
            rest = rest.slice(nl + 1);
          }
          if (rest.length > LINE_BYTES_MAX) {
            this.log[level](`CLC-CLI ${tag}: ${rest.slice(0, LINE_BYTES_MAX)}`);
            rest = '';
          }
        });
        stream.on('end', () => { if (rest !== '') this.log[level](`CLC-CLI ${tag}: ${rest.slice(0, LINE_BYTES_MAX)}`); });
      };
      lines(child.stdout!, 'info');
      lines(child.stderr!, 'warning');
      const finish = (r: ClcResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (pgid !== undefined) this.running.delete(pgid);
        resolve(r);
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        finish({ outcome: 'spawnFailed', message: `cannot run ${cmd.program}: ${e.code ?? e.message}` });
      });
      child.on('exit', (code, signal) => {
        if (timedOut) return finish({ outcome: 'timeout', signal: signal ?? undefined, message: `no exit within ${cmd.timeoutMs} ms` });
        const r: ClcResult = { outcome: 'exited', exitCode: code ?? undefined, signal: signal ?? undefined };
        if (code !== 0) r.message = signal ? `killed by ${signal}` : `exit status ${code}`;
        if (code === 0 && cmd.pidFile !== undefined) {
          const pid = readPid(cmd.pidFile);
          if (pid !== undefined) r.pid = pid;
        }
        finish(r);
      });
    });
  }

  /** Kills every command still running (executive shutdown). */
  killAll(): void {
    for (const pgid of this.running) killGroup(pgid);
    this.running.clear();
  }
}

function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}
