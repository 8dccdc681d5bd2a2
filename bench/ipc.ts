// bench/ipc: round-trip time of a no-op request (ReqLibCfgPing, empty body)
// from the TypeScript client to a freshly started aisexec, against a raw
// Unix-socket echo of a 16-byte frame measured in the same run.
import { fork } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CfgClient } from '../lib-ais/cfg.js';
import { encodeFrame } from '../lib-ais/ipc/frame.js';
import { startExecutive } from '../test/helpers/executive.js';
import { round, summarise } from './stats.js';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 100_000);
const WARMUP = Math.min(10_000, Math.ceil(CALLS / 10));

async function measureEcho(calls: number): Promise<Float64Array> {
  const sock = path.join(os.tmpdir(), `ringfort-echo-${process.pid}.sock`);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const child = fork(path.join(here, 'echo-server.ts'), [sock], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await once(child, 'message');
  const s = net.connect(sock);
  s.setNoDelay(true);
  await once(s, 'connect');
  const frame = encodeFrame(0x00070000, 0, 1);
  let want = frame.length;
  let resolveOne: () => void = () => {};
  s.on('data', (d: Buffer) => {
    want -= d.length;
    if (want <= 0) { want = frame.length; resolveOne(); }
  });
  const roundTrip = () => new Promise<void>((r) => { resolveOne = r; s.write(frame); });
  for (let i = 0; i < WARMUP; i++) await roundTrip();
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await roundTrip();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  s.destroy();
  child.kill('SIGTERM');
  await once(child, 'exit');
  return samples;
}

async function measureExecutive(calls: number): Promise<Float64Array> {
  const exec = await startExecutive();
  try {
    const c = await CfgClient.open({}, { socketPath: exec.socketPath });
    for (let i = 0; i < WARMUP; i++) await c.ping();
    const samples = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      await c.ping();
      samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
    c.finalize();
    return samples;
  } finally {
    await exec.stop();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  console.log(`ipc: ${CALLS} sequential no-op requests (ReqLibCfgPing) from lib-ais to aisexec, after ${WARMUP} warm-up calls`);
  const execSamples = await measureExecutive(CALLS);
  const e = summarise(execSamples);
  console.log(`ipc: aisexec round trip p50 ${e.p50} us, p99 ${e.p99} us`);
  console.log(`ipc: baseline: ${CALLS} round trips of a 16-byte frame to a raw Unix-socket echo server (Node, separate process)`);
  const b = summarise(await measureEcho(CALLS));
  console.log(`ipc: echo round trip p50 ${b.p50} us, p99 ${b.p99} us`);
  return { bench: 'ipc', calls: CALLS, p50_us: e.p50, p99_us: e.p99, baseline_p50_us: b.p50, baseline_p99_us: b.p99, ratio: round(e.p50 / b.p50, 2) };
}
