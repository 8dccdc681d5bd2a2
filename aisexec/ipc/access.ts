// Who may use the executive's IPC: root, the executive's own uid, the
// configured aisexec user and group, and the uidgid allow-list (as corosync's
// `uidgid { }`). SO_PEERCRED reports the client's primary gid only, so a
// supplementary group membership does not grant access; say so in the docs.
import type { PeerCred } from './peercred.js';

export interface AccessPolicy {
  allows(cred: PeerCred): boolean;
  describe(): string;
}

export function accessPolicy(opts: { executiveUid: number; uids: Iterable<number>; gids: Iterable<number> }): AccessPolicy {
  const uids = new Set<number>([0, opts.executiveUid, ...opts.uids]);
  const gids = new Set<number>(opts.gids);
  return {
    allows: (c) => uids.has(c.uid) || gids.has(c.gid),
    describe: () => `uids [${[...uids].sort((a, b) => a - b).join(' ')}] gids [${[...gids].sort((a, b) => a - b).join(' ')}]`,
  };
}
