// Soaks: npm run sim -- --seeds N [--from S] [--nodes K] [--no-faults]
// Replay one seed with its trace: npm run sim -- --seed S --trace (or SEED=S npm run sim -- --trace)
// Ends with one JSON line: runs, failures, events, seconds, and the failing seeds.
import { membershipCoreMissing } from './membership-core.js';
import { describeFailure, runSeed } from './run.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const missing = membershipCoreMissing();
if (missing !== undefined) {
  console.error(`sim: ${missing}`);
  process.exit(2);
}
const one = arg('seed') ?? process.env.SEED;
const from = Number(arg('from') ?? 1);
const count = one === undefined ? Number(arg('seeds') ?? 1000) : 1;
const nodesArg = arg('nodes') ?? process.env.SIM_NODES;
const nodes = nodesArg === undefined ? undefined : Number(nodesArg);
const faults = !process.argv.includes('--no-faults');
const trace = process.argv.includes('--trace');

let failures = 0;
let outsideModel = 0;
let events = 0;
const failing: number[] = [];
const started = process.hrtime.bigint();
for (let s = 0; s < count; s++) {
  const seed = one === undefined ? from + s : Number(one);
  const r = runSeed(seed, { nodes, faults, trace });
  events += r.events;
  if (r.outsideModel.length > 0) {
    outsideModel++;
    if (one !== undefined) console.log(`outside the model (stale disk):\n  ${r.outsideModel.join('\n  ')}`);
  }
  if (trace) console.log(`${r.trace()}\n--- fault plan\n${r.faultLog.join('\n')}\n--- end state\n${r.status.join('\n')}`);
  if (r.violations.length > 0) {
    failures++;
    failing.push(seed);
    console.log(describeFailure(r));
  }
}
const secs = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ runs: count, failures, stale_ring_reuse: outsideModel, events, seconds: Number(secs.toFixed(2)), nodes: nodes ?? 'drawn', faults, failing: failing.slice(0, 50) }));
process.exitCode = failures > 0 ? 1 : 0;
