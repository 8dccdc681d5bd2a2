// This node's CLM record from the configuration and the machine: the
// address of its nodelist entry (ring0_addr), its name (the entry's `name`,
// else the hostname), the machine's boot time, and this process's
// incarnation (random per start). I/O at the edge: the readers are
// injectable for tests.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { ipFamily } from '../../config/address.js';
import type { MainConfig } from '../../config/mainconfig.js';
import { SA_CLM_MAX_ADDRESS_LENGTH, SaClmNodeAddressFamilyT } from '../../../lib-ais/clm-types.js';
import { SA_MAX_NAME_LENGTH } from '../../../lib-ais/ipc/limits.js';
import type { LocalNode } from './view.js';

export interface MachineFacts {
  hostname(): string;
  /** Seconds since the epoch at which the machine booted. */
  bootTimeSeconds(): number;
}

export const MACHINE: MachineFacts = { hostname: () => os.hostname(), bootTimeSeconds };

/**
 * The record this node announces. The address is the nodelist entry's
 * ring0_addr; without an entry, interface 0's bindnetaddr, else the loopback
 * (until the ring reports the address it bound, see docs/clm.md).
 */
export function localClmNode(config: MainConfig, nodeId: number, machine: MachineFacts = MACHINE, incarnation = newIncarnation()): LocalNode {
  const t = config.totem;
  const entry = t.nodes.find((n) => n.nodeid === nodeId);
  const address = entry?.ring0Addr ?? t.interfaces[0]?.bindnetaddr ?? '127.0.0.1';
  const family = ipFamily(address) === 6 ? SaClmNodeAddressFamilyT.SA_CLM_AF_INET6 : SaClmNodeAddressFamilyT.SA_CLM_AF_INET;
  const value = truncateUtf8(address, SA_CLM_MAX_ADDRESS_LENGTH);
  return {
    nodeId,
    nodeAddress: { family, length: Buffer.byteLength(value, 'utf8'), value },
    nodeName: truncateUtf8(entry?.name ?? machine.hostname(), SA_MAX_NAME_LENGTH),
    bootTimestamp: BigInt(machine.bootTimeSeconds()) * 1_000_000_000n,
    incarnation,
  };
}

/**
 * A random 64-bit id for this executive process. Random rather than the start
 * time: a clock stepped back cannot make two starts of a node look alike.
 */
export function newIncarnation(): bigint {
  return randomBytes(8).readBigUInt64LE(0);
}

/** The machine's boot time: `btime` of /proc/stat, else now minus the uptime (whole seconds either way). */
export function bootTimeSeconds(): number {
  try {
    const m = /^btime\s+(\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall through
  }
  return Math.floor(Date.now() / 1000 - os.uptime());
}

function truncateUtf8(s: string, bytes: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= bytes) return s;
  let end = bytes;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // do not cut a character in two
  return b.subarray(0, end).toString('utf8');
}
