// Starts a real aisexec process (the built dist/ binary) on a temporary
// configuration and run directory, and stops it by its pid. Shared by the
// end-to-end tests and the benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXECUTIVE_NODE_FLAGS } from '../../aisexec/node-flags.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const AISEXEC = path.join(REPO, 'dist/aisexec/main.js');
/** node's arguments that run the executive as every start-up path does (aisexec/node-flags.ts), before its own. */
export const AISEXEC_ARGV: readonly string[] = [...EXECUTIVE_NODE_FLAGS, AISEXEC];

export interface RunningExecutive {
  proc: ChildProcess;
  dir: string;
  runDir: string;
  socketPath: string;
  configFile: string;
  output(): string;
  /** SIGTERM, then wait for the exit; SIGKILL after `graceMs`. Resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<number | string>;
}

export interface ExecutiveSetup {
  /** Extra openais.conf text appended to the generated file. */
  extra?: string;
  /** groups.conf text; AMF is enabled when given. */
  groups?: string;
  logging?: string;
}

export function writeConfig(dir: string, setup: ExecutiveSetup = {}): string {
  const runDir = path.join(dir, 'run');
  const file = path.join(dir, 'openais.conf');
  const text = [
    'totem {', '\tversion: 2', '\tsecauth: off', '\ttransport: udpu',
    '\tinterface {', '\t\tringnumber: 0', '\t\tbindnetaddr: 127.0.0.1', '\t\tmcastport: 5405', '\t}', '}',
    'nodelist {', '\tnode {', '\t\tnodeid: 1', '\t\tring0_addr: 127.0.0.1', '\t}', '}',
    setup.logging ?? 'logging {\n\tto_stderr: yes\n\ttimestamp: on\n}',
    `amf {\n\tmode: ${setup.groups !== undefined ? 'enabled' : 'disabled'}\n}`,
    `aisexec {\n\trun_dir: ${runDir}\n}`,
    setup.extra ?? '',
  ].join('\n') + '\n';
  fs.writeFileSync(file, text);
  if (setup.groups !== undefined) fs.writeFileSync(path.join(dir, 'groups.conf'), setup.groups);
  return file;
}

/** Starts `aisexec -f` and resolves once it logs that it is ready. */
export async function startExecutive(setup: ExecutiveSetup = {}, timeoutMs = 15000): Promise<RunningExecutive> {
  if (!fs.existsSync(AISEXEC)) throw new Error(`${AISEXEC} is missing: run "npm run build" first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-e2e-'));
  fs.chmodSync(dir, 0o755); // clients of other uids must reach the socket to be refused by credentials
  const configFile = writeConfig(dir, setup);
  const runDir = path.join(dir, 'run');
  const proc = spawn(process.execPath, [...AISEXEC_ARGV, '-f', '-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const started = Date.now();
  while (!out.includes('ready to provide service')) {
    const early = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
    if (early !== undefined) throw new Error(`aisexec exited (${early}) before it was ready:\n${out}`);
    if (Date.now() - started > timeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`aisexec not ready within ${timeoutMs} ms:\n${out}`);
    }
  }
  return {
    proc, dir, runDir, socketPath: path.join(runDir, 'libais.socket'), configFile,
    output: () => out,
    async stop(graceMs = 10000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        process.kill(proc.pid!, 'SIGTERM');
        const t = setTimeout(() => { if (proc.exitCode === null) process.kill(proc.pid!, 'SIGKILL'); }, graceMs);
        const code = await exited;
        clearTimeout(t);
        fs.rmSync(dir, { recursive: true, force: true });
        return code;
      }
      const code = await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** True while `pid` runs. A zombie counts as exited: in a container nobody may reap a detached daemon. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}
