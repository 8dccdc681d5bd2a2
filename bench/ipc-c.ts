// bench/ipc-c: round trips from a C client through libSaAmf.so to a freshly
// started aisexec, against a raw C Unix-socket echo of a 16-byte frame (two C
// processes) measured in the same run. The call is saAmfHAStateGet of an
// assigned component: a real AMF request and response (516-byte request,
// 4-byte answer) that the executive answers from its model without a ring
// round, so it measures the IPC path alone. saAmfHealthcheckConfirm, which
// the executive orders through the ring before it answers, is measured too
// (fewer calls) and reported as confirm_*.
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { groupsConf, waitForAmf } from '../test/helpers/amf-cluster.js';
import { startExecutive } from '../test/helpers/executive.js';
import { buildCExample, cDemoLauncher, compileC, componentPids, removeCompiled, startC } from '../test/helpers/native.js';
import { round } from './stats.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 100_000);
const WARMUP = Math.min(10_000, Math.ceil(CALLS / 10));
const CONFIRM_CALLS = Number(process.env['BENCH_CONFIRM_CALLS'] ?? 10_000);

interface Figures { calls: number; p50_us: number; p99_us: number; errors?: number; last_error?: number }

async function runProgram(bin: string, args: string[], env: Record<string, string> = {}): Promise<Figures> {
  const p = startC(bin, args, { env });
  p.proc.stdin!.end();
  const code = await p.exited(600_000);
  if (code !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} exited ${code}:\n${p.output()}`);
  const last = p.output().trim().split('\n').pop()!;
  return JSON.parse(last) as Figures;
}

async function measureEcho(bench: string): Promise<Figures> {
  const sock = path.join(os.tmpdir(), `ringfort-echo-c-${process.pid}.sock`);
  const server = startC(bench, ['echo-server', sock]);
  try {
    await server.waitFor(/^ready$/m);
    return await runProgram(bench, ['echo-client', sock, String(CALLS), String(WARMUP)]);
  } finally {
    await server.stop();
    fs.rmSync(sock, { force: true });
  }
}

async function measureAmf(bench: string): Promise<{ get: Figures; confirm: Figures }> {
  buildCExample();
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-bench-c-'));
  fs.chmodSync(bin, 0o755);
  cDemoLauncher(bin, 'cdemo', { AMF_DEMO_HC_INVOCATION: 'component', AMF_DEMO_HC_CONFIRM_MS: '1000' });
  const exec = await startExecutive({
    groups: groupsConf({
      binaryPath: bin, model: 'noredundancy',
      units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'cdemo' }] }],
      healthchecks: [{ key: 'default', periodMs: 60_000, maxMs: 60_000 }],
    }),
  });
  let pids: number[] = [];
  try {
    const s = await waitForAmf(exec, 'a ACTIVE', (s) => s.csiAssignments.some((a) => !a.pending && a.haState === 'active'));
    const a = s.csiAssignments.find((x) => x.haState === 'active')!;
    pids = componentPids(exec);
    const env = { RINGFORT_RUN_DIR: exec.runDir };
    const get = await runProgram(bench, ['amf', 'hastateget', String(CALLS), String(WARMUP), a.comp, a.csi], env);
    const confirm = await runProgram(bench, ['amf', 'confirm', String(CONFIRM_CALLS), String(Math.ceil(CONFIRM_CALLS / 10)), a.comp, a.csi], env);
    return { get, confirm };
  } finally {
    await exec.stop(20_000);
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  try {
    const bench = compileC('ipc_bench', ['native/bench/ipc_bench.c']);
    console.log(`ipc-c: ${CALLS} sequential saAmfHAStateGet calls from C (libSaAmf) to aisexec, after ${WARMUP} warm-up calls`);
    const { get, confirm } = await measureAmf(bench);
    if (get.errors) throw new Error(`saAmfHAStateGet failed ${get.errors} times (last error ${get.last_error})`);
    console.log(`ipc-c: saAmfHAStateGet round trip p50 ${get.p50_us} us, p99 ${get.p99_us} us`);
    console.log(`ipc-c: ${CONFIRM_CALLS} saAmfHealthcheckConfirm (ordered through the ring): p50 ${confirm.p50_us} us, p99 ${confirm.p99_us} us, ${confirm.errors} errors (last ${confirm.last_error})`);
    console.log(`ipc-c: baseline: ${CALLS} round trips of a 16-byte frame to a raw C Unix-socket echo server (separate process)`);
    const echo = await measureEcho(bench);
    console.log(`ipc-c: echo round trip p50 ${echo.p50_us} us, p99 ${echo.p99_us} us`);
    return {
      bench: 'ipc-c', call: 'saAmfHAStateGet', calls: CALLS, p50_us: round(get.p50_us), p99_us: round(get.p99_us),
      baseline_p50_us: round(echo.p50_us), baseline_p99_us: round(echo.p99_us), ratio: round(get.p50_us / echo.p50_us, 2),
      confirm_calls: CONFIRM_CALLS, confirm_p50_us: round(confirm.p50_us), confirm_p99_us: round(confirm.p99_us),
    };
  } finally {
    removeCompiled();
  }
}
