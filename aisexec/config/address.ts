// IP address syntax for totem interface and nodelist keys. Literals only:
// resolving host names at config time would make `aisexec -t` and the ring's
// start depend on DNS.
import net from 'node:net';

export type IpFamily = 4 | 6;

export function ipFamily(text: string): IpFamily | undefined {
  const f = net.isIP(text);
  return f === 4 || f === 6 ? f : undefined;
}

/** The eight 16-bit groups of a valid IPv6 literal (zone dropped, embedded IPv4 folded in). */
export function ipv6Groups(text: string): number[] {
  let t = text.split('%')[0]!;
  const tail: number[] = [];
  const lastColon = t.lastIndexOf(':');
  const last = t.slice(lastColon + 1);
  if (last.includes('.')) {
    const b = last.split('.').map(Number);
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    t = t.slice(0, lastColon + 1);
    if (!t.endsWith('::')) t = t.slice(0, -1);
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [head, rest] = t.split('::') as [string, string | undefined];
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const zeros = 8 - tail.length - left.length - right.length;
  return [...left, ...Array<number>(Math.max(0, zeros)).fill(0), ...right, ...tail].slice(0, 8);
}

/** The canonical text of an address, so that "::1" and "0:0::1" compare equal. */
export function canonicalIp(text: string): string {
  return ipFamily(text) === 6 ? ipv6Groups(text).map((g) => g.toString(16)).join(':') : text;
}

export function isMulticast(text: string): boolean {
  const f = ipFamily(text);
  if (f === 4) {
    const first = Number(text.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return f === 6 && (ipv6Groups(text)[0]! & 0xff00) === 0xff00;
}

/** 0.0.0.0 or :: */
export function isUnspecified(text: string): boolean {
  const f = ipFamily(text);
  if (f === 4) return text === '0.0.0.0';
  return f === 6 && ipv6Groups(text).every((g) => g === 0);
}

/** An IPv4 address as the unsigned 32-bit number corosync uses for a node id it derives. */
export function ipv4ToU32(text: string): number {
  return text.split('.').reduce((acc, b) => acc * 256 + Number(b), 0);
}
