// What ais-cfgtool prints, from the executive's status JSON (the ring is
// under `delivery`, aisexec/totem/driver.ts). Pure functions, so the layouts
// are tested without an executive. The JSON comes from another process:
// every field is read defensively and a missing one prints as "-".

/** The part of the ring status the tool reads. */
export interface RingView {
  nodeid?: number;
  transport?: string;
  state?: string;
  ringId?: { rep: number; seq: string; text: string } | null;
  members?: number[];
  lastChange?: { ring: string; members: number[]; atMs: number } | null;
  rrp?: { mode?: string; rings?: RrpRingView[] };
  security?: { mode?: string; sealed?: number; opened?: number; dropped?: Record<string, number> };
  config?: Record<string, number | string | boolean>;
  counters?: Record<string, unknown> & { gather?: Record<string, number> };
}

export interface RrpRingView {
  ring: number;
  state: string;
  address: string;
  port: number;
  problemCount?: number;
  markedFaulty?: number;
  recovered?: number;
  packetsSent?: number;
  packetsReceived?: number;
  packetsDropped?: number;
  text: string;
  transport?: { blocked?: boolean; counters?: Record<string, unknown> & { sendErrors?: Record<string, number> } };
}

/** A CLM node record, for names and addresses in the member list (optional: the ring works without CLM). */
export interface NodeRecord {
  nodeId: number;
  name?: string;
  address?: string;
}

/** Totem timeouts are milliseconds; the rest are counts, sizes or words. */
const MS_KEYS = new Set(['token', 'token_retransmit', 'join', 'consensus', 'fail_wait', 'merge', 'hold']);

function str(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(v) : '-';
}

/** Rows of cells, left-aligned except where `right` says, two spaces between columns; no trailing blanks. */
export function table(rows: string[][], right: (col: number) => boolean = () => false, indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((r) => (indent + r.map((c, i) => (right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')).trimEnd());
}

function ringIdText(v: RingView): string {
  return v.ringId ? `${v.ringId.text} (representative ${v.ringId.rep}, seq ${v.ringId.seq})` : '- (no ring installed yet)';
}

/**
 * corosync-cfgtool -s: "Printing ring status.", the local node id and each
 * ring's address and status line (scripts grep "active with no faults" and
 * "FAULTY"), then the ring this node is in.
 */
export function renderRingStatus(v: RingView): string {
  const out = ['Printing ring status.', `Local node ID ${str(v.nodeid)}`];
  for (const r of v.rrp?.rings ?? []) {
    const blocked = r.transport?.blocked === true ? ' (blocked by fault injection)' : '';
    out.push(`RING ID ${r.ring}`, `\tid\t= ${r.address}`, `\tstatus\t= ${r.text}${blocked}`);
  }
  const members = v.members ?? [];
  out.push(
    'MEMBERSHIP',
    `\tring\t= ${ringIdText(v)}`,
    `\tstate\t= ${str(v.state)}`,
    `\tmembers\t= ${members.length} [${members.join(' ')}]`,
    `\trrp\t= ${str(v.rrp?.mode)} (transport ${str(v.transport)})`,
  );
  return out.join('\n');
}

/** corosync-quorumtool -l's layout, without votes (Ringfort has no quorum service yet): one row per member. */
export function renderMembers(v: RingView, nodes: readonly NodeRecord[] = []): string {
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const rows = [['Nodeid', 'Address', 'Name']];
  for (const id of v.members ?? []) {
    const n = byId.get(id);
    rows.push([String(id), n?.address ?? '-', `${n?.name ?? '-'}${id === v.nodeid ? ' (local)' : ''}`]);
  }
  const head = `Membership information (ring ${v.ringId?.text ?? '-'}, ${str(v.state)}, ${(v.members ?? []).length} members)`;
  return [head, '-'.repeat(head.length), ...table(rows, (c) => c === 0, '')].join('\n');
}

/** The effective totem values, as corosync-cmapctl runtime.config.totem.* would list them. */
export function renderConfig(v: RingView): string {
  const entries = Object.entries(v.config ?? {});
  const w = Math.max(0, ...entries.map(([k]) => k.length));
  return [`Effective totem configuration (node ${str(v.nodeid)})`, ...entries.map(([k, val]) => `  ${k.padEnd(w)} = ${str(val)}${MS_KEYS.has(k) ? ' ms' : ''}`)].join('\n');
}

/** Why packets were dropped on a ring: the transport's counters by cause. */
const DROP_CAUSES: ReadonlyArray<[string, string]> = [
  ['droppedBlockedSend', 'blocked (send)'],
  ['droppedBlockedReceive', 'blocked (receive)'],
  ['droppedUnlisted', 'unlisted address'],
  ['droppedUnknownNode', 'unknown node'],
  ['droppedNotSent', 'not sent (size, closed)'],
  ['droppedOwn', 'own multicast'],
];

const CORE_COUNTERS: ReadonlyArray<[string, string]> = [
  ['tokensReceived', 'tokens received'],
  ['tokenRetransmits', 'token retransmits'],
  ['tokenLosses', 'token losses'],
  ['tokenHolds', 'token holds'],
  ['mcastsSent', 'messages sent'],
  ['mcastsReceived', 'messages received'],
  ['mcastsRetransmitted', 'messages retransmitted'],
  ['ringsInstalled', 'rings installed'],
  ['packetsInvalid', 'packets invalid (core)'],
  ['packetsBad', 'packets undecodable'],
  ['packetsUnauthenticated', 'packets unauthenticated'],
  ['pausesDetected', 'pauses detected'],
  ['joinsFlushed', 'joins flushed after a pause'],
];

/** Retransmits, token losses, why the ring gathered, packets dropped per ring and why, security drops. */
export function renderCounters(v: RingView): string {
  const c = v.counters ?? {};
  const s = v.security ?? {};
  const rings = v.rrp?.rings ?? [];
  // One grid for every section, so that all figures line up.
  const rows: string[][] = [];
  const section = (title: string): void => { rows.push([title]); };
  const row = (label: string, ...cells: string[]): void => { rows.push([`  ${label}`, ...cells]); };

  section(`Totem counters (node ${str(v.nodeid)}, ring ${v.ringId?.text ?? '-'})`);
  for (const [k, label] of CORE_COUNTERS) row(label, num(c[k]));
  section('Gather entries by reason');
  const gather = Object.entries(c.gather ?? {}).filter(([, n]) => n > 0);
  if (gather.length === 0) row('none');
  for (const [k, n] of gather) row(k, String(n));

  section('Packets by ring');
  rows.push(['', ...rings.map((r) => `ring ${r.ring}`)]);
  const perRing = (label: string, f: (r: RrpRingView) => unknown): void => row(label, ...rings.map((r) => num(f(r))));
  perRing('sent', (r) => r.packetsSent);
  perRing('received', (r) => r.packetsReceived);
  perRing('dropped', (r) => r.packetsDropped);
  for (const [k, label] of DROP_CAUSES) perRing(`  ${label}`, (r) => r.transport?.counters?.[k]);
  perRing('  send errors', (r) => {
    const e = r.transport?.counters?.sendErrors;
    return e === undefined ? undefined : Object.values(e).reduce((a, b) => a + b, 0);
  });
  perRing('marked faulty', (r) => r.markedFaulty);
  perRing('recovered', (r) => r.recovered);
  perRing('problem count', (r) => r.problemCount);

  section(`Security (mode ${str(s.mode)})`);
  row('sealed', num(s.sealed));
  row('opened', num(s.opened));
  const drops = Object.entries(s.dropped ?? {}).filter(([, n]) => n > 0);
  if (drops.length === 0) row('dropped: none');
  for (const [k, n] of drops) row(`dropped: ${k}`, String(n));

  // Section titles take no part in the widths.
  const widths: number[] = [];
  for (const r of rows) if (r.length > 1) r.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((r) => (r.length === 1 ? r[0]! : r.map((cell, i) => (i === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[i]!))).join('  ').trimEnd())).join('\n');
}

/** --json for --counters: the same figures, machine-readable. */
export function countersJson(v: RingView): unknown {
  return {
    nodeid: v.nodeid,
    ringId: v.ringId?.text ?? null,
    counters: v.counters ?? {},
    rings: (v.rrp?.rings ?? []).map((r) => ({
      ring: r.ring, packetsSent: r.packetsSent, packetsReceived: r.packetsReceived, packetsDropped: r.packetsDropped,
      markedFaulty: r.markedFaulty, recovered: r.recovered, problemCount: r.problemCount, transport: r.transport?.counters ?? {},
    })),
    security: v.security ?? {},
  };
}
