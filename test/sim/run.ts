// One simulation run from a seed: the seed picks the network, the workload and
// the flow-control constants; the run ends when every member has delivered
// every accepted message (or at the deadline, a liveness failure); then the
// invariants are checked.
import type { TotemCoreConfig } from '../../aisexec/totem/core.js';
import { deriveTokenRetransmitMs, TOTEM_DEFAULTS } from '../../aisexec/config/totemconfig.js';
import { SimCluster, type NetworkParams } from './cluster.js';
import { checkAll } from './invariants.js';
import { Prng } from './prng.js';

export interface SimOptions {
  nodes: number;
  /** Highest loss probability a seed may draw. */
  lossMax: number;
}

export interface SimResult {
  seed: number;
  nodes: number;
  net: NetworkParams;
  messages: number;
  simulatedMs: number;
  events: number;
  refused: number;
  maxBuffered: number;
  tokenRetransmits: number;
  mcastRetransmits: number;
  violations: string[];
  trace: () => string;
}

/** Simulated time allowed per node (at least 60 s) after the last submission for every message to arrive everywhere. */
const SETTLE_MS_PER_NODE = 15_000;
const EVENTS_MAX = 2_000_000;
const SUBMIT_WINDOW_MS = 200;
const MESSAGES_PER_NODE_MAX = 40;

export function runSeed(seed: number, opts: SimOptions): SimResult {
  const prng = new Prng(seed);
  const net: NetworkParams = {
    lossProbability: prng.chance(0.2) ? 0 : prng.float() * opts.lossMax,
    duplicateProbability: prng.chance(0.5) ? 0 : prng.float() * 0.05,
    delayMinMs: 0.02 + prng.float() * 0.1,
    delayMeanMs: prng.float() * 2,
  };
  const tokenMs = TOTEM_DEFAULTS.tokenMs;
  const small = prng.chance(0.5);
  const members = Array.from({ length: opts.nodes }, (_, i) => i + 1);
  const configs: TotemCoreConfig[] = members.map((nodeId) => ({
    nodeId,
    members,
    ringId: { rep: 1, seq: 4n },
    tokenMs,
    tokenRetransmitMs: deriveTokenRetransmitMs(tokenMs, TOTEM_DEFAULTS.tokenRetransmitsBeforeLossConst),
    windowSize: small ? prng.int(2, 12) : TOTEM_DEFAULTS.windowSize,
    maxMessages: small ? prng.int(1, 5) : TOTEM_DEFAULTS.maxMessages,
    missCountConst: prng.int(1, TOTEM_DEFAULTS.missCountConst),
  }));
  // Share one windowSize/maxMessages across the ring (they are cluster-wide settings).
  for (const c of configs) {
    c.windowSize = configs[0]!.windowSize;
    c.maxMessages = configs[0]!.maxMessages;
    c.missCountConst = configs[0]!.missCountConst;
  }
  const cluster = new SimCluster(prng, net, configs);
  let messages = 0;
  for (const n of members) {
    const count = prng.int(0, MESSAGES_PER_NODE_MAX);
    for (let k = 0; k < count; k++) cluster.submitAt(n, `n${n}/${k}`, prng.float() * SUBMIT_WINDOW_MS);
    messages += count;
  }
  cluster.start();
  const records = [...cluster.records.values()];
  const done = (): boolean => {
    const accepted = records.reduce((s, r) => s + r.accepted.length, 0);
    return accepted === messages && records.every((r) => r.deliveries.length === messages);
  };
  // Every lost token costs a token_retransmit; a longer ring loses it more often per rotation.
  const settleMs = Math.max(60_000, SETTLE_MS_PER_NODE * opts.nodes);
  const finished = cluster.runUntil(done, SUBMIT_WINDOW_MS + settleMs, EVENTS_MAX);
  const violations = checkAll(cluster);
  if (!finished) violations.unshift(`liveness: not every message delivered everywhere by ${SUBMIT_WINDOW_MS + settleMs} ms simulated (${cluster.events} events)`);
  let maxBuffered = 0;
  let tokenRetransmits = 0;
  let mcastRetransmits = 0;
  for (const core of cluster.cores.values()) {
    maxBuffered = Math.max(maxBuffered, core.queues().recvHighWater);
    tokenRetransmits += core.counters.tokenRetransmits;
    mcastRetransmits += core.counters.mcastsRetransmitted;
  }
  return {
    seed, nodes: opts.nodes, net, messages, simulatedMs: cluster.now, events: cluster.events,
    refused: records.reduce((s, r) => s + r.refused, 0), maxBuffered, tokenRetransmits, mcastRetransmits,
    violations, trace: () => cluster.traceText(),
  };
}

/** A failure report a human can act on: the seed, the replay command, the violations, the trace tail. */
export function describeFailure(r: SimResult): string {
  return [
    `simulation failed: seed ${r.seed}, ${r.nodes} nodes, loss ${r.net.lossProbability.toFixed(3)}, dup ${r.net.duplicateProbability.toFixed(3)}, ${r.messages} messages`,
    `replay: SEED=${r.seed} SIM_NODES=${r.nodes} npx mocha 'test/sim/**/*.test.ts'   (or: npm run sim -- --seed ${r.seed} --nodes ${r.nodes} --trace)`,
    ...r.violations.map((v) => `  ${v}`),
  ].join('\n');
}
