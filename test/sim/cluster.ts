// A deterministic simulated cluster: N real Totem cores over a simulated clock
// and packet network (delay, loss, duplication, reordering), all randomness
// from one seeded Prng. Everything the cores do is recorded for the checkers.
import { TotemCore, type TotemCoreConfig } from '../../aisexec/totem/core.js';
import { ringIdString, type NodeId, type RingId, type TimerName, type TotemAction, type TotemEvent, type TotemMessage } from '../../aisexec/totem/types.js';
import { Prng } from './prng.js';

export interface NetworkParams {
  lossProbability: number;
  duplicateProbability: number;
  delayMinMs: number;
  delayMeanMs: number;
}

export interface DeliveryRecord {
  ringId: RingId;
  seq: number;
  source: NodeId;
  id: string;
}

export interface ConfChangeRecord {
  type: 'transitional' | 'regular';
  ringId: RingId;
  members: readonly NodeId[];
  /** Deliveries recorded at this node before the change. */
  atDelivery: number;
}

export interface NodeRecord {
  deliveries: DeliveryRecord[];
  confChanges: ConfChangeRecord[];
  /** Message ids this node's application had accepted, in submission order. */
  accepted: string[];
  refused: number;
}

type SimEvent =
  | { kind: 'packet'; to: NodeId; from: NodeId; message: TotemMessage }
  | { kind: 'timer'; node: NodeId; name: TimerName; gen: number }
  | { kind: 'submit'; node: NodeId; id: string };

interface Queued {
  time: number;
  order: number;
  ev: SimEvent;
}

/** A binary min-heap on (time, order): ties break by insertion, so runs are deterministic. */
class EventQueue {
  private heap: Queued[] = [];
  get size(): number {
    return this.heap.length;
  }
  push(q: Queued): void {
    const h = this.heap;
    h.push(q);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Queued | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Queued, b: Queued): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}

const TRACE_LINES_MAX = Number(process.env.SIM_TRACE_LINES ?? 400);
const SUBMIT_RETRY_MS = 5;

export class SimCluster {
  readonly cores = new Map<NodeId, TotemCore>();
  readonly records = new Map<NodeId, NodeRecord>();
  now = 0;
  events = 0;
  private order = 0;
  private readonly queue = new EventQueue();
  /** The armed generation of each node's named timer; generations come from one counter, so a stale heap entry never matches. */
  private readonly timerGen = new Map<string, number>();
  private timerGenNext = 1;
  private readonly trace: string[] = [];
  readonly members: NodeId[];

  constructor(
    private readonly prng: Prng,
    private readonly net: NetworkParams,
    configs: TotemCoreConfig[],
  ) {
    for (const c of configs) {
      this.cores.set(c.nodeId, new TotemCore(c));
      this.records.set(c.nodeId, { deliveries: [], confChanges: [], accepted: [], refused: 0 });
    }
    this.members = configs.map((c) => c.nodeId);
  }

  start(): void {
    for (const id of this.members) this.apply(id, { kind: 'start', now: this.now });
  }

  /** The application on `node` asks to multicast message `id` at time `at`. */
  submitAt(node: NodeId, id: string, at: number): void {
    this.schedule(at, { kind: 'submit', node, id });
  }

  /** Run until `done()` holds (checked after each event) or until `deadlineMs`; true when done. */
  runUntil(done: () => boolean, deadlineMs: number, eventsMax: number): boolean {
    while (!done()) {
      const q = this.queue.pop();
      if (q === undefined || q.time > deadlineMs || this.events >= eventsMax) return false;
      this.now = q.time;
      this.events++;
      this.dispatch(q.ev);
    }
    return true;
  }

  traceText(): string {
    return this.trace.join('\n');
  }

  private note(line: string): void {
    if (this.trace.length >= TRACE_LINES_MAX) this.trace.shift();
    this.trace.push(`${this.now.toFixed(3).padStart(10)} ${line}`);
  }

  private schedule(time: number, ev: SimEvent): void {
    this.queue.push({ time, order: this.order++, ev });
  }

  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case 'packet':
        this.apply(ev.to, { kind: 'packet', now: this.now, from: ev.from, message: ev.message });
        break;
      case 'timer':
        if (this.timerGen.get(`${ev.node}/${ev.name}`) !== ev.gen) return; // cancelled or re-armed
        this.timerGen.delete(`${ev.node}/${ev.name}`);
        this.note(`n${ev.node} timer ${ev.name}`);
        this.apply(ev.node, { kind: 'timer', now: this.now, name: ev.name });
        break;
      case 'submit': {
        const bytes = new TextEncoder().encode(ev.id);
        const actions = this.apply(ev.node, { kind: 'app_mcast', now: this.now, reqId: this.order, payload: bytes });
        const rec = this.records.get(ev.node)!;
        if (actions.some((a) => a.kind === 'mcast_refused')) {
          rec.refused++;
          this.schedule(this.now + SUBMIT_RETRY_MS, ev);
        } else {
          rec.accepted.push(ev.id);
        }
        break;
      }
    }
  }

  private apply(node: NodeId, ev: TotemEvent): TotemAction[] {
    const actions = this.cores.get(node)!.step(ev);
    const rec = this.records.get(node)!;
    for (const a of actions) {
      switch (a.kind) {
        case 'send_unicast':
          this.transmit(node, a.to, a.message);
          break;
        case 'send_multicast':
          for (const to of this.members) if (to !== node) this.transmit(node, to, a.message);
          break;
        case 'set_timer': {
          const key = `${node}/${a.name}`;
          const gen = this.timerGenNext++;
          this.timerGen.set(key, gen);
          this.schedule(this.now + a.afterMs, { kind: 'timer', node, name: a.name, gen });
          break;
        }
        case 'cancel_timer':
          this.timerGen.delete(`${node}/${a.name}`);
          break;
        case 'deliver': {
          const id = new TextDecoder().decode(a.payload);
          rec.deliveries.push({ ringId: a.ringId, seq: a.seq, source: a.source, id });
          this.note(`n${node} deliver ${ringIdString(a.ringId)}#${a.seq} from n${a.source} ${id}`);
          break;
        }
        case 'conf_change':
          rec.confChanges.push({ type: a.type, ringId: a.ringId, members: [...a.members], atDelivery: rec.deliveries.length });
          this.note(`n${node} confchg ${a.type} ${ringIdString(a.ringId)} [${a.members.join(',')}]`);
          break;
        case 'mcast_refused':
          break;
        case 'log':
          this.note(`n${node} ${a.level} ${a.text}`);
          break;
      }
    }
    return actions;
  }

  private transmit(from: NodeId, to: NodeId, message: TotemMessage): void {
    const what = message.type === 'orf_token' ? `token ts=${message.tokenSeq} seq=${message.seq} aru=${message.aru} rtr=${message.rtr.length}` : message.type === 'mcast' ? `mcast #${message.seq}` : message.type;
    if (from === to) {
      // Loopback never loses.
      this.schedule(this.now + this.net.delayMinMs, { kind: 'packet', to, from, message });
      return;
    }
    if (this.prng.chance(this.net.lossProbability)) {
      this.note(`n${from}->n${to} LOST ${what}`);
      return;
    }
    const copies = this.prng.chance(this.net.duplicateProbability) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.net.delayMinMs + this.prng.exp(this.net.delayMeanMs);
      this.schedule(this.now + delay, { kind: 'packet', to, from, message });
    }
    if (message.type === 'orf_token') this.note(`n${from}->n${to} ${what}${copies > 1 ? ' (dup)' : ''}`);
  }
}
