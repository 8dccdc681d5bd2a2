// Invariants over a recorded simulation history (reference totem.md §5.5).
// Each returns the violations it finds; an empty list means the run passed.
import { RECV_BUFFER_ITEMS_MAX, NEW_MESSAGE_QUEUE_ITEMS_MAX } from '../../aisexec/totem/constants.js';
import { ringIdEqual, type NodeId } from '../../aisexec/totem/types.js';
import type { SimCluster } from './cluster.js';

/** Message ids are `n<source>/<k>`: the originator and its k-th submission. */
export function parseId(id: string): { source: NodeId; k: number } | undefined {
  const m = /^n(\d+)\/(\d+)$/.exec(id);
  return m === null ? undefined : { source: Number(m[1]), k: Number(m[2]) };
}

/** Agreed order: every two nodes' delivery sequences are prefix-consistent, and seqs run 1, 2, 3, ... */
export function checkAgreedOrder(c: SimCluster): string[] {
  const bad: string[] = [];
  let longest: { node: NodeId; ids: string[] } = { node: 0, ids: [] };
  for (const [node, r] of c.records) if (r.deliveries.length > longest.ids.length) longest = { node, ids: r.deliveries.map((d) => d.id) };
  for (const [node, r] of c.records) {
    r.deliveries.forEach((d, i) => {
      if (d.seq !== i + 1) bad.push(`agreed order: n${node} delivered seq ${d.seq} as its delivery #${i + 1}`);
      if (longest.ids[i] !== d.id) bad.push(`agreed order: n${node} delivery #${i + 1} is ${d.id}, n${longest.node} has ${longest.ids[i]}`);
    });
  }
  return bad.slice(0, 10);
}

/** Integrity: no duplicates, nothing invented, the source is the originator, per-source FIFO (in the order the core accepted them). */
export function checkIntegrity(c: SimCluster): string[] {
  const bad: string[] = [];
  const accepted = new Map<string, number>();
  for (const r of c.records.values()) r.accepted.forEach((id, i) => accepted.set(id, i));
  for (const [node, r] of c.records) {
    const seen = new Set<string>();
    const lastK = new Map<NodeId, number>();
    for (const d of r.deliveries) {
      if (seen.has(d.id)) bad.push(`integrity: n${node} delivered ${d.id} twice`);
      seen.add(d.id);
      const p = parseId(d.id);
      if (!accepted.has(d.id) || p === undefined) bad.push(`integrity: n${node} delivered ${d.id}, which no application sent`);
      else if (p.source !== d.source) bad.push(`integrity: n${node} delivered ${d.id} as from n${d.source}`);
      else {
        const order = accepted.get(d.id)!;
        if (order <= (lastK.get(p.source) ?? -1)) bad.push(`integrity: n${node} delivered ${d.id} after a later message of n${p.source}`);
        lastK.set(p.source, order);
      }
    }
  }
  return bad.slice(0, 10);
}

/** Self-delivery: every node delivers each message its application had accepted. */
export function checkSelfDelivery(c: SimCluster): string[] {
  const bad: string[] = [];
  for (const [node, r] of c.records) {
    const got = new Set(r.deliveries.map((d) => d.id));
    const missing = r.accepted.filter((id) => !got.has(id));
    if (missing.length > 0) bad.push(`self-delivery: n${node} never delivered its own ${missing.slice(0, 5).join(', ')} (${missing.length} in all)`);
  }
  return bad;
}

/** No loss in a stable configuration: every member delivers every accepted message. */
export function checkNoLoss(c: SimCluster): string[] {
  const bad: string[] = [];
  const all: string[] = [];
  for (const r of c.records.values()) all.push(...r.accepted);
  for (const [node, r] of c.records) {
    const got = new Set(r.deliveries.map((d) => d.id));
    const missing = all.filter((id) => !got.has(id));
    if (missing.length > 0) bad.push(`no loss: n${node} is missing ${missing.slice(0, 5).join(', ')} (${missing.length} of ${all.length})`);
  }
  return bad;
}

/** One configuration: each node installed exactly the configured ring, transitional then regular, before any delivery. */
export function checkConfiguration(c: SimCluster): string[] {
  const bad: string[] = [];
  const expected = [...c.members].sort((a, b) => a - b);
  let ring: ReturnType<typeof String> | undefined;
  for (const [node, r] of c.records) {
    const [t, g, ...rest] = r.confChanges;
    if (t?.type !== 'transitional' || g?.type !== 'regular' || rest.length > 0) {
      bad.push(`configuration: n${node} saw ${r.confChanges.map((x) => x.type).join(',')}`);
      continue;
    }
    if (g.atDelivery !== 0) bad.push(`configuration: n${node} delivered before its regular configuration`);
    if (g.members.join(',') !== expected.join(',')) bad.push(`configuration: n${node} installed [${g.members.join(',')}]`);
    const key = `${g.ringId.rep}.${g.ringId.seq}`;
    if (ring !== undefined && ring !== key) bad.push(`configuration: n${node} installed ring ${key}, others ${ring}`);
    ring = key;
    for (const d of r.deliveries) if (!ringIdEqual(d.ringId, g.ringId)) bad.push(`configuration: n${node} delivered ${d.id} with a foreign ring id`);
  }
  return bad.slice(0, 10);
}

/** Bounded queues: no core's buffers went past their limits. */
export function checkBoundedQueues(c: SimCluster): string[] {
  const bad: string[] = [];
  for (const [node, core] of c.cores) {
    const q = core.queues();
    if (q.recvHighWater > RECV_BUFFER_ITEMS_MAX) bad.push(`bounded queues: n${node} buffered ${q.recvHighWater}`);
    if (q.newQueued > NEW_MESSAGE_QUEUE_ITEMS_MAX) bad.push(`bounded queues: n${node} queued ${q.newQueued} new messages`);
  }
  return bad;
}

export function checkAll(c: SimCluster): string[] {
  return [
    ...checkConfiguration(c),
    ...checkAgreedOrder(c),
    ...checkIntegrity(c),
    ...checkSelfDelivery(c),
    ...checkNoLoss(c),
    ...checkBoundedQueues(c),
  ];
}
