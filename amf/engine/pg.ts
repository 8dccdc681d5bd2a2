// Protection groups (specification B.01.01 §3.1, saAmfProtectionGroupTrack):
// the members of a CSI's protection group are the components that hold an
// assignment of it (an assignment the component has accepted, or one being
// removed), with their HA state and rank (0 for ACTIVE, the standby rank
// otherwise).
//
// TRACK_CURRENT answers with the members in the reply. TRACK_CHANGES and
// TRACK_CHANGES_ONLY subscribe the client's connection: after every step that
// changed the CSI's members the subscriber gets one callback; with CHANGES it
// lists every member (the changed ones with their change, the others
// NO_CHANGE) plus the removed ones, with CHANGES_ONLY only the changed and
// removed ones. numberOfMembers is the member count after the change.
import { SaAisErrorT } from '../../lib-ais/errors.js';
import type { Core } from './core.js';
import type { Conn, CsiRt } from './runtime.js';
import type { ClientRef, PgMember, PgNotification } from './types.js';

export const SA_TRACK_CURRENT = 1;
export const SA_TRACK_CHANGES = 2;
export const SA_TRACK_CHANGES_ONLY = 4;

export interface PgSubscriptions {
  /** CSI -> "node:conn" -> subscription. Insertion order is callback order. */
  readonly byCsi: Map<CsiRt, Map<string, { conn: Conn; flags: number }>>;
  /** Members of CSIs touched in this step, as they were before it. */
  readonly before: Map<CsiRt, PgMember[]>;
}

export function newPgSubscriptions(): PgSubscriptions {
  return { byCsi: new Map(), before: new Map() };
}

function connKey(c: Conn): string {
  return `${c.node}:${c.conn}`;
}

export function pgMembers(k: Core, csi: CsiRt): PgMember[] {
  const out: PgMember[] = [];
  for (const a of k.csiAssignmentsOfCsi(csi)) {
    const haState = a.confirmed;
    if (haState === undefined) continue;
    out.push({ comp: a.comp.dn, haState, rank: haState === 'standby' ? 1 : 0 });
  }
  return out;
}

/** Call before changing any assignment of `csi`: remembers its members for the end-of-step diff. */
export function pgTouch(k: Core, csi: CsiRt): void {
  if (!k.pg.byCsi.has(csi) || k.pg.before.has(csi)) return;
  k.pg.before.set(csi, pgMembers(k, csi));
}

/** End of step: one callback per subscriber of each CSI whose members changed. */
export function pgFlush(k: Core): void {
  for (const [csi, before] of k.pg.before) {
    const subs = k.pg.byCsi.get(csi);
    if (!subs || subs.size === 0) continue;
    const after = pgMembers(k, csi);
    const changes = diff(before, after);
    if (!changes.some((n) => n.change !== 'noChange')) continue;
    for (const sub of subs.values()) {
      const notifications = sub.flags & SA_TRACK_CHANGES_ONLY ? changes.filter((n) => n.change !== 'noChange') : changes;
      k.callback(sub.conn, { kind: 'pgTrack', csi: csi.dn, notifications, numberOfMembers: after.length, error: SaAisErrorT.SA_AIS_OK });
    }
  }
  k.pg.before.clear();
}

function diff(before: PgMember[], after: PgMember[]): PgNotification[] {
  const out: PgNotification[] = [];
  const old = new Map(before.map((m) => [m.comp, m]));
  for (const m of after) {
    const o = old.get(m.comp);
    if (!o) out.push({ member: m, change: 'added' });
    else if (o.haState !== m.haState || o.rank !== m.rank) out.push({ member: m, change: 'stateChange' });
    else out.push({ member: m, change: 'noChange' });
  }
  const now = new Set(after.map((m) => m.comp));
  for (const m of before) if (!now.has(m.comp)) out.push({ member: m, change: 'removed' });
  return out;
}

/** saAmfProtectionGroupTrack. */
export function pgTrack(k: Core, csiDn: string, flags: number, client: ClientRef): void {
  const csi = k.world.csiByDn.get(csiDn);
  if (!csi) {
    k.reply(client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  const known = SA_TRACK_CURRENT | SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
  const both = SA_TRACK_CHANGES | SA_TRACK_CHANGES_ONLY;
  if (!Number.isInteger(flags) || flags <= 0 || (flags & ~known) !== 0 || (flags & both) === both) {
    k.reply(client, SaAisErrorT.SA_AIS_ERR_BAD_FLAGS);
    return;
  }
  if (flags & both) {
    let subs = k.pg.byCsi.get(csi);
    if (!subs) k.pg.byCsi.set(csi, (subs = new Map()));
    const conn = { node: client.node, conn: client.conn };
    subs.set(connKey(conn), { conn, flags: flags & both });
  }
  if (flags & SA_TRACK_CURRENT) {
    const notifications = pgMembers(k, csi).map((member): PgNotification => ({ member, change: 'noChange' }));
    k.reply(client, SaAisErrorT.SA_AIS_OK, { kind: 'pgCurrent', notifications });
  } else {
    k.reply(client, SaAisErrorT.SA_AIS_OK);
  }
}

/** saAmfProtectionGroupTrackStop. */
export function pgTrackStop(k: Core, csiDn: string, client: ClientRef): void {
  const csi = k.world.csiByDn.get(csiDn);
  const subs = csi ? k.pg.byCsi.get(csi) : undefined;
  if (!csi || !subs?.delete(connKey({ node: client.node, conn: client.conn }))) {
    k.reply(client, SaAisErrorT.SA_AIS_ERR_NOT_EXIST);
    return;
  }
  k.reply(client, SaAisErrorT.SA_AIS_OK);
}

/** A connection closed: its subscriptions go. */
export function pgDropConn(k: Core, conn: Conn): void {
  const key = connKey(conn);
  for (const subs of k.pg.byCsi.values()) subs.delete(key);
}
