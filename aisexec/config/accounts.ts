// User and group names for aisexec { user, group } and uidgid { uid, gid }.
// Injectable so that tests and `aisexec -t` on another machine do not depend on
// this host's /etc/passwd. Only the files are read (no NSS: LDAP or sssd users
// must be given by number).
import fs from 'node:fs';

export interface Accounts {
  uidOf(name: string): number | undefined;
  gidOf(name: string): number | undefined;
}

/** The largest valid id: (uid_t)-1 means "no change" to setuid/chown. */
export const ID_MAX = 4_294_967_294;

/** name -> id from passwd(5) or group(5) text: the third `:` field. Malformed lines are skipped. */
export function parseIdFile(text: string): Map<string, number> {
  const ids = new Map<string, number>();
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    const name = fields[0];
    const id = fields[2];
    if (name === undefined || name === '' || name.startsWith('#') || id === undefined || !/^[0-9]{1,10}$/.test(id)) continue;
    const n = Number(id);
    if (n <= ID_MAX && !ids.has(name)) ids.set(name, n);
  }
  return ids;
}

/** Accounts from fixed tables. */
export function mapAccounts(users: Record<string, number>, groups: Record<string, number>): Accounts {
  const u = new Map(Object.entries(users));
  const g = new Map(Object.entries(groups));
  return { uidOf: (n) => u.get(n), gidOf: (n) => g.get(n) };
}

/** Accounts from /etc/passwd and /etc/group, read on first use; an unreadable file counts as empty. */
export function fileAccounts(passwdPath = '/etc/passwd', groupPath = '/etc/group'): Accounts {
  let users: Map<string, number> | undefined;
  let groups: Map<string, number> | undefined;
  const load = (p: string): Map<string, number> => {
    try {
      return parseIdFile(fs.readFileSync(p, 'utf8'));
    } catch {
      return new Map();
    }
  };
  return {
    uidOf: (n) => (users ??= load(passwdPath)).get(n),
    gidOf: (n) => (groups ??= load(groupPath)).get(n),
  };
}

/** A numeric id as-is, else the name looked up; undefined when neither. */
export function resolveId(text: string, lookup: (name: string) => number | undefined): number | undefined {
  if (/^[0-9]{1,10}$/.test(text)) {
    const n = Number(text);
    return n <= ID_MAX ? n : undefined;
  }
  return lookup(text);
}
