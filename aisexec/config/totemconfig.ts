// totem { } (alias network { }) and the top-level nodelist { }: every key of
// openais 0.80 and corosync 1.x/2.x, with corosync 2's defaults and the derived
// timeouts of corosync exec/totemconfig.c (HZ = 100, so one tick is 10 ms).
import path from 'node:path';
import { canonicalIp, ipFamily, ipv4ToU32, isMulticast, isUnspecified, type IpFamily } from './address.js';
import type { BraceEntry, BraceSection } from './brace.js';
import type { SourcePos } from './diagnostics.js';
import { Diagnostics, MS_MAX, SectionReader, U32_MAX } from './reader.js';

export type TotemTransport = 'udp' | 'udpu';
export type RrpMode = 'none' | 'active' | 'passive';
export type CryptoCipher = 'none' | 'aes256';
export type CryptoHash = 'none' | 'sha256';
export type VsfType = 'ykd' | 'none';

export interface TotemInterfaceConfig {
  ringnumber: 0 | 1;
  bindnetaddr?: string;
  mcastaddr?: string;
  mcastport: number;
  ttl: number;
  broadcast: boolean;
}

export interface TotemNodeConfig {
  nodeid: number; // as given, or derived from an IPv4 ring0_addr (corosync 2 does the same)
  nodeidDerived: boolean;
  ring0Addr: string;
  ring1Addr?: string;
  name?: string;
}

export interface TotemConfig {
  version: 2;
  transport: TotemTransport;
  clusterName?: string;
  nodeid?: number; // this node's id when given in totem {}; else from the nodelist or the bound address at run time
  /** secauth as written (default on); the effective protection is cryptoCipher/cryptoHash. */
  secauth: boolean;
  cryptoCipher: CryptoCipher;
  cryptoHash: CryptoHash;
  /** Absolute path of the shared key, needed at run time when cipher or hash is not none. */
  keyfile: string;
  threads: number; // accepted for openais compatibility; forced to 0 without crypto, as openais did
  vsftype: VsfType;
  netmtuBytes: number;
  tokenMs: number;
  tokenCoefficientMs: number;
  /** token + (nodes - 2) * token_coefficient when the nodelist has more than 2 nodes, else token. */
  tokenEffectiveMs: number;
  tokenRetransmitMs: number;
  holdMs: number;
  tokenRetransmitsBeforeLossConst: number;
  joinMs: number;
  sendJoinMs: number;
  consensusMs: number;
  mergeMs: number;
  downcheckMs: number;
  failRecvConst: number;
  seqnoUnchangedConst: number;
  missCountConst: number;
  windowSize: number;
  maxMessages: number;
  heartbeatFailuresAllowed: number;
  maxNetworkDelayMs: number;
  rrpMode: RrpMode;
  rrpProblemCountTimeoutMs: number;
  rrpProblemCountThreshold: number;
  rrpProblemCountMcastThreshold: number;
  rrpTokenExpiredTimeoutMs: number;
  rrpAutorecoveryCheckTimeoutMs: number;
  blockUnlistedIps: boolean;
  clearNodeHighBit: boolean;
  interfaces: TotemInterfaceConfig[]; // sorted by ringnumber
  nodes: TotemNodeConfig[]; // nodelist { node { } } in file order
}

/** corosync's MINIMUM_TIMEOUT: three 10 ms ticks. */
export const TIMEOUT_MIN_MS = 30;
/** corosync's MINIMUM_TIMEOUT_HOLD: 0.8 * 30 - 10. */
export const HOLD_MIN_MS = 14;
/** openais: max_messages may not exceed this many bytes' worth of frames (256000 / netmtu). */
export const MAX_MESSAGES_BYTES = 256_000;
export const NETMTU_MAX_BYTES = 9000;
export const NETMTU_MIN_BYTES = 576;
export const THREADS_MAX = 16;
export const RRP_PROBLEM_COUNT_THRESHOLD_MIN = 2;
export const INTERFACES_MAX = 2;

export const TOTEM_DEFAULTS = {
  tokenMs: 1000,
  tokenCoefficientMs: 650,
  tokenRetransmitsBeforeLossConst: 4,
  joinMs: 50,
  sendJoinMs: 0,
  mergeMs: 200,
  downcheckMs: 1000,
  failRecvConst: 2500,
  seqnoUnchangedConst: 30,
  missCountConst: 5,
  windowSize: 50,
  maxMessages: 17,
  heartbeatFailuresAllowed: 0,
  maxNetworkDelayMs: 50,
  netmtuBytes: 1500,
  threads: 0,
  rrpProblemCountTimeoutMs: 2000,
  rrpProblemCountThreshold: 10,
  rrpTokenExpiredTimeoutMs: 47,
  rrpAutorecoveryCheckTimeoutMs: 1000,
  mcastport: 5405,
  ttl: 1,
} as const;

const TOTEM_KEYS = [
  'version', 'secauth', 'crypto_cipher', 'crypto_hash', 'keyfile', 'nodeid', 'cluster_name', 'transport',
  'threads', 'vsftype', 'netmtu', 'token', 'token_coefficient', 'token_retransmit', 'hold',
  'token_retransmits_before_loss_const', 'join', 'send_join', 'consensus', 'merge', 'downcheck',
  'fail_recv_const', 'seqno_unchanged_const', 'miss_count_const', 'window_size', 'max_messages',
  'heartbeat_failures_allowed', 'max_network_delay', 'rrp_mode', 'rrp_problem_count_timeout',
  'rrp_problem_count_threshold', 'rrp_problem_count_mcast_threshold', 'rrp_token_expired_timeout',
  'rrp_autorecovery_check_timeout', 'block_unlisted_ips', 'clear_node_high_bit',
] as const;
const INTERFACE_KEYS = ['ringnumber', 'bindnetaddr', 'mcastaddr', 'mcastport', 'ttl', 'broadcast'] as const;
const NODE_KEYS = ['nodeid', 'ring0_addr', 'ring1_addr', 'name'] as const;

/** corosync's derivations (integer truncation as in C). */
export function deriveTokenRetransmitMs(tokenEffectiveMs: number, retransmitsBeforeLoss: number): number {
  return Math.trunc(tokenEffectiveMs / (retransmitsBeforeLoss + 0.2));
}
export function deriveHoldMs(tokenRetransmitMs: number): number {
  return Math.trunc(tokenRetransmitMs * 0.8 - 10);
}
export function deriveConsensusMs(tokenEffectiveMs: number): number {
  return Math.trunc(1.2 * tokenEffectiveMs);
}
export function deriveTokenEffectiveMs(tokenMs: number, coefficientMs: number, nodeCount: number): number {
  return nodeCount > 2 ? tokenMs + (nodeCount - 2) * coefficientMs : tokenMs;
}

/** An address-valued key: a literal of either family; undefined when absent or bad. */
function address(r: SectionReader, key: string, kind: 'network' | 'multicast' | 'node'): string | undefined {
  const e = r.entry(key);
  if (e === undefined) return undefined;
  const fam = ipFamily(e.value);
  if (fam === undefined) {
    r.bad(e, 'an IPv4 or IPv6 address');
    return undefined;
  }
  if (kind === 'multicast' && !isMulticast(e.value)) {
    r.bad(e, fam === 4 ? 'an IPv4 multicast address (224.0.0.0 to 239.255.255.255)' : 'an IPv6 multicast address (ff00::/8)');
    return undefined;
  }
  if (kind === 'node' && (isMulticast(e.value) || isUnspecified(e.value))) {
    r.bad(e, "a node's unicast address");
    return undefined;
  }
  return e.value;
}

interface ParsedInterface {
  cfg: TotemInterfaceConfig;
  section: BraceSection;
  reader: SectionReader;
  ringnumberOk: boolean;
}

function readInterface(sec: BraceSection, diag: Diagnostics): ParsedInterface {
  const r = new SectionReader(sec, { keys: INTERFACE_KEYS }, diag);
  r.required('ringnumber');
  const ring = r.int('ringnumber', { min: 0, max: INTERFACES_MAX - 1 });
  const bind = address(r, 'bindnetaddr', 'network');
  const mcast = address(r, 'mcastaddr', 'multicast');
  const cfg: TotemInterfaceConfig = {
    ringnumber: ring === 1 ? 1 : 0,
    mcastport: r.int('mcastport', { min: 1, max: 65535 }) ?? TOTEM_DEFAULTS.mcastport,
    ttl: r.int('ttl', { min: 0, max: 255 }) ?? TOTEM_DEFAULTS.ttl,
    broadcast: r.bool('broadcast', false),
  };
  if (bind !== undefined) cfg.bindnetaddr = bind;
  if (mcast !== undefined) cfg.mcastaddr = mcast;
  if (bind !== undefined && mcast !== undefined && ipFamily(bind) !== ipFamily(mcast)) {
    r.bad(r.entry('mcastaddr')!, `an IPv${ipFamily(bind)} address like bindnetaddr`);
  }
  const bcast = r.entry('broadcast');
  if (cfg.broadcast && bcast !== undefined && bind !== undefined && ipFamily(bind) === 6) {
    diag.error(bcast.valuePos, 'expected broadcast to be no with an IPv6 bindnetaddr (IPv6 has no broadcast), found "yes"');
  }
  return { cfg, section: sec, reader: r, ringnumberOk: ring !== undefined };
}

/** The nodes read cleanly, and how many node sections there are (for token_coefficient). */
function readNodes(nodelist: BraceSection, clearHighBit: boolean, diag: Diagnostics): { nodes: TotemNodeConfig[]; count: number } {
  const lr = new SectionReader(nodelist, { keys: [], sections: ['node'], repeatable: ['node'] }, diag);
  const nodes: TotemNodeConfig[] = [];
  const byId = new Map<number, BraceSection>();
  const byAddr = new Map<string, BraceSection>();
  let family: IpFamily | undefined;
  for (const sec of lr.sections('node')) {
    const r = new SectionReader(sec, { keys: NODE_KEYS }, diag);
    const ring0E = r.required('ring0_addr');
    const ring0 = address(r, 'ring0_addr', 'node');
    const ring1 = address(r, 'ring1_addr', 'node');
    const given = r.int('nodeid', { min: 1, max: U32_MAX });
    const name = r.string('name');
    if (ring0 === undefined || ring0E === undefined) continue;
    const fam = ipFamily(ring0)!;
    if (family === undefined) family = fam;
    else if (fam !== family) r.bad(ring0E, `an IPv${family} address like the first node's`);
    let nodeid = given;
    if (nodeid === undefined && r.entry('nodeid') === undefined) {
      if (fam === 6) {
        r.missing('nodeid', 'a node with an IPv6 ring0_addr needs one');
      } else {
        const n = ipv4ToU32(ring0);
        nodeid = clearHighBit ? n & 0x7fffffff : n;
        if (nodeid === 0) {
          r.missing('nodeid', `the nodeid derived from ring0_addr ${ring0} with clear_node_high_bit would be 0`);
          nodeid = undefined;
        }
      }
    }
    const addrKey = canonicalIp(ring0);
    const sameAddr = byAddr.get(addrKey);
    if (sameAddr !== undefined) {
      r.bad(ring0E, `an address no other node has (the node at line ${sameAddr.pos.line} has it)`);
      continue; // a derived nodeid would clash too: one error is enough
    }
    byAddr.set(addrKey, sec);
    if (nodeid === undefined) continue;
    const sameId = byId.get(nodeid);
    if (sameId !== undefined) {
      const idE = r.entry('nodeid');
      const where = idE?.valuePos ?? ring0E.valuePos;
      const how = idE === undefined ? ` (derived from ring0_addr ${ring0})` : '';
      diag.error(where, `expected a nodeid no other node has, found ${nodeid}${how}, also the nodeid of the node at line ${sameId.pos.line}`);
      continue;
    }
    byId.set(nodeid, sec);
    const node: TotemNodeConfig = { nodeid, nodeidDerived: given === undefined, ring0Addr: ring0 };
    if (ring1 !== undefined) node.ring1Addr = ring1;
    if (name !== undefined) node.name = name;
    nodes.push(node);
  }
  const count = lr.sections('node').length;
  if (count === 0) diag.error(nodelist.pos, 'expected a "node" section in "nodelist", found none');
  return { nodes, count };
}

/**
 * Reads totem { } (or network { }) and nodelist { }. `totemGiven` undefined
 * means the file has neither; the caller reports that, and here the checks that
 * would only repeat it (version, interfaces, transport needs) are skipped.
 */
export function readTotem(
  totemGiven: BraceSection | undefined,
  nodelist: BraceSection | undefined,
  filePos: SourcePos,
  configDir: string,
  diag: Diagnostics,
): TotemConfig {
  const present = totemGiven !== undefined;
  const totem: BraceSection = totemGiven ?? { kind: 'section', name: 'totem', pos: filePos, items: [] };
  const r = new SectionReader(totem, { keys: TOTEM_KEYS, sections: ['interface'], repeatable: ['interface'] }, diag);
  const D = TOTEM_DEFAULTS;
  const scalarErrorsBefore = diag.errors.length;
  const ms = (key: string, min = TIMEOUT_MIN_MS): number | undefined =>
    r.int(key, { min, max: MS_MAX, unit: 'milliseconds' });
  const count = (key: string, min: number, max = U32_MAX): number | undefined => r.int(key, { min, max });

  const versionE = present ? r.required('version', 'this parser reads version 2 only') : undefined;
  if (versionE !== undefined && versionE.value !== '2') r.bad(versionE, '2 (the only openais.conf totem version)');

  const secauth = r.bool('secauth', true);
  const cipherGiven = r.choice('crypto_cipher', ['none', 'aes256'] as const);
  const hashGiven = r.choice('crypto_hash', ['none', 'sha256'] as const);
  const cryptoCipher: CryptoCipher = cipherGiven ?? (secauth ? 'aes256' : 'none');
  const cryptoHash: CryptoHash = hashGiven ?? (secauth ? 'sha256' : 'none');
  if (cryptoCipher !== 'none' && cryptoHash === 'none') {
    const at = r.entry('crypto_hash') ?? r.entry('crypto_cipher')!;
    diag.error(at.valuePos, `expected crypto_hash sha256 with crypto_cipher ${cryptoCipher} (encryption without authentication is refused), found crypto_hash none`);
  }
  const keyfileText = r.string('keyfile');
  const keyfile = keyfileText === undefined ? path.join(configDir, 'authkey') : path.resolve(configDir, keyfileText);

  const nodeidGiven = r.int('nodeid', { min: 1, max: U32_MAX });
  const clusterName = r.string('cluster_name');
  const transportGiven = r.choice('transport', ['udp', 'udpu'] as const);
  const transport = transportGiven ?? 'udp';
  // Checks that depend on the transport are skipped when totem { } is missing or transport is misspelt.
  const transportKnown = present && (transportGiven !== undefined || r.entry('transport') === undefined);
  const threadsGiven = r.int('threads', { min: 0, max: THREADS_MAX }) ?? D.threads;
  const vsftype = r.choice('vsftype', ['ykd', 'none'] as const) ?? 'ykd';
  const netmtuBytes = r.int('netmtu', { min: NETMTU_MIN_BYTES, max: NETMTU_MAX_BYTES, unit: 'bytes' }) ?? D.netmtuBytes;

  const tokenMs = ms('token') ?? D.tokenMs;
  const tokenCoefficientMs = ms('token_coefficient', 0) ?? D.tokenCoefficientMs;
  const tokenRetransmitGiven = ms('token_retransmit');
  const holdGiven = ms('hold', HOLD_MIN_MS);
  const retransmits = count('token_retransmits_before_loss_const', 1) ?? D.tokenRetransmitsBeforeLossConst;
  const joinMs = ms('join') ?? D.joinMs;
  const sendJoinMs = ms('send_join', 0) ?? D.sendJoinMs;
  const consensusGiven = ms('consensus');
  const mergeMs = ms('merge') ?? D.mergeMs;
  const downcheckMs = ms('downcheck') ?? D.downcheckMs;
  const failRecvConst = count('fail_recv_const', 1) ?? D.failRecvConst;
  const seqnoUnchangedConst = count('seqno_unchanged_const', 1) ?? D.seqnoUnchangedConst;
  const missCountConst = count('miss_count_const', 1) ?? D.missCountConst;
  const windowSize = count('window_size', 1) ?? D.windowSize;
  const maxMessages = count('max_messages', 1) ?? D.maxMessages;
  const heartbeatFailuresAllowed = count('heartbeat_failures_allowed', 0) ?? D.heartbeatFailuresAllowed;
  const maxNetworkDelayMs = ms('max_network_delay') ?? D.maxNetworkDelayMs;
  const rrpMode = r.choice('rrp_mode', ['none', 'active', 'passive'] as const) ?? 'none';
  const rrpProblemCountTimeoutMs = ms('rrp_problem_count_timeout') ?? D.rrpProblemCountTimeoutMs;
  const rrpProblemCountThreshold = count('rrp_problem_count_threshold', RRP_PROBLEM_COUNT_THRESHOLD_MIN) ?? D.rrpProblemCountThreshold;
  const rrpProblemCountMcastThreshold =
    count('rrp_problem_count_mcast_threshold', RRP_PROBLEM_COUNT_THRESHOLD_MIN) ?? 10 * rrpProblemCountThreshold;
  const rrpTokenExpiredTimeoutMs = ms('rrp_token_expired_timeout') ?? D.rrpTokenExpiredTimeoutMs;
  const rrpAutorecoveryCheckTimeoutMs = ms('rrp_autorecovery_check_timeout') ?? D.rrpAutorecoveryCheckTimeoutMs;
  const blockUnlistedIps = r.bool('block_unlisted_ips', true);
  const clearNodeHighBit = r.bool('clear_node_high_bit', false);
  const scalarsOk = diag.errors.length === scalarErrorsBefore;

  const { nodes, count: nodeCount } = nodelist === undefined ? { nodes: [], count: 0 } : readNodes(nodelist, clearNodeHighBit, diag);

  const tokenEffectiveMs = deriveTokenEffectiveMs(tokenMs, tokenCoefficientMs, nodeCount);
  const tokenRetransmitMs = tokenRetransmitGiven ?? deriveTokenRetransmitMs(tokenEffectiveMs, retransmits);
  const holdMs = holdGiven ?? deriveHoldMs(tokenRetransmitMs);
  const consensusMs = consensusGiven ?? deriveConsensusMs(tokenEffectiveMs);

  // Relations between timeouts, checked only when every value read cleanly so
  // that a default standing in for a bad value cannot cause a second error.
  if (scalarsOk) {
    const tokenAt = (r.entry('token') ?? r.entry('token_retransmits_before_loss_const'))?.valuePos ?? totem.pos;
    // A token_retransmit of at least 30 ms always gives a hold of at least 14 ms, so hold needs no check here.
    if (tokenRetransmitGiven === undefined && tokenRetransmitMs < TIMEOUT_MIN_MS) {
      diag.error(tokenAt, `expected token / (token_retransmits_before_loss_const + 0.2) to be at least ${TIMEOUT_MIN_MS} ms (it gives token_retransmit), found ${tokenRetransmitMs} ms`);
    }
    if (tokenEffectiveMs > MS_MAX || consensusMs > MS_MAX) {
      diag.error(tokenAt, `expected token small enough that consensus stays within ${MS_MAX} ms, found consensus ${consensusMs} ms`);
    } else if (consensusMs < joinMs) {
      const consensusE = r.entry('consensus');
      const joinE = r.entry('join');
      if (consensusE !== undefined) diag.error(consensusE.valuePos, `expected consensus to be at least join (${joinMs} ms), found ${consensusMs} ms`);
      else if (joinE !== undefined) diag.error(joinE.valuePos, `expected join to be at most consensus (${consensusMs} ms, 1.2 * token), found ${joinMs} ms`);
      else diag.error(tokenAt, `expected token to give a consensus (1.2 * token) of at least join (${joinMs} ms), found ${consensusMs} ms`);
    }
    const maxMessagesCap = Math.floor(MAX_MESSAGES_BYTES / netmtuBytes);
    const mm = r.entry('max_messages');
    if (mm !== undefined && maxMessages > maxMessagesCap) {
      diag.error(mm.valuePos, `expected max_messages to be at most ${maxMessagesCap} (${MAX_MESSAGES_BYTES} / netmtu), found ${maxMessages}`);
    }
  }

  const interfaces = readInterfaces(r, totem, transportKnown ? transport : undefined, rrpMode, diag);

  if (nodeidGiven === undefined && transportKnown && transport === 'udp' && interfaces.some((i) => i.bindnetaddr !== undefined && ipFamily(i.bindnetaddr) === 6)) {
    r.missing('nodeid', 'an IPv6 network needs one');
  }
  if (transportKnown && transport === 'udpu') {
    const transportAt = r.entry('transport')!.valuePos;
    if (nodelist === undefined) {
      diag.error(transportAt, 'expected a top-level "nodelist" section with transport udpu (it sends to each listed node), found none');
    }
    if (rrpMode !== 'none' && nodelist !== undefined) {
      for (const sec of nodelist.items) {
        if (sec.kind !== 'section' || sec.name !== 'node') continue;
        if (!sec.items.some((i) => i.kind === 'entry' && i.key === 'ring1_addr')) {
          diag.error(sec.pos, `expected key "ring1_addr" in "node" (rrp_mode ${rrpMode} uses ring 1), found none`);
        }
      }
    }
  }

  const cfg: TotemConfig = {
    version: 2,
    transport,
    secauth,
    cryptoCipher,
    cryptoHash,
    keyfile,
    threads: cryptoCipher === 'none' && cryptoHash === 'none' ? 0 : threadsGiven,
    vsftype,
    netmtuBytes,
    tokenMs,
    tokenCoefficientMs,
    tokenEffectiveMs,
    tokenRetransmitMs,
    holdMs,
    tokenRetransmitsBeforeLossConst: retransmits,
    joinMs,
    sendJoinMs,
    consensusMs,
    mergeMs,
    downcheckMs,
    failRecvConst,
    seqnoUnchangedConst,
    missCountConst,
    windowSize,
    maxMessages,
    heartbeatFailuresAllowed,
    maxNetworkDelayMs,
    rrpMode,
    rrpProblemCountTimeoutMs,
    rrpProblemCountThreshold,
    rrpProblemCountMcastThreshold,
    rrpTokenExpiredTimeoutMs,
    rrpAutorecoveryCheckTimeoutMs,
    blockUnlistedIps,
    clearNodeHighBit,
    interfaces,
    nodes,
  };
  if (clusterName !== undefined) cfg.clusterName = clusterName;
  if (nodeidGiven !== undefined) cfg.nodeid = nodeidGiven;
  return cfg;
}

function readInterfaces(
  r: SectionReader,
  totem: BraceSection,
  transport: TotemTransport | undefined,
  rrpMode: RrpMode,
  diag: Diagnostics,
): TotemInterfaceConfig[] {
  const parsed = r.sections('interface').map((s) => readInterface(s, diag));
  const kept: ParsedInterface[] = [];
  for (const p of parsed) {
    if (kept.length === INTERFACES_MAX) {
      diag.error(p.section.pos, `expected at most ${INTERFACES_MAX} "interface" sections in "totem", found ${parsed.length}`);
      continue;
    }
    const ringE = p.reader.entry('ringnumber');
    const twin = kept.find((k) => k.ringnumberOk && k.cfg.ringnumber === p.cfg.ringnumber);
    if (p.ringnumberOk && twin !== undefined && ringE !== undefined) {
      diag.error(ringE.valuePos, `expected a ringnumber that the interface at line ${twin.section.pos.line} does not have, found ${p.cfg.ringnumber}`);
      continue;
    }
    kept.push(p);
  }
  const rrpAt: BraceEntry | undefined = r.entry('rrp_mode');
  if (rrpMode === 'none') {
    const second = kept[1];
    if (second !== undefined) {
      diag.error(second.section.pos, 'expected one "interface" section with rrp_mode none, found 2 (set rrp_mode to passive or active for redundant rings)');
    } else {
      const only = kept[0];
      const ringE = only?.reader.entry('ringnumber');
      if (only !== undefined && only.ringnumberOk && only.cfg.ringnumber !== 0 && ringE !== undefined) {
        diag.error(ringE.valuePos, 'expected ringnumber 0 with rrp_mode none, found 1');
      }
    }
  } else if (kept.length !== INTERFACES_MAX && rrpAt !== undefined) {
    diag.error(rrpAt.valuePos, `expected ${INTERFACES_MAX} "interface" sections with rrp_mode ${rrpMode}, found ${kept.length}`);
  }

  if (transport === 'udp') {
    if (parsed.length === 0) {
      diag.error(totem.pos, 'expected an "interface" section in "totem" (transport udp needs one), found none');
    }
    for (const p of kept) {
      if (p.reader.entry('bindnetaddr') === undefined) p.reader.missing('bindnetaddr', 'transport udp binds to it');
      if (p.reader.entry('mcastaddr') === undefined && !p.cfg.broadcast) {
        p.reader.missing('mcastaddr', 'transport udp sends to it unless broadcast is yes');
      }
    }
    const [a, b] = kept;
    if (a !== undefined && b !== undefined && a.cfg.mcastaddr !== undefined && b.cfg.mcastaddr !== undefined) {
      const [first, second] = a.cfg.ringnumber <= b.cfg.ringnumber ? [a, b] : [b, a];
      const sameAddr = canonicalIp(first.cfg.mcastaddr!) === canonicalIp(second.cfg.mcastaddr!);
      if (sameAddr && Math.abs(first.cfg.mcastport - second.cfg.mcastport) < 2) {
        const at = second.reader.entry('mcastport')?.valuePos ?? second.section.pos;
        diag.error(at, `expected mcastport to differ by at least 2 from ring ${first.cfg.ringnumber}'s ${first.cfg.mcastport} on the same mcastaddr (udp also sends from mcastport - 1), found ${second.cfg.mcastport}`);
      }
    }
  }
  return kept.map((p) => p.cfg).sort((x, y) => x.ringnumber - y.ringnumber);
}
