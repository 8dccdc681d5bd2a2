// The nodes one ring can reach: node id -> address, and the set of listed
// addresses that block_unlisted_ips admits. IPv6 text has many spellings, so
// addresses are compared in canonical form; IPv4 text is compared as is (the
// configuration and Node both write it dotted-decimal without leading zeros).
import { canonicalIp, ipFamily, isMulticast, isUnspecified, type IpFamily } from '../../config/address.js';
import type { NodeId } from '../types.js';

export interface RingMember {
  readonly nodeid: NodeId;
  readonly address: string;
}

export class MemberTable {
  private readonly byId = new Map<NodeId, string>();
  private readonly listed = new Set<string>();
  /** Addresses of every member but this node, in node id order: the udpu "multicast" loop. */
  private othersCache: string[] | undefined;

  constructor(readonly family: IpFamily, private readonly myNodeid: NodeId, members: readonly RingMember[]) {
    for (const m of members) this.set(m.nodeid, m.address);
  }

  /** Whether an address can be a member's on this ring: a unicast literal of the ring's family. */
  usable(address: string): boolean {
    return ipFamily(address) === this.family && !isMulticast(address) && !isUnspecified(address);
  }

  /** Sets (or moves) a member's address; false when the address is not usable. */
  set(nodeid: NodeId, address: string): boolean {
    // The driver calls this for every packet on udp: the common case (nothing new) must cost one lookup.
    if (this.byId.get(nodeid) === address) return true;
    if (!this.usable(address) || !Number.isInteger(nodeid) || nodeid <= 0) return false;
    const key = this.key(address);
    const old = this.byId.get(nodeid);
    if (old === key) return true;
    this.byId.set(nodeid, key);
    if (old !== undefined && !this.heldByAnyone(old)) this.listed.delete(old);
    this.listed.add(key);
    this.othersCache = undefined;
    return true;
  }

  addressOf(nodeid: NodeId): string | undefined {
    return this.byId.get(nodeid);
  }

  /** Whether `address` is the one on record for `nodeid`. */
  matches(nodeid: NodeId, address: string): boolean {
    const known = this.byId.get(nodeid);
    return known !== undefined && (known === address || (this.family === 6 && known === this.key(address)));
  }

  isListed(address: string): boolean {
    return this.listed.has(address) || (this.family === 6 && this.listed.has(this.key(address)));
  }

  others(): readonly string[] {
    if (this.othersCache === undefined) {
      this.othersCache = [...this.byId.entries()].filter(([id]) => id !== this.myNodeid).sort(([a], [b]) => a - b).map(([, addr]) => addr);
    }
    return this.othersCache;
  }

  get size(): number {
    return this.byId.size;
  }

  private heldByAnyone(address: string): boolean {
    for (const a of this.byId.values()) if (a === address) return true;
    return false;
  }

  private key(address: string): string {
    return this.family === 6 ? canonicalIp(address) : address;
  }
}
