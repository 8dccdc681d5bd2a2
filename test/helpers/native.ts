// Helpers for test/native: build libSaAmf, compile C test programs against
// it with the machine's gcc, build the C example component, and run C
// programs (optionally under valgrind), stopping each by its pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, type RunningExecutive } from './executive.js';

export const NATIVE = path.join(REPO, 'native');
export const NATIVE_BUILD = path.join(NATIVE, 'build');
export const C_EXAMPLE_DIR = path.join(REPO, 'examples/c');
export const C_DEMO = path.join(C_EXAMPLE_DIR, 'c-demo');

let built = false;
/** `make -C native` once per process (a no-op when `npm run build` already built it). */
export function buildNative(): void {
  if (built) return;
  execFileSync('make', ['-s', '-C', NATIVE], { stdio: ['ignore', 'pipe', 'pipe'] });
  built = true;
}

let outDir: string | undefined;
function compiledDir(): string {
  if (outDir === undefined) outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-native-'));
  return outDir;
}

/** Removes what compileC produced. */
export function removeCompiled(): void {
  if (outDir !== undefined) fs.rmSync(outDir, { recursive: true, force: true });
  outDir = undefined;
}

/**
 * Compiles C sources (paths relative to the repository) into a program. `internal` adds
 * native/src to the include path and links the sources alone (codec tests); otherwise the
 * program links against build/libSaAmf.so like any application; `libs` are added last (-lcpg).
 */
export function compileC(name: string, sources: string[], opts: { internal?: boolean; libs?: string[] } = {}): string {
  buildNative();
  const out = path.join(compiledDir(), name);
  const args = ['-O1', '-g', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Werror', '-pthread', '-I', path.join(NATIVE, 'include')];
  if (opts.internal) args.push('-I', path.join(NATIVE, 'src'));
  args.push(...sources.map((s) => path.join(REPO, s)), '-o', out);
  if (!opts.internal) args.push('-L', NATIVE_BUILD, `-Wl,-rpath,${NATIVE_BUILD}`, '-lSaAmf');
  args.push(...(opts.libs ?? []));
  execFileSync('gcc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return out;
}

/** Builds examples/c/c-demo with its own Makefile, through pkg-config on native/build. */
export function buildCExample(): string {
  buildNative();
  execFileSync('make', ['-s', '-C', C_EXAMPLE_DIR], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PKG_CONFIG_PATH: NATIVE_BUILD },
  });
  return C_DEMO;
}

/** Writes an executable launcher `name` in `dir` that runs c-demo (optionally under valgrind) with extra environment. */
export function cDemoLauncher(dir: string, name: string, env: Record<string, string> = {}, valgrindLog?: string): void {
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`).join('\n');
  const vg = valgrindLog === undefined ? '' : `valgrind --error-exitcode=1 --leak-check=full --log-file='${valgrindLog}' `;
  fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${exports}\nexec ${vg}"${C_DEMO}"\n`, { mode: 0o755 });
}

/** Whether valgrind can be run; undefined when it is missing. */
export function valgrindVersion(): string | undefined {
  try {
    return execFileSync('valgrind', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

export const VALGRIND_ARGS = ['--error-exitcode=1', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect', '-q'];

export interface CRun {
  proc: ChildProcess;
  output(): string;
  /** Resolves when the output matches `re`; rejects if the program exits first or after timeoutMs. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name); kills the program by its pid after timeoutMs. */
  exited(timeoutMs?: number): Promise<number | string>;
  /** Stops the program by its pid if it still runs. */
  stop(): Promise<void>;
}

/** Starts a C program, optionally under valgrind, collecting stdout and stderr. */
export function startC(bin: string, args: string[], opts: { env?: Record<string, string>; valgrind?: boolean } = {}): CRun {
  const [cmd, argv] = opts.valgrind ? ['valgrind', [...VALGRIND_ARGS, bin, ...args]] : [bin, args];
  const proc = spawn(cmd, argv, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const done = new Promise<number | string>((resolve) => proc.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const kill = () => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  };
  return {
    proc,
    output: () => out,
    async waitFor(re, timeoutMs = 20000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${path.basename(bin)} exited before ${re}:\n${out}`);
        if (Date.now() > until) throw new Error(`${path.basename(bin)}: no ${re} within ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async exited(timeoutMs = 30000) {
      const t = setTimeout(kill, timeoutMs);
      const code = await done;
      clearTimeout(t);
      return code;
    },
    async stop() {
      kill();
      await done;
    },
  };
}

/** Runs a C program to its end; the output and exit code. */
export async function runC(bin: string, args: string[], opts: { env?: Record<string, string>; valgrind?: boolean; timeoutMs?: number } = {}) {
  const r = startC(bin, args, opts);
  r.proc.stdin!.end();
  const code = await r.exited(opts.timeoutMs);
  return { code, output: r.output() };
}

/** Pids in the pid files the CLC-CLI script wrote under the executive's run directory. */
export function componentPids(exec: RunningExecutive): number[] {
  const dir = path.join(exec.runDir, 'amf');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.pid'))
    .map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim())).filter((p) => p > 1);
}

/** The components' own output (their log files under the run directory). */
export function componentLogs(exec: RunningExecutive): string {
  const dir = path.join(exec.runDir, 'amf');
  if (!fs.existsSync(dir)) return '';
  return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('');
}
