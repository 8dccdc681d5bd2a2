// The simulated broadcast domain: every directed link (from, to) has a delay
// (a minimum plus an exponential tail, which reorders), i.i.d. loss and
// duplication, and the link faults: blocked by a partition (symmetric or one
// direction only), clogged (packets held until the clog ends, FoundationDB's
// clogging) and loss bursts (a high loss rate for a while, on one link).
import type { NodeId } from '../../aisexec/totem/types.js';
import type { Prng } from './prng.js';

export interface NetworkParams {
  lossProbability: number;
  duplicateProbability: number;
  delayMinMs: number;
  delayMeanMs: number;
}

/** Where a packet goes: arrival times (0, 1 or 2 copies) or why it was lost. */
export interface Route {
  readonly arrivals: readonly number[];
  readonly lost: 'partition' | 'burst' | 'loss' | undefined;
}

const link = (from: NodeId, to: NodeId): string => `${from}>${to}`;

export class Network {
  /** How many active partitions block each link (they may overlap). */
  private readonly blocked = new Map<string, number>();
  /** Packets on a clogged link are held until this time. */
  private readonly clogged = new Map<string, number>();
  private readonly bursts = new Map<string, { untilMs: number; p: number }>();

  constructor(
    private readonly prng: Prng,
    public params: NetworkParams,
  ) {}

  block(from: NodeId, to: NodeId): void {
    this.blocked.set(link(from, to), (this.blocked.get(link(from, to)) ?? 0) + 1);
  }

  unblock(from: NodeId, to: NodeId): void {
    const n = (this.blocked.get(link(from, to)) ?? 0) - 1;
    if (n > 0) this.blocked.set(link(from, to), n);
    else this.blocked.delete(link(from, to));
  }

  clog(from: NodeId, to: NodeId, untilMs: number): void {
    this.clogged.set(link(from, to), Math.max(untilMs, this.clogged.get(link(from, to)) ?? 0));
  }

  burst(from: NodeId, to: NodeId, untilMs: number, p: number): void {
    this.bursts.set(link(from, to), { untilMs, p });
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(link(from, to));
  }

  /** The heal: every link fault removed (held packets keep their release times). */
  heal(): void {
    this.blocked.clear();
    this.clogged.clear();
    this.bursts.clear();
  }

  /** Faults currently in force, for the trace. */
  describe(): string {
    const parts: string[] = [];
    if (this.blocked.size > 0) parts.push(`blocked ${[...this.blocked.keys()].join(' ')}`);
    if (this.clogged.size > 0) parts.push(`clogged ${[...this.clogged.keys()].join(' ')}`);
    if (this.bursts.size > 0) parts.push(`bursts ${[...this.bursts.keys()].join(' ')}`);
    return parts.join('; ') || 'no link faults';
  }

  route(from: NodeId, to: NodeId, now: number): Route {
    const k = link(from, to);
    if (this.blocked.has(k)) return { arrivals: [], lost: 'partition' };
    const b = this.bursts.get(k);
    if (b !== undefined) {
      if (now >= b.untilMs) this.bursts.delete(k);
      else if (this.prng.chance(b.p)) return { arrivals: [], lost: 'burst' };
    }
    if (this.params.lossProbability > 0 && this.prng.chance(this.params.lossProbability)) return { arrivals: [], lost: 'loss' };
    const copies = this.params.duplicateProbability > 0 && this.prng.chance(this.params.duplicateProbability) ? 2 : 1;
    const held = this.clogged.get(k);
    const from0 = held !== undefined && held > now ? held : now;
    const arrivals: number[] = [];
    for (let i = 0; i < copies; i++) arrivals.push(from0 + this.params.delayMinMs + this.prng.exp(this.params.delayMeanMs));
    return { arrivals, lost: undefined };
  }
}
