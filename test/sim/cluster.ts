// A deterministic simulated cluster: real Totem cores over a simulated clock
// and broadcast domain (test/sim/network.ts), with node faults (crash, restart
// from the disk or a stale value of it, orderly leave, pause) and drop rules
// applied from a schedule (test/sim/faults.ts). All randomness comes from one
// seeded Prng; everything the cores do is recorded in a History.
import { ringIdString, type NodeId, type RingId, type TimerName, type TotemAction, type TotemEvent, type TotemMessage } from '../../aisexec/totem/types.js';
import { describeFault, type CoreState, type Fault, type MessageType, type TimedFault } from './faults.js';
import { History, msgKey } from './history.js';
import { Network, type NetworkParams } from './network.js';
import type { Prng } from './prng.js';

/** What the simulator needs of a core (the real TotemCore, or a test double). */
export interface CoreLike {
  step(event: TotemEvent): TotemAction[];
  readonly currentState: string;
  readonly ringId?: RingId;
  readonly members?: readonly NodeId[];
  queues(): { recvHighWater?: number; newQueued?: number };
  /** Why the core gathered, by reason (the real core's counters; optional for other cores). */
  readonly counters?: { readonly gather?: Readonly<Record<string, number>> };
}

/** A new core for `nodeId`, booting with the ring seq its disk holds. */
export type CoreFactory = (nodeId: NodeId, ringSeq: bigint) => CoreLike;

type NodeStatus = 'up' | 'paused' | 'down' | 'gone';

interface SimNode {
  readonly id: NodeId;
  inc: number;
  core: CoreLike | undefined;
  status: NodeStatus;
  /** The armed timers by name (one per name; re-arming replaces). */
  timers: Map<TimerName, ArmedTimer>;
  /** Events that reached a paused process, handled in order at its resume. */
  backlog: NodeEvent[];
  /** Stable storage: the ring seq last stored, and every value it held. */
  disk: bigint;
  diskHistory: bigint[];
  /** (ring, seq) this incarnation has held, to record each receipt once. */
  received: Set<string>;
  sent: Set<string>;
  recvHighWater: number;
  newQueuedHighWater: number;
  /** Accepted by this incarnation and not yet delivered by it. */
  pendingOwn: Set<string>;
  /** Deliveries since this incarnation's last regular configuration change. */
  ringDeliveries: number;
}

type SimEvent =
  | { readonly kind: 'packet'; readonly to: NodeId; readonly from: NodeId; readonly message: TotemMessage }
  | { readonly kind: 'timer'; readonly node: NodeId; readonly name: TimerName; readonly gen: number }
  | { readonly kind: 'submit'; readonly node: NodeId; readonly id: string; readonly guarantee: 'agreed' | 'safe' }
  | { readonly kind: 'fault'; readonly fault: Fault }
  | { readonly kind: 'resume'; readonly node: NodeId; readonly inc: number }
  | { readonly kind: 'boot'; readonly node: NodeId };

/**
 * An armed timer. Cores re-arm token_loss and token_retransmit on every token
 * visit, so a re-arm to a later time only moves `due`: the entry already in
 * the heap pops first and re-queues itself (one heap entry per expiry, not per
 * re-arm). Generations come from one counter, so a stale entry never matches.
 */
interface ArmedTimer {
  gen: number;
  due: number;
  /** When this timer's heap entry pops. */
  queuedAt: number;
}

/** The events that belong to one node's process (queued while it is paused). */
type NodeEvent = Extract<SimEvent, { kind: 'packet' | 'timer' | 'submit' }>;

interface Queued {
  time: number;
  order: number;
  ev: SimEvent;
}

/** A binary min-heap on (time, order): ties break by insertion, so runs are deterministic. */
class EventQueue {
  private heap: Queued[] = [];
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
  peek(): Queued | undefined {
    return this.heap[0];
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

interface DropRule {
  type: MessageType;
  state: CoreState | undefined;
  node: NodeId | undefined;
  left: number;
  untilMs: number;
}

export interface ClusterOptions {
  /** Keep a readable trace (the last `traceLines` lines); off for bulk runs, where only the fault log is kept. */
  trace: boolean;
  traceLines: number;
  /** A refused application multicast is tried again after this long. */
  submitRetryMs: number;
  /** The network once healed (faults gone; delay, duplication and any residual loss as given). */
  healedNetwork: NetworkParams;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function describeMessage(m: TotemMessage): string {
  switch (m.type) {
    case 'orf_token': return `token ${ringIdString(m.ringId)} ts=${m.tokenSeq} seq=${m.seq} aru=${m.aru}${m.rtr.length > 0 ? ` rtr=${m.rtr.length}` : ''}${m.retransFlg ? ' retrans' : ''}`;
    case 'mcast': return `mcast ${ringIdString(m.ringId)}#${m.seq}${m.encapsulated !== null ? ` (old ${ringIdString(m.encapsulated.ringId)}#${m.encapsulated.seq})` : ''}`;
    case 'memb_join': return `join proc=[${m.procSet.join(',')}] fail=[${m.failSet.join(',')}] seq=${m.ringSeq}`;
    case 'memb_commit_token': return `commit ${ringIdString(m.ringId)} idx=${m.membIndex}/${m.memb.length}`;
    case 'memb_merge_detect': return `merge_detect ${ringIdString(m.ringId)}`;
    case 'token_hold_cancel': return `hold_cancel ${ringIdString(m.ringId)}`;
  }
}

export class SimCluster {
  readonly history = new History();
  readonly network: Network;
  now = 0;
  events = 0;
  /** Bumped whenever a state, configuration, delivery or node status changes (so `done` need not be re-evaluated otherwise). */
  version = 0;
  /** Core assertion failures (a core throwing is a bug the run reports and stops at). */
  readonly failures: string[] = [];
  /** Every fault applied, in full, whatever the trace setting. */
  readonly faultLog: string[] = [];
  readonly counts = { lostPartition: 0, lostBurst: 0, lostLoss: 0, lostDown: 0, dropped: 0, refused: 0, submitsSkipped: 0, pausedEvents: 0, heldSends: 0, holdCancels: 0 };
  /** Submissions not yet accepted or skipped (future ones and refused ones waiting to retry). */
  submitsInFlight = 0;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly queue = new EventQueue();
  private order = 0;
  private timerGenNext = 1;
  private reqIdNext = 1;
  private dropRules: DropRule[] = [];
  private readonly partitions = new Map<number, [NodeId, NodeId][]>();
  private readonly traceBuf: string[] = [];
  private traceNext = 0;

  constructor(
    private readonly prng: Prng,
    net: NetworkParams,
    private readonly factory: CoreFactory,
    nodeIds: readonly NodeId[],
    private readonly opts: ClusterOptions,
  ) {
    this.network = new Network(prng, net);
    for (const id of nodeIds) {
      this.nodes.set(id, {
        id, inc: 0, core: undefined, status: 'down', timers: new Map(), backlog: [], disk: 0n, diskHistory: [0n],
        received: new Set(), sent: new Set(), recvHighWater: 0, newQueuedHighWater: 0, pendingOwn: new Set(), ringDeliveries: 0,
      });
    }
  }

  bootAt(node: NodeId, at: number): void {
    this.schedule(at, { kind: 'boot', node });
  }

  faultAt(f: TimedFault): void {
    this.schedule(f.at, { kind: 'fault', fault: f.fault });
  }

  /** The application on `node` asks to multicast message `id` at time `at` (skipped if the node is down then). */
  submitAt(node: NodeId, id: string, guarantee: 'agreed' | 'safe', at: number): void {
    this.submitsInFlight++;
    this.schedule(at, { kind: 'submit', node, id, guarantee });
  }

  /**
   * Run until `done()` holds, the next event is past `deadlineMs` (the clock
   * then stops at the deadline), `eventsMax` events in all, or a core fails.
   * `done` is evaluated only when `version` changed. True when done.
   */
  runUntil(done: () => boolean, deadlineMs: number, eventsMax: number): boolean {
    let seen = -1;
    for (;;) {
      if (this.failures.length > 0) return false;
      if (seen !== this.version) {
        seen = this.version;
        if (done()) return true;
      }
      const next = this.queue.peek();
      if (next === undefined || next.time > deadlineMs) {
        this.now = Math.max(this.now, deadlineMs);
        return false;
      }
      if (this.events >= eventsMax) return false;
      this.queue.pop();
      this.now = next.time;
      this.events++;
      this.dispatch(next.ev);
    }
  }

  /**
   * Every live node OPERATIONAL in one ring whose members are exactly the
   * live nodes (the liveness goal after the heal).
   */
  converged(): boolean {
    const live = this.liveNodes();
    const first = this.nodes.get(live[0]!)?.core;
    if (first?.ringId === undefined) return false;
    const want = live.join(',');
    return live.every((id) => {
      const n = this.nodes.get(id)!;
      const c = n.core;
      return n.status === 'up' && c !== undefined && c.currentState === 'operational' && c.ringId !== undefined &&
        c.ringId.rep === first.ringId!.rep && c.ringId.seq === first.ringId!.seq && c.members?.join(',') === want;
    });
  }

  /** Converged, nothing left to submit, every accepted message self-delivered and every live node delivered as many in the ring. */
  drained(): boolean {
    if (this.submitsInFlight > 0 || !this.converged()) return false;
    const live = this.liveNodes().map((id) => this.nodes.get(id)!);
    const count = live[0]?.ringDeliveries;
    return live.every((n) => n.pendingOwn.size === 0 && n.ringDeliveries === count);
  }

  /** Nodes whose process runs (up or paused). */
  liveNodes(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.status === 'up' || n.status === 'paused').map((n) => n.id).sort((a, b) => a - b);
  }

  core(node: NodeId): CoreLike | undefined {
    return this.nodes.get(node)?.core;
  }

  status(node: NodeId): NodeStatus | undefined {
    return this.nodes.get(node)?.status;
  }

  /** Highest buffer sizes each node's cores reached, over all incarnations. */
  queueHighWater(): Map<NodeId, { recvHighWater: number; newQueued: number }> {
    const out = new Map<NodeId, { recvHighWater: number; newQueued: number }>();
    for (const n of this.nodes.values()) {
      this.sampleQueues(n);
      out.set(n.id, { recvHighWater: n.recvHighWater, newQueued: n.newQueuedHighWater });
    }
    return out;
  }

  /** The stable storage of a node (what a restart boots with). */
  disk(node: NodeId): bigint {
    return this.nodes.get(node)!.disk;
  }

  /** Per-node status lines in the style of TigerBeetle's VOPR: state, ring, members, counts. */
  statusLines(): string[] {
    return [...this.nodes.values()].map((n) => {
      const c = n.core;
      const ring = c?.ringId === undefined ? '-' : ringIdString(c.ringId);
      const delivered = this.history.nodes.get(n.id)?.filter((e) => e.kind === 'deliver').length ?? 0;
      return `n${n.id} boot ${n.inc} ${n.status.padEnd(6)} ${(c?.currentState ?? '-').padEnd(11)} ring ${ring} [${c?.members?.join(',') ?? ''}] disk ${n.disk} delivered ${delivered}`;
    });
  }

  traceText(): string {
    const n = this.traceBuf.length;
    const lines = n < this.opts.traceLines ? this.traceBuf : [...this.traceBuf.slice(this.traceNext), ...this.traceBuf.slice(0, this.traceNext)];
    return lines.join('\n');
  }

  get tracing(): boolean {
    return this.opts.trace;
  }

  note(line: string): void {
    if (!this.opts.trace) return;
    const text = `${this.now.toFixed(3).padStart(10)} ${line}`;
    if (this.traceBuf.length < this.opts.traceLines) this.traceBuf.push(text);
    else {
      this.traceBuf[this.traceNext] = text;
      this.traceNext = (this.traceNext + 1) % this.opts.traceLines;
    }
  }

  private schedule(time: number, ev: SimEvent): void {
    this.queue.push({ time, order: this.order++, ev });
  }

  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case 'boot':
        this.boot(this.nodes.get(ev.node)!, false);
        return;
      case 'fault':
        this.applyFault(ev.fault);
        return;
      case 'resume':
        this.resume(ev.node, ev.inc);
        return;
      case 'packet':
      case 'timer':
      case 'submit':
        this.toNode(this.nodes.get(ev.kind === 'packet' ? ev.to : ev.node)!, ev);
    }
  }

  /** An event for one node's process: handled if it runs, queued if it is paused, lost if it is down. */
  private toNode(n: SimNode, ev: NodeEvent): void {
    if (n.status === 'paused') {
      n.backlog.push(ev);
      this.counts.pausedEvents++;
      return;
    }
    if (n.status !== 'up') {
      if (ev.kind === 'packet') this.counts.lostDown++;
      if (ev.kind === 'submit') {
        this.counts.submitsSkipped++;
        this.submitsInFlight--;
      }
      return;
    }
    switch (ev.kind) {
      case 'packet':
        this.receive(n, ev.from, ev.message);
        return;
      case 'timer': {
        const t = n.timers.get(ev.name);
        if (t === undefined || t.gen !== ev.gen) return; // cancelled or re-armed earlier
        if (t.due > this.now) {
          t.queuedAt = t.due; // re-armed later: wait on
          this.schedule(t.due, ev);
          return;
        }
        n.timers.delete(ev.name);
        if (this.opts.trace) this.note(`n${n.id} timer ${ev.name}`);
        this.apply(n, { kind: 'timer', now: this.now, name: ev.name });
        return;
      }
      case 'submit':
        this.submit(n, ev);
    }
  }

  private receive(n: SimNode, from: NodeId, m: TotemMessage): void {
    const state = n.core!.currentState;
    const rule = this.dropRules.find((r) => r.type === m.type && (r.node === undefined || r.node === n.id) && (r.state === undefined || r.state === state) && this.now < r.untilMs && r.left > 0);
    if (rule !== undefined) {
      rule.left--;
      this.counts.dropped++;
      if (this.opts.trace) this.note(`n${from}->n${n.id} DROPPED by rule (${state}) ${describeMessage(m)}`);
      return;
    }
    if (m.type === 'mcast') {
      this.received(n, m.ringId, m.seq);
      if (m.encapsulated !== null) this.received(n, m.encapsulated.ringId, m.encapsulated.seq);
    }
    if (this.opts.trace && m.type !== 'mcast') this.note(`n${from}->n${n.id} ${describeMessage(m)}`);
    this.apply(n, { kind: 'packet', now: this.now, from, message: m });
  }

  private received(n: SimNode, ringId: RingId, seq: number): void {
    const k = msgKey(ringId, seq);
    if (n.received.has(k)) return;
    n.received.add(k);
    this.history.record(n.id, this.now, { kind: 'receive', ringId, seq });
  }

  private submit(n: SimNode, ev: Extract<SimEvent, { kind: 'submit' }>): void {
    const reqId = this.reqIdNext++;
    // Recorded first: a core holding the token (sender hold) delivers the message within this very step.
    this.history.record(n.id, this.now, { kind: 'accept', id: ev.id, guarantee: ev.guarantee });
    const actions = this.apply(n, { kind: 'app_mcast', now: this.now, reqId, payload: encoder.encode(ev.id), guarantee: ev.guarantee });
    if (actions === undefined || actions.some((a) => a.kind === 'mcast_refused' && a.reqId === reqId)) {
      this.history.retractAccept(n.id, ev.id);
      if (actions === undefined) return;
      this.counts.refused++;
      this.schedule(this.now + this.opts.submitRetryMs, ev);
      return;
    }
    this.submitsInFlight--;
    n.pendingOwn.add(ev.id);
    this.version++;
  }

  /** Step a core and perform its actions, in order. Undefined when the core threw (recorded as a failure). */
  private apply(n: SimNode, ev: TotemEvent): TotemAction[] | undefined {
    const core = n.core!;
    const before = core.currentState;
    let actions: TotemAction[];
    try {
      actions = core.step(ev);
    } catch (e) {
      const what = ev.kind === 'packet' ? `packet ${describeMessage(ev.message)} from n${ev.from}` : ev.kind === 'timer' ? `timer ${ev.name}` : ev.kind;
      this.failures.push(`core failure: n${n.id} (boot ${n.inc}, ${before}) threw on ${what} at t=${this.now.toFixed(3)}: ${(e as Error).stack ?? String(e)}`);
      this.note(`n${n.id} THREW on ${what}: ${(e as Error).message}`);
      return undefined;
    }
    for (const a of actions) this.perform(n, a);
    if (core.currentState !== before) {
      this.version++;
      if (this.opts.trace) this.note(`n${n.id} ${before} -> ${core.currentState}${core.ringId === undefined ? '' : ` (ring ${ringIdString(core.ringId)})`}`);
    }
    return actions;
  }

  private perform(n: SimNode, a: TotemAction): void {
    switch (a.kind) {
      case 'send_unicast':
        if (a.to === n.id) {
          // Loopback never loses.
          this.schedule(this.now + this.network.params.delayMinMs, { kind: 'packet', to: n.id, from: n.id, message: a.message });
        } else this.transmit(n.id, a.to, a.message);
        return;
      case 'send_multicast': {
        const m = a.message;
        if (m.type === 'mcast' && m.encapsulated !== null) this.history.recordRecoverySeq(m.ringId, m.seq);
        if (m.type === 'mcast' && m.held === true) this.counts.heldSends++;
        if (m.type === 'token_hold_cancel') this.counts.holdCancels++;
        if (m.type === 'mcast' && m.encapsulated === null && m.source === n.id) {
          this.received(n, m.ringId, m.seq);
          const id = decoder.decode(m.payload);
          if (!n.sent.has(id)) {
            n.sent.add(id);
            this.history.record(n.id, this.now, { kind: 'send', id, ringId: m.ringId, seq: m.seq });
          }
        }
        for (const other of this.nodes.values()) if (other.id !== n.id && other.status !== 'gone') this.transmit(n.id, other.id, m);
        return;
      }
      case 'set_timer': {
        const due = this.now + a.afterMs;
        const armed = n.timers.get(a.name);
        if (armed !== undefined && armed.queuedAt <= due) {
          armed.due = due;
          return;
        }
        const gen = this.timerGenNext++;
        n.timers.set(a.name, { gen, due, queuedAt: due });
        this.schedule(due, { kind: 'timer', node: n.id, name: a.name, gen });
        return;
      }
      case 'cancel_timer':
        n.timers.delete(a.name);
        return;
      case 'deliver': {
        const id = decoder.decode(a.payload);
        this.history.record(n.id, this.now, { kind: 'deliver', ringId: a.ringId, seq: a.seq, source: a.source, guarantee: a.guarantee, id });
        n.pendingOwn.delete(id);
        n.ringDeliveries++;
        this.version++;
        if (this.opts.trace) this.note(`n${n.id} deliver ${ringIdString(a.ringId)}#${a.seq} ${a.guarantee} from n${a.source} ${id}`);
        return;
      }
      case 'conf_change':
        this.history.record(n.id, this.now, { kind: 'confchg', type: a.type, ringId: a.ringId, members: [...a.members] });
        if (a.type === 'regular') n.ringDeliveries = 0;
        this.version++;
        this.note(`n${n.id} CONFCHG ${a.type} ${ringIdString(a.ringId)} [${a.members.join(',')}] left [${a.left.join(',')}] joined [${a.joined.join(',')}]`);
        return;
      case 'store_ring_seq':
        n.disk = a.seq;
        n.diskHistory.push(a.seq);
        this.history.record(n.id, this.now, { kind: 'store', seq: a.seq });
        return;
      case 'mcast_refused':
        return;
      case 'log':
        if (this.opts.trace) this.note(`n${n.id} ${a.level}: ${a.text}`);
        return;
    }
  }

  private transmit(from: NodeId, to: NodeId, message: TotemMessage): void {
    const r = this.network.route(from, to, this.now);
    if (r.lost !== undefined) {
      if (r.lost === 'partition') this.counts.lostPartition++;
      else if (r.lost === 'burst') this.counts.lostBurst++;
      else this.counts.lostLoss++;
      if (this.opts.trace && message.type !== 'mcast') this.note(`n${from}->n${to} LOST (${r.lost}) ${describeMessage(message)}`);
      return;
    }
    for (const t of r.arrivals) this.schedule(t, { kind: 'packet', to, from, message });
  }

  private boot(n: SimNode, stale: boolean): void {
    if (n.status !== 'down') return;
    let ringSeq = n.disk;
    if (stale) {
      // A disk that lost its last writes: an older value it once held.
      const older = n.diskHistory.filter((s) => s < n.disk);
      ringSeq = older.length > 0 ? older[this.prng.int(0, older.length - 1)]! : n.disk;
    }
    this.sampleQueues(n);
    n.inc++;
    n.status = 'up';
    n.timers = new Map();
    n.backlog = [];
    n.received = new Set();
    n.sent = new Set();
    n.pendingOwn = new Set();
    n.ringDeliveries = 0;
    n.core = this.factory(n.id, ringSeq);
    const isStale = ringSeq < n.disk;
    this.history.record(n.id, this.now, { kind: 'boot', inc: n.inc, ringSeq, stale: isStale });
    this.version++;
    this.note(`n${n.id} BOOT ${n.inc} with ring seq ${ringSeq}${isStale ? ` (STALE: the disk had ${n.disk})` : ''}`);
    this.apply(n, { kind: 'start', now: this.now });
  }

  private stop(n: SimNode, how: 'crash' | 'leave'): void {
    this.sampleQueues(n);
    n.status = 'down';
    n.core = undefined;
    n.timers = new Map();
    const lostSubmits = n.backlog.filter((e) => e.kind === 'submit').length;
    this.submitsInFlight -= lostSubmits;
    this.counts.submitsSkipped += lostSubmits;
    n.backlog = [];
    this.history.record(n.id, this.now, { kind: 'down', how });
    this.version++;
  }

  private sampleQueues(n: SimNode): void {
    if (n.core === undefined) return;
    const q = n.core.queues();
    n.recvHighWater = Math.max(n.recvHighWater, q.recvHighWater ?? 0);
    n.newQueuedHighWater = Math.max(n.newQueuedHighWater, q.newQueued ?? 0);
  }

  private resume(node: NodeId, inc: number): void {
    const n = this.nodes.get(node)!;
    if (n.status !== 'paused' || n.inc !== inc) return;
    n.status = 'up';
    this.version++;
    this.note(`n${n.id} RESUME with ${n.backlog.length} queued events`);
    // The burst at resume: late timers and queued packets, in the order they arrived.
    const backlog = n.backlog;
    n.backlog = [];
    for (const ev of backlog) {
      if (n.status !== 'up' || this.failures.length > 0) break;
      this.events++;
      this.toNode(n, ev);
    }
  }

  private applyFault(f: Fault): void {
    this.faultLog.push(`${this.now.toFixed(1).padStart(9)} ${describeFault(f)}`);
    this.note(`FAULT ${describeFault(f)}`);
    const node = (id: NodeId): SimNode => this.nodes.get(id)!;
    switch (f.kind) {
      case 'crash':
        if (node(f.node).status === 'up' || node(f.node).status === 'paused') this.stop(node(f.node), 'crash');
        return;
      case 'restart':
        this.boot(node(f.node), f.stale);
        return;
      case 'leave': {
        const n = node(f.node);
        if (n.status !== 'up') return; // a paused or stopped process cannot shut down in order
        if (this.apply(n, { kind: 'leave', now: this.now }) !== undefined) this.stop(n, 'leave');
        return;
      }
      case 'partition': {
        const links: [NodeId, NodeId][] = [];
        for (const a of f.groups) for (const b of f.groups) if (a !== b) for (const x of a) for (const y of b) links.push([x, y]);
        this.block(f.id, links);
        return;
      }
      case 'one_way': {
        const links: [NodeId, NodeId][] = [];
        for (const x of f.from) for (const y of f.to) links.push([x, y]);
        this.block(f.id, links);
        return;
      }
      case 'unpartition':
        for (const [x, y] of this.partitions.get(f.id) ?? []) this.network.unblock(x, y);
        this.partitions.delete(f.id);
        return;
      case 'clog':
        for (const other of this.nodes.keys()) {
          if (other === f.node) continue;
          this.network.clog(f.node, other, f.untilMs);
          this.network.clog(other, f.node, f.untilMs);
        }
        return;
      case 'burst':
        this.network.burst(f.from, f.to, f.untilMs, f.p);
        return;
      case 'pause': {
        const n = node(f.node);
        if (n.status !== 'up') return;
        n.status = 'paused';
        this.version++;
        this.schedule(this.now + f.ms, { kind: 'resume', node: n.id, inc: n.inc });
        return;
      }
      case 'drop':
        this.dropRules.push({ type: f.type, state: f.state, node: f.node, left: f.count, untilMs: f.untilMs });
        return;
      case 'heal':
        this.network.heal();
        this.partitions.clear();
        this.network.params = this.opts.healedNetwork;
        this.dropRules = [];
        for (const n of this.nodes.values()) if (n.status === 'paused') this.resume(n.id, n.inc);
        for (const r of f.restart) this.boot(node(r.node), r.stale);
        for (const id of f.remove) {
          const n = node(id);
          if (n.status === 'down') {
            n.status = 'gone';
            this.version++;
          }
        }
        return;
    }
  }

  private block(id: number, links: [NodeId, NodeId][]): void {
    for (const [x, y] of links) this.network.block(x, y);
    this.partitions.set(id, links);
  }
}
