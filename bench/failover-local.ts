// bench/failover-local: a 2N service group of two SA-aware components on one
// node. Each run kill -9s the ACTIVE component's process and measures the time
// until the standby component receives its ACTIVE CSI set callback (clocks:
// epoch time with µs resolution in both processes). After each run the bench
// waits for the killed component to be restarted and the SG to be back to one
// ACTIVE and one STANDBY before the next run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { groupsConf, waitForAmf, haOf } from '../test/helpers/amf-cluster.js';
import { REPO, startExecutive } from '../test/helpers/executive.js';
import { round } from './stats.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 50);
const HA_ACTIVE = 1;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function run(): Promise<Record<string, unknown>> {
  const dist = path.join(REPO, 'dist/bench/failover-component.js');
  if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: run "npm run build" first`);
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-failover-'));
  fs.chmodSync(bin, 0o755);
  const reportFile = path.join(bin, 'report');
  fs.writeFileSync(path.join(bin, 'comp'), `#!/bin/sh\nexport FAILOVER_REPORT='${reportFile}'\nexec "${process.execPath}" "${dist}"\n`, { mode: 0o755 });
  const exec = await startExecutive({
    groups: groupsConf({
      binaryPath: bin,
      // Every kill fails the killed component's SU over at once (recovery_on_error), whatever the escalation
      // counts say, and auto_repair brings that SU back as the new standby for the next run.
      units: [
        { name: 'SU_1', components: [{ name: 'a', bn: 'comp', extra: '\t\t\trecovery_on_error=component_failover' }] },
        { name: 'SU_2', components: [{ name: 'b', bn: 'comp', extra: '\t\t\trecovery_on_error=component_failover' }] },
      ],
      extraGroup: '\tauto_repair=yes',
      // Normal escalation values, but for unit_restart_probation: it is also the auto-repair loop window (an SU
      // that fails over again within it of its last repair stays disabled), and the bench kills each SU every
      // other run, so it must be shorter than that.
      escalation: { unitProbationMs: 200 },
    }),
    logging: 'logging {\n\tto_stderr: yes\n\ttimestamp: on\n\tdebug: off\n}',
  });
  const samples: number[] = [];
  try {
    console.log(`failover-local: ${RUNS} runs: kill -9 the ACTIVE component, time until the standby's ACTIVE CSI set callback`);
    for (let i = 0; i < RUNS; i++) {
      const s = await waitForAmf(exec, 'one ACTIVE and one STANDBY', (s) => {
        const ha = [...haOf(s, 'a'), ...haOf(s, 'b')].sort();
        return ha.length === 2 && ha[0] === 'active' && ha[1] === 'standby' && s.components.every((c) => c.presence === 'instantiated');
      }, 30000);
      const active = s.csiAssignments.find((a) => a.haState === 'active' && !a.pending)!.comp;
      const victim = s.components.find((c) => c.dn === active)!.pid!;
      const before = fs.readFileSync(reportFile, 'utf8').length;
      const t0 = performance.timeOrigin + performance.now();
      process.kill(victim, 'SIGKILL');
      let t1: number | undefined;
      for (let spin = 0; t1 === undefined; spin++) {
        const lines = fs.readFileSync(reportFile, 'utf8').slice(before).split('\n').filter(Boolean);
        const hit = lines.map((l) => l.split(' ')).find(([, ha, pid]) => Number(ha) === HA_ACTIVE && Number(pid) !== victim);
        if (hit) t1 = Number(hit[0]);
        else {
          if (spin > 20000) throw new Error('the standby never became ACTIVE');
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      samples.push(t1 - t0);
      if ((i + 1) % 10 === 0) console.log(`failover-local: ${i + 1} runs, last ${round(t1 - t0, 2)} ms`);
    }
  } finally {
    await exec.stop(20000);
    fs.rmSync(bin, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = round(percentile(sorted, 50), 2);
  const p99 = round(percentile(sorted, 99), 2);
  console.log(`failover-local: p50 ${p50} ms, p99 ${p99} ms, min ${round(sorted[0]!, 2)} ms, max ${round(sorted[sorted.length - 1]!, 2)} ms`);
  return { bench: 'failover-local', runs: RUNS, p50_ms: p50, p99_ms: p99 };
}
