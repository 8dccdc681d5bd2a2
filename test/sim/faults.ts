// Fault schedules: what goes wrong, where and when, all drawn from the seed's
// Prng before the run starts (so the trace can print the whole plan). A run
// has a fault phase, then one `heal` (every fault removed; each node still
// down is restarted, or removed for good), then a quiet period.
// Kinds follow reference totem.md §5.5's schedules: crashes and restarts (also
// from a stale disk), orderly leaves, symmetric and one-way partitions,
// swizzle-clogging (FoundationDB), per-link loss bursts, pauses past the token
// timeout, and drop rules by message type and receiver state (corosync's
// TEST_DROP_ORF_TOKEN / TEST_DROP_COMMIT_TOKEN switches).
import type { NodeId, TotemMessage } from '../../aisexec/totem/types.js';
import type { Prng } from './prng.js';

export type MessageType = TotemMessage['type'];
/** The core states a drop rule may name (the membership core's `currentState`). */
export type CoreState = 'gather' | 'commit' | 'recovery' | 'operational';

export type Fault =
  | { readonly kind: 'crash'; readonly node: NodeId }
  /** A new core from the node's disk, or (stale) from an older value the disk once held. */
  | { readonly kind: 'restart'; readonly node: NodeId; readonly stale: boolean }
  /** Orderly shutdown: the core is told to leave, then the node stops. */
  | { readonly kind: 'leave'; readonly node: NodeId }
  /** No link between different groups, either way. */
  | { readonly kind: 'partition'; readonly id: number; readonly groups: readonly (readonly NodeId[])[] }
  /** Asymmetric: the `to` nodes hear nothing from the `from` nodes (who still hear them). */
  | { readonly kind: 'one_way'; readonly id: number; readonly from: readonly NodeId[]; readonly to: readonly NodeId[] }
  | { readonly kind: 'unpartition'; readonly id: number }
  /** Every link in and out of the node holds its packets until untilMs (one step of a swizzle). */
  | { readonly kind: 'clog'; readonly node: NodeId; readonly untilMs: number }
  /** Loss with probability p on the link until untilMs. */
  | { readonly kind: 'burst'; readonly from: NodeId; readonly to: NodeId; readonly untilMs: number; readonly p: number }
  /** The node's process stops for ms: packets queue up, timers fire late, all at the resume. */
  | { readonly kind: 'pause'; readonly node: NodeId; readonly ms: number }
  /** Drop the next `count` messages of a type arriving at a node (any node when undefined) in a state (any when undefined). */
  | { readonly kind: 'drop'; readonly type: MessageType; readonly state: CoreState | undefined; readonly node: NodeId | undefined; readonly count: number; readonly untilMs: number }
  | { readonly kind: 'heal'; readonly restart: readonly { readonly node: NodeId; readonly stale: boolean }[]; readonly remove: readonly NodeId[] };

export interface TimedFault {
  readonly at: number;
  readonly fault: Fault;
}

const g = (ns: readonly NodeId[]): string => `{${ns.join(',')}}`;

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'crash': return `crash n${f.node}`;
    case 'restart': return `restart n${f.node}${f.stale ? ' from a STALE disk' : ''}`;
    case 'leave': return `leave n${f.node}`;
    case 'partition': return `partition #${f.id} ${f.groups.map(g).join(' | ')}`;
    case 'one_way': return `one-way partition #${f.id}: ${g(f.to)} stop hearing ${g(f.from)}`;
    case 'unpartition': return `end partition #${f.id}`;
    case 'clog': return `clog n${f.node} until ${f.untilMs.toFixed(0)}`;
    case 'burst': return `loss burst n${f.from}->n${f.to} p=${f.p.toFixed(2)} until ${f.untilMs.toFixed(0)}`;
    case 'pause': return `pause n${f.node} for ${f.ms.toFixed(0)} ms`;
    case 'drop': return `drop ${f.count} ${f.type} at ${f.node === undefined ? 'any node' : `n${f.node}`}${f.state === undefined ? '' : ` in ${f.state}`} until ${f.untilMs.toFixed(0)}`;
    case 'heal': return `HEAL: all faults removed; restart ${f.restart.map((r) => `n${r.node}${r.stale ? '(stale)' : ''}`).join(',') || 'none'}; removed for good ${g(f.remove)}`;
  }
}

export type FaultKind = 'crash' | 'leave' | 'partition' | 'one_way' | 'swizzle' | 'burst' | 'pause' | 'drop';
export const FAULT_KINDS: readonly FaultKind[] = ['crash', 'leave', 'partition', 'one_way', 'swizzle', 'burst', 'pause', 'drop'];
const SINGLE_NODE_KINDS: readonly FaultKind[] = ['crash', 'leave', 'pause', 'drop'];
const DROP_TYPES: readonly MessageType[] = ['orf_token', 'orf_token', 'memb_commit_token', 'memb_commit_token', 'memb_join', 'mcast', 'memb_merge_detect', 'token_hold_cancel'];
const DROP_STATES: readonly (CoreState | undefined)[] = ['gather', 'commit', 'recovery', 'operational', undefined];

export interface FaultPlanInput {
  nodes: readonly NodeId[];
  tokenMs: number;
  faultPhaseMs: number;
  /** How many faults (0 for a fault-free run). */
  count: number;
  /** The kinds this seed may use (swarm testing: each seed enables a few). */
  kinds: readonly FaultKind[];
  /** Probability that a restart uses a stale ring seq. */
  staleProbability: number;
}

export function pick<T>(prng: Prng, xs: readonly T[]): T {
  return xs[prng.int(0, xs.length - 1)]!;
}

export function shuffle<T>(prng: Prng, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Draws the seed's faults in time order, then the heal at faultPhaseMs. */
export function planFaults(prng: Prng, p: FaultPlanInput): TimedFault[] {
  const out: TimedFault[] = [];
  const T = p.tokenMs;
  const H = p.faultPhaseMs;
  const kinds = p.nodes.length === 1 ? p.kinds.filter((k) => SINGLE_NODE_KINDS.includes(k)) : p.kinds;
  /** A node is down from its crash or leave until its restart (Infinity: until the heal). */
  const downUntil = new Map<NodeId, number>();
  const up = (n: NodeId, t: number): boolean => (downUntil.get(n) ?? -1) <= t;
  const starts = Array.from({ length: kinds.length === 0 ? 0 : p.count }, () => prng.float() * H * 0.9).sort((a, b) => a - b);
  let partitionId = 1;
  const until = (t: number, lo: number, hi: number): number => Math.min(H, t + T * (lo + prng.float() * (hi - lo)));
  const restartLater = (t: number, n: NodeId, chance: number): void => {
    if (prng.chance(chance)) {
      const at = until(t, 0.2, 4);
      downUntil.set(n, at);
      if (at < H) out.push({ at, fault: { kind: 'restart', node: n, stale: prng.chance(p.staleProbability) } });
      else downUntil.set(n, Infinity);
    } else downUntil.set(n, Infinity);
  };
  for (const t of starts) {
    const kind = pick(prng, kinds);
    const upNodes = p.nodes.filter((n) => up(n, t));
    switch (kind) {
      case 'crash':
      case 'leave': {
        if (upNodes.length === 0) break;
        const n = pick(prng, upNodes);
        out.push({ at: t, fault: kind === 'crash' ? { kind: 'crash', node: n } : { kind: 'leave', node: n } });
        restartLater(t, n, kind === 'crash' ? 0.6 : 0.4);
        break;
      }
      case 'partition': {
        const groupCount = Math.min(p.nodes.length, prng.chance(0.8) ? 2 : 3);
        const groups: NodeId[][] = Array.from({ length: groupCount }, () => []);
        const order = shuffle(prng, p.nodes);
        // Isolating one node is a schedule of its own (TigerBeetle isolate_single).
        if (prng.chance(0.3)) {
          groups.length = 2;
          groups[0] = [order[0]!];
          groups[1] = order.slice(1);
        } else order.forEach((n, i) => groups[i < groupCount ? i : prng.int(0, groupCount - 1)]!.push(n));
        const id = partitionId++;
        out.push({ at: t, fault: { kind: 'partition', id, groups: groups.map((x) => [...x].sort((a, b) => a - b)) } });
        out.push({ at: until(t, 0.3, 5), fault: { kind: 'unpartition', id } });
        break;
      }
      case 'one_way': {
        const order = shuffle(prng, p.nodes);
        const k = prng.int(1, order.length - 1);
        const id = partitionId++;
        out.push({ at: t, fault: { kind: 'one_way', id, from: order.slice(0, k).sort((a, b) => a - b), to: order.slice(k).sort((a, b) => a - b) } });
        out.push({ at: until(t, 0.3, 5), fault: { kind: 'unpartition', id } });
        break;
      }
      case 'swizzle': {
        // FoundationDB: clog a random subset one by one, then unclog them one by one in random order.
        const subset = shuffle(prng, p.nodes).slice(0, prng.int(1, Math.max(1, Math.ceil(p.nodes.length / 2))));
        const step = T * (0.05 + prng.float() * 0.25);
        const unclogOrder = shuffle(prng, subset);
        subset.forEach((n, i) => {
          const unclogAt = Math.min(H, t + step * (subset.length + unclogOrder.indexOf(n)));
          out.push({ at: Math.min(H, t + step * i), fault: { kind: 'clog', node: n, untilMs: unclogAt } });
        });
        break;
      }
      case 'burst': {
        const from = pick(prng, p.nodes);
        const others = p.nodes.filter((n) => n !== from);
        const to = prng.chance(0.5) ? [pick(prng, others)] : others;
        const end = until(t, 0.1, 3);
        const pr = 0.3 + prng.float() * 0.7;
        for (const n of to) out.push({ at: t, fault: { kind: 'burst', from, to: n, untilMs: end, p: pr } });
        break;
      }
      case 'pause': {
        if (upNodes.length === 0) break;
        const n = pick(prng, upNodes);
        // Mostly past the token timeout; sometimes only past token/2 (corosync's pause_flush threshold).
        out.push({ at: t, fault: { kind: 'pause', node: n, ms: T * (prng.chance(0.75) ? 1 + prng.float() * 2 : 0.3 + prng.float() * 0.7) } });
        break;
      }
      case 'drop': {
        const type = pick(prng, DROP_TYPES);
        const state = pick(prng, DROP_STATES);
        const node = prng.chance(0.5) ? pick(prng, p.nodes) : undefined;
        out.push({ at: t, fault: { kind: 'drop', type, state, node, count: prng.int(1, 3), untilMs: until(t, 0.5, 5) } });
        break;
      }
    }
  }
  const stillDown = p.nodes.filter((n) => !up(n, H));
  const restart: { node: NodeId; stale: boolean }[] = [];
  const remove: NodeId[] = [];
  for (const n of stillDown) {
    if (prng.chance(0.7)) restart.push({ node: n, stale: prng.chance(p.staleProbability) });
    else remove.push(n);
  }
  // Someone must be left to converge.
  if (remove.length === p.nodes.length) restart.push({ node: remove.shift()!, stale: false });
  out.push({ at: H, fault: { kind: 'heal', restart, remove } });
  // Stable by time: equal times keep their drawing order.
  return out.map((f, i) => ({ f, i })).sort((a, b) => a.f.at - b.f.at || a.i - b.i).map((x) => x.f);
}
