// Long soaks: npm run sim -- --seeds N [--from S] [--nodes 1,2,3,5] [--loss 0.2]
// Replay one seed: npm run sim -- --seed S --nodes N --trace
import { describeFailure, runSeed } from './run.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const one = arg('seed') ?? process.env.SEED;
const from = Number(arg('from') ?? 1);
const count = one === undefined ? Number(arg('seeds') ?? 1000) : 1;
const nodeCounts = (arg('nodes') ?? process.env.SIM_NODES ?? '1,2,3,5').split(',').map(Number);
const lossMax = Number(arg('loss') ?? 0.2);
const trace = process.argv.includes('--trace');

let runs = 0;
let failures = 0;
let events = 0;
const started = process.hrtime.bigint();
for (let s = 0; s < count; s++) {
  const seed = one === undefined ? from + s : Number(one);
  for (const nodes of nodeCounts) {
    const r = runSeed(seed, { nodes, lossMax });
    runs++;
    events += r.events;
    if (trace) console.log(r.trace());
    if (r.violations.length > 0) {
      failures++;
      console.log(describeFailure(r));
    }
  }
}
const secs = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ runs, failures, events, seconds: Number(secs.toFixed(2)), node_counts: nodeCounts, loss_max: lossMax }));
process.exitCode = failures > 0 ? 1 : 0;
