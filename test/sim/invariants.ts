// Invariants over a recorded simulation history (reference totem.md §5.5 1-7,
// 9-10; paper §4 and §7). Each checker returns readable violations; an empty
// list means the history passed. They read only the History (and, for
// liveness, the end state), so hand-written histories test them too.
import { NEW_MESSAGE_QUEUE_ITEMS_MAX, RECV_BUFFER_ITEMS_MAX, SEQNO_START_MSG } from '../../aisexec/totem/constants.js';
import { ringIdEqual, ringIdString, type NodeId, type RingId } from '../../aisexec/totem/types.js';
import { incarnations, msgKey, parseId, ringKey, segments, type ConfEvent, type History, type Incarnation } from './history.js';

const VIOLATIONS_PER_CHECK_MAX = 10;

/** Keeps the first few violations of a checker readable, counting the rest. */
class Found {
  private readonly list: string[] = [];
  private more = 0;
  add(v: string): void {
    if (this.list.length < VIOLATIONS_PER_CHECK_MAX) this.list.push(v);
    else this.more++;
  }
  done(): string[] {
    return this.more > 0 ? [...this.list, `  (and ${this.more} more like these)`] : this.list;
  }
}

const who = (x: { node: NodeId; inc: number }): string => (x.inc > 1 ? `n${x.node}(boot ${x.inc})` : `n${x.node}`);
const at = (e: { t: number }): string => `t=${e.t.toFixed(1)}`;
const set = (m: readonly NodeId[]): string => `[${m.join(',')}]`;

/**
 * §5.5 1, agreed order: no two deliveries anywhere give one (ring, seq) two
 * messages or one message two positions; each node delivers a ring's messages
 * in increasing seq; in the regular configuration deliveries are gap-free from
 * the ring's first seq (so prefix-consistent across nodes), skipping only the
 * seqs that carried recovery re-sends of older rings' messages.
 */
export function checkAgreedOrder(h: History): string[] {
  const found = new Found();
  const byPos = new Map<string, { id: string; who: string }>();
  const byId = new Map<string, { pos: string; who: string }>();
  for (const x of incarnations(h)) {
    const lastSeq = new Map<string, number>();
    for (const seg of segments(x)) {
      let expected = SEQNO_START_MSG + 1;
      for (const d of seg.deliveries) {
        const pos = msgKey(d.ringId, d.seq);
        const p = byPos.get(pos);
        if (p === undefined) byPos.set(pos, { id: d.id, who: who(x) });
        else if (p.id !== d.id) found.add(`agreed order: ${who(x)} delivered ${d.id} as ${pos} (${at(d)}), ${p.who} delivered ${p.id} there`);
        const q = byId.get(d.id);
        if (q === undefined) byId.set(d.id, { pos, who: who(x) });
        else if (q.pos !== pos) found.add(`agreed order: ${who(x)} delivered ${d.id} as ${pos}, ${q.who} as ${q.pos}`);
        const rk = ringKey(d.ringId);
        const last = lastSeq.get(rk);
        if (last !== undefined && d.seq <= last) found.add(`agreed order: ${who(x)} delivered ${pos} after ${rk}#${last} (${at(d)})`);
        lastSeq.set(rk, Math.max(last ?? d.seq, d.seq));
        if (seg.type === 'regular' && seg.conf !== undefined && ringIdEqual(d.ringId, seg.conf.ringId)) {
          const recovery = h.recoverySeqs.get(rk);
          while (recovery?.has(expected) === true) expected++;
          if (d.seq !== expected) found.add(`agreed order: ${who(x)} delivered ${pos} in its regular configuration with seq ${expected} not delivered before it (a gap, ${at(d)})`);
          expected = d.seq + 1;
        }
      }
    }
  }
  return found.done();
}

/**
 * §5.5 2, integrity: no duplicate (per incarnation), nothing invented (an
 * application accepted it earlier, at the node named as its source), a message
 * of ring C delivered only in C or in the transitional configuration after C,
 * and per-originator FIFO in acceptance order.
 */
export function checkIntegrity(h: History): string[] {
  const found = new Found();
  const accepted = new Map<string, { node: NodeId; inc: number; order: number; i: number }>();
  for (const x of incarnations(h)) {
    let order = 0;
    for (const e of x.events) if (e.kind === 'accept') accepted.set(e.id, { node: x.node, inc: x.inc, order: order++, i: e.i });
  }
  for (const x of incarnations(h)) {
    const seen = new Set<string>();
    const lastOrder = new Map<string, number>();
    for (const seg of segments(x)) {
      for (const d of seg.deliveries) {
        if (seen.has(d.id)) found.add(`integrity: ${who(x)} delivered ${d.id} twice (${at(d)})`);
        seen.add(d.id);
        const a = accepted.get(d.id);
        const p = parseId(d.id);
        if (a === undefined || p === undefined || a.i > d.i) {
          found.add(`integrity: ${who(x)} delivered ${d.id}, which no application had sent (${at(d)})`);
          continue;
        }
        if (a.node !== d.source) found.add(`integrity: ${who(x)} delivered ${d.id} (sent by n${a.node}) as from n${d.source}`);
        const src = `${a.node}/${a.inc}`;
        if (a.order <= (lastOrder.get(src) ?? -1)) found.add(`integrity: ${who(x)} delivered ${d.id} after a later message of n${a.node} (FIFO, ${at(d)})`);
        lastOrder.set(src, a.order);
        const home = seg.type === 'regular' ? seg.conf?.ringId : seg.type === 'transitional' ? seg.after?.ringId : undefined;
        if (home === undefined || !ringIdEqual(home, d.ringId)) {
          const where = seg.type === 'none' ? 'before any configuration' : `in the ${seg.type} configuration ${ringIdString(seg.conf!.ringId)}${seg.type === 'transitional' ? ` after ${seg.after === undefined ? 'no regular one' : ringIdString(seg.after.ringId)}` : ''}`;
          found.add(`integrity: ${who(x)} delivered ${d.id} of ring ${ringIdString(d.ringId)} ${where} (${at(d)})`);
        }
      }
    }
  }
  return found.done();
}

/**
 * §5.5 3, self-delivery: an originator delivers its own message before it
 * installs the regular configuration after the one it sent it in, unless it
 * fails first. (A message still undelivered at the end is liveness' concern.)
 */
export function checkSelfDelivery(h: History): string[] {
  const found = new Found();
  for (const x of incarnations(h)) {
    const deliveredAt = new Map<string, number>();
    for (const e of x.events) if (e.kind === 'deliver' && e.source === x.node) deliveredAt.set(e.id, e.i);
    const pending: { id: string; ringId: RingId; i: number }[] = [];
    for (const e of x.events) {
      if (e.kind === 'send') pending.push(e);
      else if (e.kind === 'confchg' && e.type === 'regular') {
        for (const s of pending.splice(0)) {
          if (!ringIdEqual(s.ringId, e.ringId) && (deliveredAt.get(s.id) ?? Infinity) > e.i) {
            found.add(`self-delivery: ${who(x)} sent ${s.id} in ring ${ringIdString(s.ringId)} and installed ring ${ringIdString(e.ringId)} (${at(e)}) without delivering it`);
          } else if (ringIdEqual(s.ringId, e.ringId)) pending.push(s);
        }
      }
    }
  }
  return found.done();
}

/**
 * §5.5 4, virtual synchrony: nodes that install the same transitional
 * configuration after the same regular configuration C delivered the same set
 * of C's messages in C, and the same set in the transitional configuration.
 */
export function checkVirtualSynchrony(h: History): string[] {
  const found = new Found();
  const groups = new Map<string, { who: string; inC: Set<string>; inT: Set<string> }[]>();
  const safe = new Set<string>();
  for (const x of incarnations(h)) {
    const segs = segments(x);
    for (let k = 0; k < segs.length; k++) {
      const t = segs[k]!;
      if (t.type !== 'transitional' || t.after === undefined) continue;
      const c = segs[k - 1]!;
      if (c.type !== 'regular') continue;
      const key = `${ringKey(t.after.ringId)} -> ${ringKey(t.conf!.ringId)} ${set(t.conf!.members)}`;
      for (const d of [...c.deliveries, ...t.deliveries]) if (d.guarantee === 'safe') safe.add(d.id);
      const inC = new Set(c.deliveries.filter((d) => ringIdEqual(d.ringId, t.after!.ringId)).map((d) => d.id));
      const inT = new Set(t.deliveries.filter((d) => ringIdEqual(d.ringId, t.after!.ringId)).map((d) => d.id));
      const g = groups.get(key) ?? [];
      g.push({ who: who(x), inC, inT });
      groups.set(key, g);
    }
  }
  for (const [key, g] of groups) {
    const first = g[0]!;
    for (const other of g.slice(1)) {
      for (const [name, a, b] of [['in the regular configuration', first.inC, other.inC], ['in the transitional configuration', first.inT, other.inT]] as const) {
        const tag = (id: string): string => (safe.has(id) ? `${id}(safe)` : id);
        const onlyA = [...a].filter((id) => !b.has(id)).map(tag);
        const onlyB = [...b].filter((id) => !a.has(id)).map(tag);
        if (onlyA.length + onlyB.length > 0) {
          found.add(`virtual synchrony: ${key}: ${first.who} and ${other.who} delivered different messages ${name} ` +
            `(only ${first.who}: ${onlyA.slice(0, 4).join(' ') || '-'}; only ${other.who}: ${onlyB.slice(0, 4).join(' ') || '-'})`);
        }
      }
    }
  }
  return found.done();
}

/**
 * §5.5 5, configuration consistency: per node, regular ring seqs strictly
 * increase over its whole life, restarts included (exempt only a boot from a
 * deliberately stale disk), each above the seq it booted with and covered by
 * a stable-storage write before the install; everybody installing ring R
 * agrees on its members, R's representative is its lowest member; each
 * regular change follows exactly one transitional change, whose members are
 * a subset of the old and the new regular configurations and contain the node.
 */
export function checkConfigurations(h: History): string[] {
  const found = new Found();
  const installs = new Map<string, { members: string; who: string }>();
  const lastSeq = new Map<NodeId, bigint>();
  for (const x of incarnations(h)) {
    if (x.stale) lastSeq.delete(x.node);
    let stored = x.bootSeq;
    let regular: ConfEvent | undefined;
    let transitional: ConfEvent | undefined;
    for (const e of x.events) {
      if (e.kind === 'store') {
        stored = e.seq > stored ? e.seq : stored;
        continue;
      }
      if (e.kind === 'deliver' && regular === undefined) found.add(`configuration: ${who(x)} delivered ${e.id} before installing any configuration (${at(e)})`);
      if (e.kind !== 'confchg') continue;
      if (!e.members.includes(x.node)) found.add(`configuration: ${who(x)} installed ${e.type} ${ringKey(e.ringId)} ${set(e.members)} without itself (${at(e)})`);
      if (e.type === 'transitional') {
        if (transitional !== undefined) found.add(`configuration: ${who(x)} installed two transitional configurations without a regular one between (${at(e)})`);
        const old = regular?.members ?? [x.node];
        const extra = e.members.filter((m) => !old.includes(m));
        if (extra.length > 0) found.add(`configuration: ${who(x)} transitional ${set(e.members)} has ${set(extra)}, not in its old regular configuration ${set(old)} (${at(e)})`);
        transitional = e;
        continue;
      }
      if (transitional === undefined) found.add(`configuration: ${who(x)} installed regular ${ringKey(e.ringId)} without a transitional configuration first (${at(e)})`);
      else {
        const extra = transitional.members.filter((m) => !e.members.includes(m));
        if (extra.length > 0) found.add(`configuration: ${who(x)} transitional ${set(transitional.members)} has ${set(extra)}, not in the new regular ${ringKey(e.ringId)} ${set(e.members)}`);
      }
      const sorted = [...e.members].sort((a, b) => a - b);
      if (sorted.join(',') !== e.members.join(',') || new Set(sorted).size !== sorted.length) found.add(`configuration: ${who(x)} regular members ${set(e.members)} not sorted and unique`);
      if (e.ringId.rep !== sorted[0]) found.add(`configuration: ring ${ringKey(e.ringId)} ${set(e.members)}: the representative is not the lowest member`);
      if (e.ringId.seq <= x.bootSeq) found.add(`configuration: ${who(x)} installed ring ${ringKey(e.ringId)}, not above the ring seq ${x.bootSeq} it booted with (${at(e)})`);
      if (stored < e.ringId.seq) found.add(`configuration: ${who(x)} installed ring ${ringKey(e.ringId)} before storing its seq (stored ${stored}, ${at(e)})`);
      const prev = lastSeq.get(x.node);
      if (prev !== undefined && e.ringId.seq <= prev) found.add(`configuration: ${who(x)} installed ring ${ringKey(e.ringId)} after ring seq ${prev} (${at(e)})`);
      lastSeq.set(x.node, e.ringId.seq);
      const key = ringKey(e.ringId);
      const other = installs.get(key);
      if (other === undefined) installs.set(key, { members: e.members.join(','), who: who(x) });
      else if (other.members !== e.members.join(',')) found.add(`configuration: ${who(x)} installed ring ${key} as ${set(e.members)}, ${other.who} as [${other.members}]`);
      regular = e;
      transitional = undefined;
    }
  }
  return found.done();
}

/**
 * §5.5 7, safe delivery: a message delivered as safe in a configuration had
 * been received by every member of that configuration before the delivery.
 */
export function checkSafe(h: History): string[] {
  const found = new Found();
  const received = new Map<NodeId, Map<string, number>>();
  for (const [node, events] of h.nodes) {
    const m = new Map<string, number>();
    for (const e of events) if (e.kind === 'receive' && !m.has(msgKey(e.ringId, e.seq))) m.set(msgKey(e.ringId, e.seq), e.i);
    received.set(node, m);
  }
  for (const x of incarnations(h)) {
    for (const seg of segments(x)) {
      for (const d of seg.deliveries) {
        if (d.guarantee !== 'safe' || seg.conf === undefined) continue;
        const key = msgKey(d.ringId, d.seq);
        const missing = seg.conf.members.filter((q) => (received.get(q)?.get(key) ?? Infinity) > d.i);
        if (missing.length > 0) found.add(`safe: ${who(x)} delivered ${d.id} (${key}) as safe in ${seg.type} ${ringKey(seg.conf.ringId)} ${set(seg.conf.members)} before ${set(missing)} had received it (${at(d)})`);
      }
    }
  }
  return found.done();
}

/** What the run looked like at its end, for liveness and bounded queues. */
export interface EndState {
  healAt: number;
  /** Liveness bound: every live node converged by healAt + boundMs. */
  boundMs: number;
  /** The quiet period started here: no configuration change after it. */
  quietFrom: number;
  endAt: number;
  /** Nodes up at the end. */
  live: readonly NodeId[];
  cores: ReadonlyMap<NodeId, { state: string; ringId: RingId | undefined; members: readonly NodeId[] }>;
  /** When every live node last became OPERATIONAL in the one final configuration (undefined: never). */
  convergedAt: number | undefined;
  queues: ReadonlyMap<NodeId, { recvHighWater: number; newQueued: number }>;
}

/**
 * §5.5 9 and 6, liveness after the heal: every live node is OPERATIONAL in the
 * same regular configuration, which has exactly the live nodes, reached by
 * healAt + boundMs and unchanged through the quiet period; within it nothing
 * is lost (a message any live node delivered in it, or accepted after
 * installing it, is delivered by all); each live node delivered every
 * message its application had accepted.
 */
export function checkLiveness(h: History, end: EndState): string[] {
  const found = new Found();
  const live = [...end.live].sort((a, b) => a - b);
  const states = live.map((n) => ({ n, c: end.cores.get(n) }));
  const ring = states[0]?.c?.ringId;
  const converged = states.every(({ c }) => c !== undefined && c.state === 'operational' && c.ringId !== undefined && ring !== undefined && ringIdEqual(c.ringId, ring) && c.members.join(',') === live.join(','));
  if (!converged) {
    const desc = states.map(({ n, c }) => `n${n} ${c?.state ?? '?'} ${c?.ringId === undefined ? '-' : ringKey(c.ringId)} ${set(c?.members ?? [])}`).join('; ');
    found.add(`liveness: at t=${end.endAt.toFixed(0)} the live nodes ${set(live)} are not OPERATIONAL in one configuration of exactly them: ${desc}`);
    return found.done();
  }
  const late = end.convergedAt === undefined || end.convergedAt > end.healAt + end.boundMs;
  if (late) {
    found.add(`liveness: converged at t=${end.convergedAt?.toFixed(0) ?? '?'}, ${((end.convergedAt ?? end.endAt) - end.healAt).toFixed(0)} ms after the heal at t=${end.healAt.toFixed(0)} (bound ${end.boundMs.toFixed(0)} ms)`);
  }
  const finals: { x: Incarnation; conf: ConfEvent; got: Set<string> }[] = [];
  const lastInc = new Map<NodeId, Incarnation>();
  for (const x of incarnations(h)) lastInc.set(x.node, x);
  for (const n of live) {
    const x = lastInc.get(n);
    if (x === undefined) continue;
    const segs = segments(x);
    const seg = segs[segs.length - 1]!;
    if (seg.type !== 'regular' || seg.conf === undefined || !ringIdEqual(seg.conf.ringId, ring!)) {
      found.add(`liveness: ${who(x)}'s last configuration change is not the regular ${ringKey(ring!)} its core reports`);
      continue;
    }
    if (!late && seg.conf.t > end.quietFrom) found.add(`liveness: ${who(x)} installed ${ringKey(ring!)} at t=${seg.conf.t.toFixed(0)}, during the quiet period (from t=${end.quietFrom.toFixed(0)})`);
    const got = new Set<string>();
    for (const e of x.events) if (e.kind === 'deliver') got.add(e.id);
    finals.push({ x, conf: seg.conf, got });
    for (const e of x.events) if (e.kind === 'accept' && !got.has(e.id)) found.add(`liveness: ${who(x)} accepted ${e.id} at t=${e.t.toFixed(1)} and never delivered it`);
  }
  const must = new Set<string>();
  for (const f of finals) {
    for (const seg of segments(f.x)) if (seg.conf === f.conf) for (const d of seg.deliveries) must.add(d.id);
    for (const e of f.x.events) if (e.kind === 'accept' && e.i > f.conf.i) must.add(e.id);
  }
  for (const f of finals) {
    const missing = [...must].filter((id) => !f.got.has(id));
    if (missing.length > 0) found.add(`no loss: ${who(f.x)} in the final configuration ${ringKey(ring!)} never delivered ${missing.slice(0, 5).join(' ')} (${missing.length} of ${must.size})`);
  }
  return found.done();
}

/** §5.5 10, bounded queues: no core's buffers went past their limits. */
export function checkBoundedQueues(end: EndState): string[] {
  const found = new Found();
  for (const [node, q] of end.queues) {
    if (q.recvHighWater > RECV_BUFFER_ITEMS_MAX) found.add(`bounded queues: n${node} buffered ${q.recvHighWater} messages (max ${RECV_BUFFER_ITEMS_MAX})`);
    if (q.newQueued > NEW_MESSAGE_QUEUE_ITEMS_MAX) found.add(`bounded queues: n${node} queued ${q.newQueued} new messages (max ${NEW_MESSAGE_QUEUE_ITEMS_MAX})`);
  }
  return found.done();
}

/**
 * Ring ids reused after a boot from a deliberately stale disk: the paper's
 * model assumes stable storage (§6), so such a run may break any invariant
 * by design (two rings with one id). The runner reports these runs apart.
 */
export function staleRingReuse(h: History): string[] {
  const out: string[] = [];
  const highest = new Map<NodeId, bigint>();
  // Committing counts too: a ring id the previous incarnation committed to (stored) may have been installed by
  // the others without it, and a second ring under the same id mixes two message streams (sim seed 13306).
  const highestStored = new Map<NodeId, bigint>();
  for (const x of incarnations(h)) {
    const before = highest.get(x.node) ?? -1n;
    const storedBefore = highestStored.get(x.node) ?? -1n;
    let reported = false;
    for (const e of x.events) {
      if (e.kind === 'store') {
        if (x.stale && e.seq <= storedBefore && !reported) {
          out.push(`${who(x)} booted from a stale disk (ring seq ${x.bootSeq}) and committed to ring seq ${e.seq}, not above ring seq ${storedBefore} it had stored before`);
          reported = true;
        }
        if (e.seq > (highestStored.get(x.node) ?? -1n)) highestStored.set(x.node, e.seq);
        continue;
      }
      if (e.kind !== 'confchg' || e.type !== 'regular') continue;
      if (x.stale && e.ringId.seq <= before) out.push(`${who(x)} booted from a stale disk (ring seq ${x.bootSeq}) and installed ring ${ringKey(e.ringId)}, not above ring seq ${before} it had installed before`);
      if (e.ringId.seq > (highest.get(x.node) ?? -1n)) highest.set(x.node, e.ringId.seq);
    }
  }
  return out;
}

/** The safety checkers (valid for any history, also a run cut short). */
export function checkSafety(h: History): string[] {
  return [...checkConfigurations(h), ...checkAgreedOrder(h), ...checkIntegrity(h), ...checkSelfDelivery(h), ...checkVirtualSynchrony(h), ...checkSafe(h)];
}

export function checkAll(h: History, end: EndState): string[] {
  return [...checkSafety(h), ...checkLiveness(h, end), ...checkBoundedQueues(end)];
}
