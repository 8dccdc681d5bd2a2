// From a parsed totem { } / nodelist { } to this node's ring transports:
// which local address each ring binds (the nodelist entry, or for udp the
// interface inside bindnetaddr's network, as corosync totemip_iface_check
// finds it), and which members each ring reaches.
import os from 'node:os';
import { AisInvalidParamError } from '../../../lib-ais/errors.js';
import { canonicalIp, ipFamily, ipv4ToU32, ipv6Groups } from '../../config/address.js';
import { TOTEM_DEFAULTS, type TotemConfig } from '../../config/totemconfig.js';
import type { NodeId } from '../types.js';
import type { RingMember } from './members.js';
import type { PacketHandler, RingNo, RingTransport } from './transport.js';
import { UdpTransport } from './udp.js';
import { UdpuTransport } from './udpu.js';

/** os.networkInterfaces()'s shape, injectable for tests. */
export type InterfaceTable = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

function prefixBits(info: os.NetworkInterfaceInfo): number {
  const n = Number(info.cidr?.split('/')[1]);
  return Number.isInteger(n) ? n : info.family === 'IPv4' ? 32 : 128;
}

function samePrefix(a: string, b: string, bits: number): boolean {
  const fam = ipFamily(a);
  if (fam === undefined || fam !== ipFamily(b)) return false;
  if (fam === 4) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return ((ipv4ToU32(a) & mask) >>> 0) === ((ipv4ToU32(b) & mask) >>> 0);
  }
  const ga = ipv6Groups(a);
  const gb = ipv6Groups(b);
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const m = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((ga[i]! & m) !== (gb[i]! & m)) return false;
  }
  return true;
}

/**
 * The local address for a bindnetaddr: itself when it is one of this host's
 * addresses, else the first local address inside its network (corosync
 * accepts either spelling). Undefined when no interface matches.
 */
export function resolveBindnetaddr(bindnetaddr: string, ifaces: InterfaceTable): string | undefined {
  const want = canonicalIp(bindnetaddr);
  const all = Object.values(ifaces).flatMap((l) => l ?? []);
  const exact = all.find((i) => canonicalIp(i.address) === want);
  if (exact !== undefined) return exact.address;
  return all.find((i) => samePrefix(i.address, bindnetaddr, prefixBits(i)))?.address;
}

/** The IPv4 broadcast address of the network `localAddress` is on (255.255.255.255 when its interface is unknown). */
export function broadcastAddress(localAddress: string, ifaces: InterfaceTable): string {
  const info = Object.values(ifaces).flatMap((l) => l ?? []).find((i) => i.family === 'IPv4' && i.address === localAddress);
  if (info === undefined) return '255.255.255.255';
  const bits = prefixBits(info);
  const host = bits >= 32 ? 0 : (0xffffffff >>> bits);
  const b = (ipv4ToU32(localAddress) | host) >>> 0;
  return [b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255].join('.');
}

function nodeRingAddress(cfg: TotemConfig, ring: RingNo, nodeid: NodeId): string | undefined {
  const node = cfg.nodes.find((n) => n.nodeid === nodeid);
  return ring === 0 ? node?.ring0Addr : node?.ring1Addr;
}

/** This node's address on `ring`: its nodelist entry, else (udp) the interface bindnetaddr names. */
export function localRingAddress(cfg: TotemConfig, ring: RingNo, nodeid: NodeId, ifaces: InterfaceTable): string | undefined {
  const listed = nodeRingAddress(cfg, ring, nodeid);
  if (listed !== undefined) return listed;
  const bind = cfg.interfaces.find((i) => i.ringnumber === ring)?.bindnetaddr;
  return cfg.transport === 'udp' && bind !== undefined ? resolveBindnetaddr(bind, ifaces) : undefined;
}

export function ringMembers(cfg: TotemConfig, ring: RingNo): RingMember[] {
  const out: RingMember[] = [];
  for (const n of cfg.nodes) {
    const address = ring === 0 ? n.ring0Addr : n.ring1Addr;
    if (address !== undefined) out.push({ nodeid: n.nodeid, address });
  }
  return out;
}

export function ringCount(cfg: TotemConfig): 1 | 2 {
  return cfg.rrpMode === 'none' ? 1 : 2;
}

export interface RingTransportsOptions {
  ifaces?: InterfaceTable;
  bufferBytes?: number;
}

/**
 * One transport per ring (ring 0 only with rrp_mode none). Throws an
 * AisInvalidParamError when this node has no address on a ring; the
 * executive reports it and does not start.
 */
export function createRingTransports(cfg: TotemConfig, nodeid: NodeId, onPacket: PacketHandler, opts: RingTransportsOptions = {}): RingTransport[] {
  const ifaces = opts.ifaces ?? os.networkInterfaces();
  const out: RingTransport[] = [];
  for (let r = 0; r < ringCount(cfg); r++) {
    const ring = r as RingNo;
    const iface = cfg.interfaces.find((i) => i.ringnumber === ring);
    const localAddress = localRingAddress(cfg, ring, nodeid, ifaces);
    if (localAddress === undefined) {
      const where = cfg.transport === 'udpu'
        ? `node ${nodeid} has no ring${ring}_addr in the nodelist`
        : `no local interface is in bindnetaddr ${iface?.bindnetaddr ?? '(none)'}'s network and node ${nodeid} has no ring${ring}_addr`;
      throw new AisInvalidParamError(`ring ${ring}: ${where}`);
    }
    const port = iface?.mcastport ?? TOTEM_DEFAULTS.mcastport;
    const members = ringMembers(cfg, ring);
    const common = { ring, nodeid, localAddress, port, members, onPacket, ...(opts.bufferBytes !== undefined ? { bufferBytes: opts.bufferBytes } : {}) };
    if (cfg.transport === 'udpu') {
      out.push(new UdpuTransport({ ...common, blockUnlistedIps: cfg.blockUnlistedIps }));
    } else {
      if (iface?.broadcast === true) {
        out.push(new UdpTransport({ ...common, mcastAddress: broadcastAddress(localAddress, ifaces), broadcast: true, ttl: iface.ttl }));
      } else if (iface?.mcastaddr !== undefined) {
        out.push(new UdpTransport({ ...common, mcastAddress: iface.mcastaddr, ttl: iface.ttl }));
      } else {
        throw new AisInvalidParamError(`ring ${ring}: transport udp needs an interface with mcastaddr or broadcast: yes`);
      }
    }
  }
  return out;
}
