// openais.conf validation: each section and key, defaults, derived totem
// timeouts, relative paths, and every error class with its exact position.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { mapAccounts, parseIdFile, resolveId } from '../../aisexec/config/accounts.js';
import { ConfigError, ConfigErrors } from '../../aisexec/config/diagnostics.js';
import { loadMainConfig, parseMainConfig, type MainConfig, type MainConfigOptions } from '../../aisexec/config/mainconfig.js';
import { deriveConsensusMs, deriveHoldMs, deriveTokenRetransmitMs, type TotemConfig } from '../../aisexec/config/totemconfig.js';
import { shallowStacksDuringBlock } from '../helpers/fuzz.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const SAMPLE_FILE = path.join(root, 'test/fixtures/openais/openais.conf');
const DEFAULT_FILE = path.join(root, 'conf/openais.conf');

const F = '/etc/ais/openais.conf';
const OPTS: MainConfigOptions = {
  env: { RINGFORT_RUN_DIR: '/run/rf' },
  uid: 1000,
  accounts: mapAccounts({ root: 0, ais: 101 }, { root: 0, ais: 102, haclient: 90 }),
};

function parse(text: string, file = F, opts: MainConfigOptions = OPTS): MainConfig {
  return parseMainConfig(text, file, opts);
}
function errs(text: string, file = F, opts: MainConfigOptions = OPTS): string[] {
  try {
    parseMainConfig(text, file, opts);
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, `threw ${String(e)}`);
    for (const x of e.errors) assert.ok(x instanceof ConfigError);
    return e.errors.map((x) => x.message);
  }
  assert.fail('expected ConfigErrors');
}

/**
 * A valid udpu file: totem on lines 1-3 plus `totem` (each tab-indented, so a
 * key is at column 2 from line 4 on), then a one-node nodelist, then `rest`.
 */
function udpu(totem: string[] = [], rest: string[] = []): string {
  return [
    'totem {',
    '\tversion: 2',
    '\ttransport: udpu',
    ...totem.map((l) => `\t${l}`),
    '}',
    'nodelist {',
    '\tnode {',
    '\t\tring0_addr: 10.0.0.1',
    '\t}',
    '}',
    ...rest,
  ].join('\n');
}
/** udpu() with nothing in totem puts `rest` from line 10. */
const rest = (...lines: string[]): string => udpu([], lines);
/** A udp file: totem lines 1-2, then `totem` from line 3, then `}`. */
function udp(totem: string[]): string {
  return ['totem {', '\tversion: 2', ...totem.map((l) => `\t${l}`), '}'].join('\n');
}
const IFACE = ['interface {', '\tringnumber: 0', '\tbindnetaddr: 192.168.2.0', '\tmcastaddr: 226.94.1.1', '}'];

describe('openais.conf: files that load', () => {
  it('loads the openais EARLY sample', () => {
    const c = loadMainConfig(SAMPLE_FILE, OPTS);
    assert.equal(c.file, SAMPLE_FILE);
    assert.equal(c.totem.transport, 'udp');
    assert.equal(c.totem.secauth, false);
    assert.equal(c.totem.cryptoCipher, 'none');
    assert.equal(c.totem.threads, 0);
    assert.deepEqual(c.totem.interfaces, [{ ringnumber: 0, bindnetaddr: '192.168.2.0', mcastaddr: '226.94.1.1', mcastport: 5405, ttl: 1, broadcast: false }]);
    assert.deepEqual(c.logging, {
      toStderr: true,
      toFile: true,
      logfile: '/tmp/ais',
      debug: false,
      timestamp: true,
      fileline: false,
      syslogFacility: 'daemon',
      syslogPriority: 'info',
      subsys: [],
    });
    // `mode: disabled   # README.amf: ...`: the trailing comment is not part of the value.
    assert.deepEqual(c.amf, { mode: 'disabled', groupsFile: path.join(path.dirname(SAMPLE_FILE), 'groups.conf') });
  });

  it('loads the embedded default conf/openais.conf: one node on 127.0.0.1, AMF on, unprivileged', () => {
    const c = loadMainConfig(DEFAULT_FILE, OPTS);
    assert.equal(c.file, DEFAULT_FILE);
    assert.equal(c.totem.transport, 'udpu');
    assert.equal(c.totem.secauth, false);
    assert.equal(c.totem.cryptoCipher, 'none');
    assert.equal(c.totem.cryptoHash, 'none');
    assert.deepEqual(c.totem.interfaces, [{ ringnumber: 0, bindnetaddr: '127.0.0.1', mcastport: 5405, ttl: 1, broadcast: false }]);
    assert.deepEqual(c.totem.nodes, [{ nodeid: 1, nodeidDerived: false, ring0Addr: '127.0.0.1' }]);
    assert.equal(c.logging.toStderr, true);
    assert.equal(c.logging.timestamp, true);
    assert.equal(c.logging.toFile, false);
    assert.deepEqual(c.amf, { mode: 'enabled', groupsFile: path.join(root, 'conf/groups.conf') });
    assert.deepEqual(c.aisexec, { runDir: '/run/rf' });
    assert.deepEqual(c.uidgid, []);
  });

  it('applies every totem default (corosync 2) to a minimal file', () => {
    const expected: TotemConfig = {
      version: 2,
      transport: 'udpu',
      secauth: true,
      cryptoCipher: 'aes256',
      cryptoHash: 'sha256',
      keyfile: '/etc/ais/authkey',
      threads: 0,
      vsftype: 'ykd',
      netmtuBytes: 1500,
      tokenMs: 1000,
      tokenCoefficientMs: 650,
      tokenEffectiveMs: 1000,
      tokenRetransmitMs: 238,
      holdMs: 180,
      tokenRetransmitsBeforeLossConst: 4,
      joinMs: 50,
      sendJoinMs: 0,
      consensusMs: 1200,
      mergeMs: 200,
      downcheckMs: 1000,
      failRecvConst: 2500,
      seqnoUnchangedConst: 30,
      missCountConst: 5,
      windowSize: 50,
      maxMessages: 17,
      heartbeatFailuresAllowed: 0,
      maxNetworkDelayMs: 50,
      rrpMode: 'none',
      rrpProblemCountTimeoutMs: 2000,
      rrpProblemCountThreshold: 10,
      rrpProblemCountMcastThreshold: 100,
      rrpTokenExpiredTimeoutMs: 47,
      rrpAutorecoveryCheckTimeoutMs: 1000,
      blockUnlistedIps: true,
      clearNodeHighBit: false,
      interfaces: [],
      nodes: [{ nodeid: 167772161, nodeidDerived: true, ring0Addr: '10.0.0.1' }],
    };
    const c = parse(udpu());
    assert.deepEqual(c.totem, expected);
    assert.deepEqual(c.logging, { toStderr: true, toFile: false, debug: false, timestamp: true, fileline: false, syslogFacility: 'daemon', syslogPriority: 'info', subsys: [] });
    assert.deepEqual(c.amf, { mode: 'disabled', groupsFile: '/etc/ais/groups.conf' });
    assert.deepEqual(c.aisexec, { runDir: '/run/rf' });
    assert.deepEqual(c.services, []);
    assert.deepEqual(c.event, { deliveryQueueSize: 1000, deliveryQueueResume: 500 });
  });

  it('reads every totem key when given', () => {
    const t = parse(
      udpu([
        'secauth: on', 'crypto_cipher: aes256', 'crypto_hash: sha256', 'keyfile: /etc/ais/key', 'nodeid: 7', 'cluster_name: alpha',
        'threads: 2', 'vsftype: none', 'netmtu: 9000', 'token: 3000', 'token_coefficient: 500', 'token_retransmit: 600', 'hold: 400',
        'token_retransmits_before_loss_const: 6', 'join: 60', 'send_join: 80', 'consensus: 4000', 'merge: 300', 'downcheck: 2000',
        'fail_recv_const: 100', 'seqno_unchanged_const: 40', 'miss_count_const: 6', 'window_size: 60', 'max_messages: 20',
        'heartbeat_failures_allowed: 3', 'max_network_delay: 70', 'rrp_problem_count_timeout: 3000', 'rrp_problem_count_threshold: 5',
        'rrp_problem_count_mcast_threshold: 40', 'rrp_token_expired_timeout: 60', 'rrp_autorecovery_check_timeout: 5000',
        'block_unlisted_ips: no', 'clear_node_high_bit: yes',
      ]),
    ).totem;
    const { interfaces: _i, nodes: _n, ...scalars } = t;
    assert.deepEqual(scalars, {
      version: 2, transport: 'udpu', secauth: true, cryptoCipher: 'aes256', cryptoHash: 'sha256', keyfile: '/etc/ais/key', nodeid: 7,
      clusterName: 'alpha', threads: 2, vsftype: 'none', netmtuBytes: 9000, tokenMs: 3000, tokenCoefficientMs: 500, tokenEffectiveMs: 3000,
      tokenRetransmitMs: 600, holdMs: 400, tokenRetransmitsBeforeLossConst: 6, joinMs: 60, sendJoinMs: 80, consensusMs: 4000, mergeMs: 300,
      downcheckMs: 2000, failRecvConst: 100, seqnoUnchangedConst: 40, missCountConst: 6, windowSize: 60, maxMessages: 20,
      heartbeatFailuresAllowed: 3, maxNetworkDelayMs: 70, rrpMode: 'none', rrpProblemCountTimeoutMs: 3000, rrpProblemCountThreshold: 5,
      rrpProblemCountMcastThreshold: 40, rrpTokenExpiredTimeoutMs: 60, rrpAutorecoveryCheckTimeoutMs: 5000, blockUnlistedIps: false,
      clearNodeHighBit: true,
    });
  });

  it('accepts network { } as totem { }', () => {
    assert.equal(parse(udpu().replace('totem {', 'network {')).totem.transport, 'udpu');
  });

  it('resolves relative paths against the directory of the file', () => {
    const c = parse(
      udpu(['keyfile: keys/authkey'], ['amf {', 'groups_file: amf/groups.conf', '}', 'logging {', 'to_file: yes', 'logfile: log/ais.log', '}', 'aisexec {', 'run_dir: run', '}']),
      '/srv/cluster/openais.conf',
    );
    assert.equal(c.totem.keyfile, '/srv/cluster/keys/authkey');
    assert.equal(c.amf.groupsFile, '/srv/cluster/amf/groups.conf');
    assert.equal(c.logging.logfile, '/srv/cluster/log/ais.log');
    assert.equal(c.aisexec.runDir, '/srv/cluster/run');
    const d = parse(udpu(), '/srv/cluster/openais.conf');
    assert.equal(d.totem.keyfile, '/srv/cluster/authkey');
    assert.equal(d.amf.groupsFile, '/srv/cluster/groups.conf');
  });

  it('resolves a relative file name against the working directory and keeps absolute values as written', () => {
    const c = parse(rest('amf {', 'groups_file: /opt/groups.conf', '}'), 'some/dir/openais.conf');
    assert.equal(c.file, path.resolve('some/dir/openais.conf'));
    assert.equal(c.amf.groupsFile, '/opt/groups.conf');
    assert.equal(c.totem.keyfile, path.resolve('some/dir/authkey'));
  });
});

describe('openais.conf: derived totem timeouts', () => {
  const totemOf = (lines: string[], nodes = 1): TotemConfig => {
    const nodeLines = Array.from({ length: nodes }, (_, i) => [`node {`, `ring0_addr: 10.0.0.${i + 1}`, `}`]).flat();
    return parse(['totem {', 'version: 2', 'transport: udpu', ...lines, '}', 'nodelist {', ...nodeLines, '}'].join('\n')).totem;
  };
  const timing = (t: TotemConfig): number[] => [t.tokenEffectiveMs, t.tokenRetransmitMs, t.holdMs, t.consensusMs];

  it('token 1000 gives token_retransmit 238, hold 180, consensus 1200', () => {
    assert.deepEqual(timing(totemOf([])), [1000, 238, 180, 1200]);
  });
  it('token 3000 gives token_retransmit 714, hold 561, consensus 3600 (corosync 3 figures)', () => {
    assert.deepEqual(timing(totemOf(['token: 3000'])), [3000, 714, 561, 3600]);
  });
  it('token 5000 with 10 retransmits gives 490, 382, 6000', () => {
    assert.deepEqual(timing(totemOf(['token: 5000', 'token_retransmits_before_loss_const: 10'])), [5000, 490, 382, 6000]);
  });
  it('adds token_coefficient per node beyond 2: 3 nodes, token 1000 -> 1650, 392, 303, 1980', () => {
    assert.deepEqual(timing(totemOf([], 3)), [1650, 392, 303, 1980]);
    assert.deepEqual(timing(totemOf(['token: 3000'], 3)), [3650, 869, 685, 4380]);
    assert.deepEqual(timing(totemOf(['token_coefficient: 0'], 3)), [1000, 238, 180, 1200]);
  });
  it('does not apply token_coefficient with 2 nodes', () => {
    assert.deepEqual(timing(totemOf(['token_coefficient: 5000'], 2)), [1000, 238, 180, 1200]);
  });
  it('derives hold from a given token_retransmit, and keeps given values', () => {
    assert.deepEqual(timing(totemOf(['token_retransmit: 300'])), [1000, 300, 230, 1200]);
    assert.deepEqual(timing(totemOf(['hold: 100', 'consensus: 2000'])), [1000, 238, 100, 2000]);
  });
  it('computes the formulas as corosync does (C truncation)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 30, max: 1_000_000 }), fc.integer({ min: 1, max: 100 }), (token, k) => {
        const tr = deriveTokenRetransmitMs(token, k);
        assert.equal(tr, Math.trunc(token / (k + 0.2)));
        assert.equal(deriveHoldMs(tr), Math.trunc(0.8 * tr - 10));
        assert.equal(deriveConsensusMs(token), Math.trunc(1.2 * token));
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});

describe('openais.conf: totem errors', () => {
  it('suggests the closest key for a misspelt one', () => {
    assert.deepEqual(errs(udpu(['tokne: 1000'])), [`${F}:4:2: expected a key of "totem", found "tokne" (did you mean "token"?)`]);
    assert.deepEqual(errs(udpu(['token_retransmits_before_los_const: 4'])), [
      `${F}:4:2: expected a key of "totem", found "token_retransmits_before_los_const" (did you mean "token_retransmits_before_loss_const"?)`,
    ]);
    assert.deepEqual(errs(udpu(['frobnicate: 1'])), [`${F}:4:2: expected a key of "totem", found "frobnicate"`]);
  });

  it('requires version 2', () => {
    assert.deepEqual(errs(udpu().replace('\tversion: 2\n', '')), [`${F}:1:1: expected key "version" in "totem" (this parser reads version 2 only), found none`]);
    assert.deepEqual(errs(udpu().replace('version: 2', 'version: 1')), [`${F}:2:11: expected version to be 2 (the only openais.conf totem version), found "1"`]);
  });

  it('rejects bad numbers, saying what was expected', () => {
    assert.deepEqual(errs(udpu(['token: 20'])), [`${F}:4:9: expected token to be a whole number of milliseconds from 30 to 2147483647, found "20"`]);
    assert.deepEqual(errs(udpu(['token: 1s'])), [`${F}:4:9: expected token to be a whole number of milliseconds from 30 to 2147483647, found "1s"`]);
    assert.deepEqual(errs(udpu(['token:'])), [`${F}:4:8: expected token to be a whole number of milliseconds from 30 to 2147483647, found nothing`]);
    assert.deepEqual(errs(udpu(['token: -5'])), [`${F}:4:9: expected token to be a whole number of milliseconds from 30 to 2147483647, found "-5"`]);
    assert.deepEqual(errs(udpu(['token: 99999999999'])), [`${F}:4:9: expected token to be a whole number of milliseconds from 30 to 2147483647, found "99999999999"`]);
    assert.deepEqual(errs(udpu(['hold: 10'])), [`${F}:4:8: expected hold to be a whole number of milliseconds from 14 to 2147483647, found "10"`]);
    assert.deepEqual(errs(udpu(['netmtu: 9001'])), [`${F}:4:10: expected netmtu to be a whole number of bytes from 576 to 9000, found "9001"`]);
    assert.deepEqual(errs(udpu(['threads: 17'])), [`${F}:4:11: expected threads to be a whole number from 0 to 16, found "17"`]);
    assert.deepEqual(errs(udpu(['nodeid: 0'])), [`${F}:4:10: expected nodeid to be a whole number from 1 to 4294967295, found "0"`]);
    assert.deepEqual(errs(udpu(['window_size: 0'])), [`${F}:4:15: expected window_size to be a whole number from 1 to 4294967295, found "0"`]);
    assert.deepEqual(errs(udpu(['rrp_problem_count_threshold: 1'])), [`${F}:4:31: expected rrp_problem_count_threshold to be a whole number from 2 to 4294967295, found "1"`]);
  });

  it('rejects bad booleans and words, with a suggestion when one is close', () => {
    assert.deepEqual(errs(udpu(['secauth: maybe'])), [`${F}:4:11: expected secauth to be yes, no, on or off, found "maybe"`]);
    assert.deepEqual(errs(udpu().replace('transport: udpu', 'transport: knet')), [`${F}:3:13: expected transport to be udp or udpu, found "knet"`]);
    assert.deepEqual(errs(udpu(['rrp_mode: pasive'])), [`${F}:4:12: expected rrp_mode to be none, active or passive, found "pasive" (did you mean "passive"?)`]);
    assert.deepEqual(errs(udpu(['vsftype: YKD'])), [`${F}:4:11: expected vsftype to be ykd or none, found "YKD" (did you mean "ykd"?)`]);
    assert.deepEqual(errs(udpu(['crypto_cipher: aes265'])), [`${F}:4:17: expected crypto_cipher to be none or aes256, found "aes265" (did you mean "aes256"?)`]);
    assert.deepEqual(errs(udpu(['crypto_hash: sha1'])), [`${F}:4:15: expected crypto_hash to be none or sha256, found "sha1"`]);
  });

  it('checks the minimum timeout on derived token_retransmit', () => {
    assert.deepEqual(errs(udpu(['token: 100'])), [
      `${F}:4:9: expected token / (token_retransmits_before_loss_const + 0.2) to be at least 30 ms (it gives token_retransmit), found 23 ms`,
    ]);
    assert.doesNotThrow(() => parse(udpu(['token: 100', 'token_retransmit: 30'])));
  });

  it('requires consensus >= join, pointing at the key that was set', () => {
    assert.deepEqual(errs(udpu(['consensus: 40'])), [`${F}:4:13: expected consensus to be at least join (50 ms), found 40 ms`]);
    assert.deepEqual(errs(udpu(['join: 2000'])), [`${F}:4:8: expected join to be at most consensus (1200 ms, 1.2 * token), found 2000 ms`]);
    assert.deepEqual(errs(udpu(['token: 40', 'token_retransmits_before_loss_const: 1'])), [
      `${F}:4:9: expected token to give a consensus (1.2 * token) of at least join (50 ms), found 48 ms`,
    ]);
  });

  it('caps max_messages at 256000 / netmtu', () => {
    assert.deepEqual(errs(udpu(['max_messages: 171'])), [`${F}:4:16: expected max_messages to be at most 170 (256000 / netmtu), found 171`]);
    assert.equal(parse(udpu(['max_messages: 170'])).totem.maxMessages, 170);
    assert.deepEqual(errs(udpu(['netmtu: 9000', 'max_messages: 29'])), [`${F}:5:16: expected max_messages to be at most 28 (256000 / netmtu), found 29`]);
  });

  it('derives crypto from secauth, lets crypto_* override it, and refuses a cipher without a hash', () => {
    const t = (lines: string[]): [string, string, number] => {
      const c = parse(udpu(lines)).totem;
      return [c.cryptoCipher, c.cryptoHash, c.threads];
    };
    assert.deepEqual(t(['threads: 4']), ['aes256', 'sha256', 4]);
    assert.deepEqual(t(['secauth: off', 'threads: 4']), ['none', 'none', 0]);
    assert.deepEqual(t(['secauth: off', 'crypto_hash: sha256']), ['none', 'sha256', 0]);
    assert.deepEqual(t(['crypto_cipher: none']), ['none', 'sha256', 0]);
    assert.deepEqual(errs(udpu(['crypto_cipher: aes256', 'crypto_hash: none'])), [
      `${F}:5:15: expected crypto_hash sha256 with crypto_cipher aes256 (encryption without authentication is refused), found crypto_hash none`,
    ]);
    assert.deepEqual(errs(udpu(['secauth: off', 'crypto_cipher: aes256'])), [
      `${F}:5:17: expected crypto_hash sha256 with crypto_cipher aes256 (encryption without authentication is refused), found crypto_hash none`,
    ]);
  });

  it('rejects a key given twice, and a key or section in the wrong form', () => {
    assert.deepEqual(errs(udpu(['token: 1000', 'token: 2000'])), [`${F}:5:2: expected token once in "totem", found it again (first at line 4)`]);
    assert.deepEqual(errs(udpu(['token {', '}'])), [`${F}:4:2: expected token to be a key (token: value), found a section`]);
    assert.deepEqual(errs(udpu(['interface: 0'])), [`${F}:4:2: expected interface to be a section (interface { ... }), found a key`]);
    assert.deepEqual(errs(udpu(['interfce {', '}'])), [`${F}:4:2: expected a section of "totem" (interface), found "interfce" (did you mean "interface"?)`]);
  });
});

describe('openais.conf: interfaces and transports', () => {
  it('reads an interface with every key', () => {
    const c = parse(udp(['interface {', '\tringnumber: 0', '\tbindnetaddr: 10.1.0.0', '\tmcastaddr: 239.1.1.1', '\tmcastport: 6000', '\tttl: 8', '}']));
    assert.deepEqual(c.totem.interfaces, [{ ringnumber: 0, bindnetaddr: '10.1.0.0', mcastaddr: '239.1.1.1', mcastport: 6000, ttl: 8, broadcast: false }]);
  });

  it('requires an interface with bindnetaddr and mcastaddr for udp, or broadcast instead of mcastaddr', () => {
    assert.deepEqual(errs(udp([])), [`${F}:1:1: expected an "interface" section in "totem" (transport udp needs one), found none`]);
    assert.deepEqual(errs(udp(['interface {', 'ringnumber: 0', '}'])), [
      `${F}:3:2: expected key "bindnetaddr" in "interface" (transport udp binds to it), found none`,
      `${F}:3:2: expected key "mcastaddr" in "interface" (transport udp sends to it unless broadcast is yes), found none`,
    ]);
    assert.equal(parse(udp(['interface {', 'ringnumber: 0', 'bindnetaddr: 10.0.0.0', 'broadcast: yes', '}'])).totem.interfaces[0]?.broadcast, true);
  });

  it('requires ringnumber 0 or 1', () => {
    assert.deepEqual(errs(udp(['interface {', 'bindnetaddr: 10.0.0.0', 'mcastaddr: 239.0.0.1', '}'])), [`${F}:3:2: expected key "ringnumber" in "interface", found none`]);
    assert.deepEqual(errs(udp(['interface {', 'ringnumber: 2', 'bindnetaddr: 10.0.0.0', 'mcastaddr: 239.0.0.1', '}'])), [
      `${F}:4:14: expected ringnumber to be a whole number from 0 to 1, found "2"`,
    ]);
    assert.deepEqual(errs(udp(['interface {', 'ringnumber: 1', 'bindnetaddr: 10.0.0.0', 'mcastaddr: 239.0.0.1', '}'])), [
      `${F}:4:14: expected ringnumber 0 with rrp_mode none, found 1`,
    ]);
  });

  it('checks address syntax and families', () => {
    const one = (bind: string, mcast: string, extra: string[] = []): string[] =>
      errs(udp([...extra, 'interface {', 'ringnumber: 0', `bindnetaddr: ${bind}`, `mcastaddr: ${mcast}`, '}']));
    assert.deepEqual(one('192.168.1', '239.0.0.1'), [`${F}:5:15: expected bindnetaddr to be an IPv4 or IPv6 address, found "192.168.1"`]);
    assert.deepEqual(one('10.0.0.0', '10.0.0.1'), [`${F}:6:13: expected mcastaddr to be an IPv4 multicast address (224.0.0.0 to 239.255.255.255), found "10.0.0.1"`]);
    assert.deepEqual(one('10.0.0.0', 'ff02::1'), [`${F}:6:13: expected mcastaddr to be an IPv4 address like bindnetaddr, found "ff02::1"`]);
    assert.deepEqual(one('fd00::', 'fd00::1', ['nodeid: 1']), [`${F}:7:13: expected mcastaddr to be an IPv6 multicast address (ff00::/8), found "fd00::1"`]);
    assert.deepEqual(one('fd00::', 'ff05::1'), [`${F}:1:1: expected key "nodeid" in "totem" (an IPv6 network needs one), found none`]);
    const v6 = parse(udp(['nodeid: 3', 'interface {', 'ringnumber: 0', 'bindnetaddr: fd00::', 'mcastaddr: ff05::1', '}'])).totem;
    assert.deepEqual([v6.nodeid, v6.interfaces[0]?.mcastaddr], [3, 'ff05::1']);
    assert.deepEqual(errs(udp(['nodeid: 3', 'interface {', 'ringnumber: 0', 'bindnetaddr: fd00::', 'broadcast: yes', '}'])), [
      `${F}:7:13: expected broadcast to be no with an IPv6 bindnetaddr (IPv6 has no broadcast), found "yes"`,
    ]);
  });

  it('checks port and ttl ranges', () => {
    assert.deepEqual(errs(udp(['interface {', 'ringnumber: 0', 'bindnetaddr: 10.0.0.0', 'mcastaddr: 239.0.0.1', 'mcastport: 70000', 'ttl: 256', '}'])), [
      `${F}:7:13: expected mcastport to be a whole number from 1 to 65535, found "70000"`,
      `${F}:8:7: expected ttl to be a whole number from 0 to 255, found "256"`,
    ]);
  });

  it('reads two rings with rrp_mode passive, sorted by ringnumber', () => {
    const c = parse(
      udp(['rrp_mode: passive', 'interface {', 'ringnumber: 1', 'bindnetaddr: 10.2.0.0', 'mcastaddr: 239.0.0.2', '}', ...IFACE]),
    );
    assert.equal(c.totem.rrpMode, 'passive');
    assert.deepEqual(c.totem.interfaces.map((i) => [i.ringnumber, i.bindnetaddr]), [[0, '192.168.2.0'], [1, '10.2.0.0']]);
  });

  it('checks the number of interfaces against rrp_mode', () => {
    assert.deepEqual(errs(udp(['interface {', 'ringnumber: 0', 'bindnetaddr: 10.0.0.0', 'mcastaddr: 239.0.0.1', '}', 'interface {', 'ringnumber: 1', 'bindnetaddr: 10.1.0.0', 'mcastaddr: 239.0.0.2', '}'])), [
      `${F}:8:2: expected one "interface" section with rrp_mode none, found 2 (set rrp_mode to passive or active for redundant rings)`,
    ]);
    assert.deepEqual(errs(udp(['rrp_mode: active', ...IFACE])), [`${F}:3:12: expected 2 "interface" sections with rrp_mode active, found 1`]);
    const three = ['rrp_mode: passive', ...IFACE, 'interface {', 'ringnumber: 1', 'bindnetaddr: 10.1.0.0', 'mcastaddr: 239.0.0.2', '}', 'interface {', 'ringnumber: 1', '}'];
    assert.deepEqual(errs(udp(three)), [`${F}:14:2: expected at most 2 "interface" sections in "totem", found 3`]);
  });

  it('requires distinct ringnumbers', () => {
    assert.deepEqual(errs(udp(['rrp_mode: passive', ...IFACE, ...IFACE])), [
      `${F}:3:12: expected 2 "interface" sections with rrp_mode passive, found 1`,
      `${F}:10:15: expected a ringnumber that the interface at line 4 does not have, found 0`,
    ]);
  });

  it('requires a port gap of 2 between rings on the same multicast address (udp)', () => {
    const ring1 = (port: number): string[] => ['interface {', 'ringnumber: 1', 'bindnetaddr: 10.1.0.0', 'mcastaddr: 226.94.1.1', `mcastport: ${port}`, '}'];
    assert.deepEqual(errs(udp(['rrp_mode: passive', ...IFACE, ...ring1(5406)])), [
      `${F}:13:13: expected mcastport to differ by at least 2 from ring 0's 5405 on the same mcastaddr (udp also sends from mcastport - 1), found 5406`,
    ]);
    assert.doesNotThrow(() => parse(udp(['rrp_mode: passive', ...IFACE, ...ring1(5407)])));
  });

  it('needs a nodelist for udpu, and ring1_addr on every node with redundant rings', () => {
    assert.deepEqual(errs('totem {\nversion: 2\ntransport: udpu\n}\n'), [
      `${F}:3:12: expected a top-level "nodelist" section with transport udpu (it sends to each listed node), found none`,
    ]);
    const rrp = udpu(['rrp_mode: passive', 'interface {', 'ringnumber: 0', '}', 'interface {', 'ringnumber: 1', '}']);
    assert.deepEqual(errs(rrp), [`${F}:13:2: expected key "ring1_addr" in "node" (rrp_mode passive uses ring 1), found none`]);
    const ok = parse(rrp.replace('ring0_addr: 10.0.0.1', 'ring0_addr: 10.0.0.1\n\t\tring1_addr: 10.1.0.1'));
    assert.equal(ok.totem.nodes[0]?.ring1Addr, '10.1.0.1');
  });
});

describe('openais.conf: nodelist', () => {
  /** totem on lines 1-4, nodelist on line 5, then each node block (node { on its first line). */
  const nodes = (...blocks: string[][]): string =>
    ['totem {', 'version: 2', 'transport: udpu', '}', 'nodelist {', ...blocks.flatMap((b) => ['node {', ...b, '}']), '}'].join('\n');

  it('reads nodes with given and derived nodeids', () => {
    const c = parse(nodes(['nodeid: 5', 'ring0_addr: 10.0.0.5', 'name: alpha'], ['ring0_addr: 10.0.0.6']));
    assert.deepEqual(c.totem.nodes, [
      { nodeid: 5, nodeidDerived: false, ring0Addr: '10.0.0.5', name: 'alpha' },
      { nodeid: 167772166, nodeidDerived: true, ring0Addr: '10.0.0.6' },
    ]);
    const v6 = parse(nodes(['ring0_addr: fd00::7', 'nodeid: 7'], ['ring0_addr: fd00::8', 'nodeid: 8']));
    assert.deepEqual(v6.totem.nodes.map((n) => n.nodeid), [7, 8]);
  });

  it('clears the high bit of derived nodeids with clear_node_high_bit', () => {
    const text = nodes(['ring0_addr: 192.168.1.1']).replace('transport: udpu', 'transport: udpu\nclear_node_high_bit: yes');
    assert.equal(parse(text).totem.nodes[0]?.nodeid, 0xc0a80101 & 0x7fffffff);
    assert.equal(parse(nodes(['ring0_addr: 192.168.1.1'])).totem.nodes[0]?.nodeid, 0xc0a80101);
    assert.deepEqual(errs(nodes(['ring0_addr: 128.0.0.0']).replace('transport: udpu', 'transport: udpu\nclear_node_high_bit: yes')), [
      `${F}:7:1: expected key "nodeid" in "node" (the nodeid derived from ring0_addr 128.0.0.0 with clear_node_high_bit would be 0), found none`,
    ]);
  });

  it('requires ring0_addr, and nodeid for IPv6', () => {
    assert.deepEqual(errs(nodes(['name: a'])), [`${F}:6:1: expected key "ring0_addr" in "node", found none`]);
    assert.deepEqual(errs(nodes(['ring0_addr: fd00::1'])), [`${F}:6:1: expected key "nodeid" in "node" (a node with an IPv6 ring0_addr needs one), found none`]);
  });

  it('requires at least one node', () => {
    assert.deepEqual(errs(nodes()), [`${F}:5:1: expected a "node" section in "nodelist", found none`]);
    assert.deepEqual(errs(nodes().replace('nodelist {', 'nodelist {\nfoo: 1\nnode {\nring0_addr: 10.0.0.1\n}')), [
      `${F}:6:1: expected a section in "nodelist", found key "foo"`,
    ]);
  });

  it('requires unique nodeids, given or derived', () => {
    assert.deepEqual(errs(nodes(['nodeid: 1', 'ring0_addr: 10.0.0.1'], ['nodeid: 1', 'ring0_addr: 10.0.0.2'])), [
      `${F}:11:9: expected a nodeid no other node has, found 1, also the nodeid of the node at line 6`,
    ]);
    assert.deepEqual(errs(nodes(['nodeid: 167772162', 'ring0_addr: 10.0.0.1'], ['ring0_addr: 10.0.0.2'])), [
      `${F}:11:13: expected a nodeid no other node has, found 167772162 (derived from ring0_addr 10.0.0.2), also the nodeid of the node at line 6`,
    ]);
  });

  it('requires unique, unicast, literal addresses of one family', () => {
    assert.deepEqual(errs(nodes(['ring0_addr: 10.0.0.1'], ['ring0_addr: 10.0.0.1'])), [
      `${F}:10:13: expected ring0_addr to be an address no other node has (the node at line 6 has it), found "10.0.0.1"`,
    ]);
    assert.deepEqual(errs(nodes(['ring0_addr: fd00::1', 'nodeid: 1'], ['ring0_addr: fd00:0::1', 'nodeid: 2'])), [
      `${F}:11:13: expected ring0_addr to be an address no other node has (the node at line 6 has it), found "fd00:0::1"`,
    ]);
    assert.deepEqual(errs(nodes(['ring0_addr: 10.0.0.1'], ['ring0_addr: fd00::2', 'nodeid: 2'])), [
      `${F}:10:13: expected ring0_addr to be an IPv4 address like the first node's, found "fd00::2"`,
    ]);
    assert.deepEqual(errs(nodes(['ring0_addr: 239.1.1.1'])), [`${F}:7:13: expected ring0_addr to be a node's unicast address, found "239.1.1.1"`]);
    assert.deepEqual(errs(nodes(['ring0_addr: 0.0.0.0'])), [`${F}:7:13: expected ring0_addr to be a node's unicast address, found "0.0.0.0"`]);
    assert.deepEqual(errs(nodes(['ring0_addr: node1.example.com'])), [`${F}:7:13: expected ring0_addr to be an IPv4 or IPv6 address, found "node1.example.com"`]);
    assert.deepEqual(errs(nodes(['ring0_addr: 10.0.0.1', 'ring1_addr: 10.0.0'])), [`${F}:8:13: expected ring1_addr to be an IPv4 or IPv6 address, found "10.0.0"`]);
  });
});

describe('openais.conf: logging', () => {
  it('reads every key', () => {
    const c = parse(rest('logging {', 'to_stderr: no', 'to_file: yes', 'logfile: /var/log/ais.log', 'to_syslog: no', 'debug: on', 'timestamp: off', 'fileline: yes', 'syslog_facility: local3', 'syslog_priority: notice', '}'));
    assert.deepEqual(c.logging, {
      toStderr: false,
      toFile: true,
      logfile: '/var/log/ais.log',
      debug: true,
      timestamp: false,
      fileline: true,
      syslogFacility: 'local3',
      syslogPriority: 'notice',
      subsys: [],
    });
  });

  it('takes to_logfile (corosync) for to_file, but not both', () => {
    assert.equal(parse(rest('logging {', 'to_logfile: yes', 'logfile: /tmp/x', '}')).logging.toFile, true);
    assert.deepEqual(errs(rest('logging {', 'to_file: yes', 'to_logfile: yes', 'logfile: /tmp/x', '}')), [
      `${F}:12:1: expected one of to_file and to_logfile (the same setting), found both (to_file at line 11)`,
    ]);
  });

  it("needs a logfile with to_file, in openais's words", () => {
    assert.deepEqual(errs(rest('logging {', '  to_file: yes', '}')), [`${F}:11:3: logmode set to 'file' but no logfile specified`]);
    assert.deepEqual(errs(rest('logging {', 'to_logfile: on', '}')), [`${F}:11:1: logmode set to 'file' but no logfile specified`]);
    assert.deepEqual(errs(rest('logging {', 'to_file: yes', 'logfile:', '}')), [`${F}:12:9: expected logfile to be a value, found nothing`]);
  });

  it('refuses to_syslog: yes', () => {
    assert.equal(parse(rest('logging {', 'to_syslog: off', '}')).logging.toStderr, true);
    assert.deepEqual(errs(rest('logging {', 'to_syslog: yes', '}')), [`${F}:11:12: to_syslog is not supported; use to_file or to_stderr`]);
  });

  it('rejects bad values', () => {
    assert.deepEqual(errs(rest('logging {', 'debug: trace', 'fileline: 1', 'syslog_facility: local9', 'syslog_priority: warnig', '}')), [
      `${F}:11:8: expected debug to be yes, no, on or off, found "trace"`,
      `${F}:12:11: expected fileline to be yes, no, on or off, found "1"`,
      `${F}:13:18: expected syslog_facility to be daemon, local0, local1, local2, local3, local4, local5, local6 or local7, found "local9" (did you mean "local0"?)`,
      `${F}:14:18: expected syslog_priority to be alert, crit, debug, emerg, err, info, notice or warning, found "warnig" (did you mean "warning"?)`,
    ]);
  });

  it('reads logger_subsys and the older logger, in file order; subsystem debug defaults to logging debug', () => {
    const c = parse(
      rest('logging {', 'debug: on', 'logger_subsys {', 'subsys: AMF', 'debug: off', 'tags: enter|leave', 'syslog_level: debug', '}', 'logger {', 'ident: CLM', 'tags: trace1 | trace8', '}', '}'),
    );
    assert.deepEqual(c.logging.subsys, [
      { subsys: 'AMF', debug: false, tags: ['enter', 'leave'], syslogLevel: 'debug' },
      { subsys: 'CLM', debug: true, tags: ['trace1', 'trace8'] },
    ]);
  });

  it('checks logger_subsys and logger sections', () => {
    assert.deepEqual(errs(rest('logging {', 'logger_subsys {', 'debug: on', '}', 'logger {', 'subsys: AMF', '}', '}')), [
      `${F}:11:1: expected key "subsys" in "logger_subsys", found none`,
      `${F}:14:1: expected key "ident" in "logger", found none`,
      `${F}:15:1: expected a key of "logger", found "subsys"`,
    ]);
    assert.deepEqual(errs(rest('logging {', 'logger_subsys {', 'subsys: AMF', 'tags: enter|trace9', '}', '}')), [
      `${F}:13:13: expected tags to be enter, leave, trace1, trace2, trace3, trace4, trace5, trace6, trace7 or trace8 joined by "|", found "trace9" (did you mean "trace1"?)`,
    ]);
    assert.deepEqual(errs(rest('logging {', 'logger_subsys {', 'subsys: AMF', '}', 'logger {', 'ident: AMF', '}', '}')), [
      `${F}:14:1: expected each subsystem configured once, found "AMF" again (first at line 11)`,
    ]);
    assert.deepEqual(errs(rest('logging {', 'logger_subsys {', 'subsys: A-M-F', 'syslog_level: loud', '}', '}')), [
      `${F}:12:9: expected subsys to be a subsystem name (a letter, then letters, digits or "_"), found "A-M-F"`,
      `${F}:13:15: expected syslog_level to be alert, crit, debug, emerg, err, info, notice or warning, found "loud"`,
    ]);
  });
});

describe('openais.conf: aisexec, uidgid, amf, service, event', () => {
  it('resolves user and group through the accounts, and takes numbers as-is', () => {
    assert.deepEqual(parse(rest('aisexec {', 'user: ais', 'group: ais', '}')).aisexec, { user: 'ais', group: 'ais', uid: 101, gid: 102, runDir: '/run/rf' });
    assert.deepEqual(parse(rest('aisexec {', 'user: 1234', 'group: 99', '}')).aisexec, { user: '1234', group: '99', uid: 1234, gid: 99, runDir: '/run/rf' });
  });

  it('rejects an unknown user or group (openais exited -2/-3)', () => {
    assert.deepEqual(errs(rest('aisexec {', 'user: ghost', 'group: ghosts', '}')), [
      `${F}:11:7: expected user to be a user name from /etc/passwd or a numeric uid, found "ghost"`,
      `${F}:12:8: expected group to be a group name from /etc/group or a numeric gid, found "ghosts"`,
    ]);
    assert.deepEqual(errs(rest('aisexec {', 'defaultservices: no', '}')), [`${F}:11:1: expected a key of "aisexec", found "defaultservices"`]);
  });

  it('defaults run_dir from the environment and the uid', () => {
    assert.equal(parse(udpu(), F, { ...OPTS, env: { XDG_RUNTIME_DIR: '/run/user/1000' } }).aisexec.runDir, '/run/user/1000/ringfort');
    assert.equal(parse(udpu(), F, { ...OPTS, env: {}, uid: 0 }).aisexec.runDir, '/var/run/ringfort');
  });

  it('checks that the socket path fits in sun_path', () => {
    const long = `/${'x'.repeat(100)}`;
    assert.deepEqual(errs(rest('aisexec {', `run_dir: ${long}`, '}')), [
      `${F}:11:10: expected run_dir short enough for its socket path (at most 107 bytes), found 115 bytes`,
    ]);
    assert.deepEqual(errs(udpu(), F, { ...OPTS, env: { RINGFORT_RUN_DIR: long } }), [
      `${F}:1:1: expected the default run directory "/${'x'.repeat(36)}..." to give a socket path of at most 107 bytes, found 115 bytes (set aisexec { run_dir })`,
    ]);
    assert.equal(parse(rest('aisexec {', `run_dir: /${'x'.repeat(92)}`, '}')).aisexec.runDir.length, 93);
  });

  it('reads repeated uidgid sections by name or number', () => {
    const c = parse(rest('uidgid {', 'uid: ais', '}', 'uidgid {', 'gid: haclient', '}', 'uidgid {', 'uid: 0', 'gid: 0', '}'));
    assert.deepEqual(c.uidgid, [{ uid: 101 }, { gid: 90 }, { uid: 0, gid: 0 }]);
    assert.deepEqual(errs(rest('uidgid {', '}', 'uidgid {', 'gid: nogroup', '}')), [
      `${F}:10:1: expected key "uid" or "gid" in "uidgid", found none`,
      `${F}:13:6: expected gid to be a group name from /etc/group or a numeric gid, found "nogroup"`,
    ]);
  });

  it('reads amf { mode, groups_file }', () => {
    assert.equal(parse(rest('amf {', 'mode: enabled', '}')).amf.mode, 'enabled');
    assert.deepEqual(errs(rest('amf {', 'mode: enable', '}')), [`${F}:11:7: expected mode to be enabled or disabled, found "enable" (did you mean "enabled"?)`]);
    assert.deepEqual(errs(rest('amf {', '}', 'amf {', '}')), [`${F}:12:1: expected one "amf" section at the top level, found another (first at line 10)`]);
  });

  it('reads service { name, ver } for known services only', () => {
    assert.deepEqual(parse(rest('service {', 'name: amf', 'ver: 0', '}', 'service {', 'name: clm', '}')).services, [
      { name: 'amf', ver: 0 },
      { name: 'clm', ver: 0 },
    ]);
    assert.deepEqual(errs(rest('service {', 'name: amff', 'ver: 1', '}', 'service {', 'name: ckpt', '}', 'service {', '}')), [
      `${F}:11:7: expected name to be amf, clm or cfg, found "amff" (did you mean "amf"?)`,
      `${F}:12:6: expected ver to be 0 (the only version of each service), found "1"`,
      `${F}:15:7: expected name to be amf, clm or cfg, found "ckpt"`,
      `${F}:17:1: expected key "name" in "service", found none`,
    ]);
    assert.deepEqual(errs(rest('service {', 'name: cfg', '}', 'service {', 'name: cfg', '}')), [
      `${F}:14:7: expected each service once, found "cfg" again (first at line 10)`,
    ]);
  });

  it('reads event { delivery_queue_size, delivery_queue_resume }', () => {
    assert.deepEqual(parse(rest('event {', 'delivery_queue_size: 400', '}')).event, { deliveryQueueSize: 400, deliveryQueueResume: 200 });
    assert.deepEqual(parse(rest('event { delivery_queue_size: 1000; delivery_queue_resume: 900 }')).event, { deliveryQueueSize: 1000, deliveryQueueResume: 900 });
    assert.deepEqual(errs(rest('event {', 'delivery_queue_size: 10', 'delivery_queue_resume: 20', '}')), [
      `${F}:12:24: expected delivery_queue_resume to be at most delivery_queue_size (10), found 20`,
    ]);
  });
});

describe('openais.conf: the file as a whole', () => {
  it('requires totem, and one of totem and network', () => {
    assert.deepEqual(errs('logging {\n}\n'), [`${F}:1:1: expected a top-level "totem" section, found none`]);
    assert.deepEqual(errs(''), [`${F}:1:1: expected a top-level "totem" section, found none`]);
    assert.deepEqual(errs(rest('network {', '}')), [`${F}:10:1: expected one of "totem" and "network" (the same section), found both (totem at line 1)`]);
  });

  it('rejects unknown top-level sections with a suggestion, and top-level keys', () => {
    assert.deepEqual(errs(rest('loging {', '}', 'foo: bar')), [
      `${F}:10:1: expected a top-level section (totem, network, nodelist, logging, amf, aisexec, uidgid, service or event), found "loging" (did you mean "logging"?)`,
      `${F}:12:1: expected a section at the top level, found key "foo"`,
    ]);
  });

  it('reports every error of the file at once, in file order', () => {
    assert.deepEqual(errs(udpu(['tokne: 5'], ['logging {', 'debug: maybe', '}', 'amf {', 'mode: on', '}'])), [
      `${F}:4:2: expected a key of "totem", found "tokne" (did you mean "token"?)`,
      `${F}:12:8: expected debug to be yes, no, on or off, found "maybe"`,
      `${F}:15:7: expected mode to be enabled or disabled, found "on"`,
    ]);
  });

  it('reports syntax errors as ConfigErrors and validates nothing else then', () => {
    assert.deepEqual(errs('totem {\n\ttokne: 1\n'), [`${F}:1:1: expected "}" to close section "totem" opened here, found the end of the file`]);
  });

  it('reports an unreadable file as a ConfigErrors too', () => {
    assert.deepEqual(
      (() => {
        try {
          loadMainConfig('/nonexistent/openais.conf', OPTS);
        } catch (e) {
          assert.ok(e instanceof ConfigErrors);
          return e.message;
        }
        return 'no error';
      })(),
      '/nonexistent/openais.conf:1:1: expected a readable openais.conf, found no such file',
    );
    assert.throws(() => loadMainConfig(here, OPTS), { name: 'ConfigErrors', message: `${here}:1:1: expected a readable openais.conf, found a directory` });
  });
});

describe('accounts', () => {
  it('parses passwd and group files, skipping junk', () => {
    const ids = parseIdFile('root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nais:x:101:102::/:/bin/false\nais:x:5:5::/:/bin/false\nbad:x:-1:0\n');
    assert.deepEqual([...ids], [['root', 0], ['ais', 101]]);
  });
  it('takes a numeric id as-is and looks names up', () => {
    assert.equal(resolveId('42', () => undefined), 42);
    assert.equal(resolveId('ais', (n) => (n === 'ais' ? 7 : undefined)), 7);
    assert.equal(resolveId('4294967295', () => 1), undefined);
  });
});

describe('openais.conf: fuzz', () => {
  shallowStacksDuringBlock();

  function configErrorsOnly(text: string): MainConfig | undefined {
    try {
      return parseMainConfig(text, 'fuzz.conf', OPTS);
    } catch (e) {
      if (!(e instanceof ConfigErrors)) throw e;
      for (const x of e.errors) assert.ok(x instanceof ConfigError && x.line >= 1 && x.col >= 1);
      return undefined;
    }
  }

  it('throws only ConfigErrors on mutations of the sample and the default file', () => {
    const files = [fs.readFileSync(SAMPLE_FILE, 'utf8'), fs.readFileSync(DEFAULT_FILE, 'utf8')].map((t) => t.split('\n'));
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), col: fc.nat(), text: fc.constantFrom('{', '}', ':', '#', ';', 'x {', '0', '::', ' 99999999999') }),
    );
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }), (which, ops) => {
        const ls = [...files[which]!];
        for (const m of ops) {
          const i = m.at % ls.length;
          if (m.op === 'delete') ls.splice(i, 1);
          else if (m.op === 'duplicate') ls.splice(i, 0, ls[i]!);
          else if (m.op === 'move') ls.splice(m.to % ls.length, 0, ...ls.splice(i, 1));
          else {
            const l = ls[i]!;
            const c = m.col % (l.length + 1);
            ls[i] = l.slice(0, c) + m.text + l.slice(c);
          }
          if (ls.length === 0) ls.push('');
        }
        configErrorsOnly(ls.join('\n'));
      }),
      { numRuns: 1000, seed: 74 },
    );
  });

  it('throws only ConfigErrors on random keys and values, and what it accepts is consistent', () => {
    const keys = ['version', 'token', 'join', 'consensus', 'hold', 'token_retransmit', 'transport', 'rrp_mode', 'netmtu', 'max_messages', 'secauth', 'crypto_cipher', 'crypto_hash', 'nodeid', 'tokne'];
    const values = ['2', '0', '30', '50', '1000', '99999999999', 'udp', 'udpu', 'passive', 'none', 'on', 'off', 'aes256', 'sha256', '', 'x', '10.0.0.1', 'ff02::1'];
    const iface = fc.record({
      ringnumber: fc.constantFrom('0', '1', '2', undefined),
      bindnetaddr: fc.constantFrom('10.0.0.0', 'fd00::', 'bad', undefined),
      mcastaddr: fc.constantFrom('239.0.0.1', 'ff02::1', '10.0.0.1', undefined),
      mcastport: fc.constantFrom('5405', '5406', '0', undefined),
    });
    const node = fc.record({ nodeid: fc.constantFrom('1', '2', '0', undefined), ring0_addr: fc.constantFrom('10.0.0.1', '10.0.0.2', 'fd00::1', '239.0.0.1', undefined) });
    const block = (name: string, kv: Record<string, string | undefined>): string =>
      `${name} {\n${Object.entries(kv).flatMap(([k, v]) => (v === undefined ? [] : [`${k}: ${v}`])).join('\n')}\n}`;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...values)), { maxLength: 8 }),
        fc.array(iface, { maxLength: 3 }),
        fc.option(fc.array(node, { maxLength: 4 })),
        (kvs, ifaces, nodeList) => {
          const text = [
            'totem {',
            ...kvs.map(([k, v]) => `${k}: ${v}`),
            ...ifaces.map((i) => block('interface', i)),
            '}',
            ...(nodeList === null ? [] : ['nodelist {', ...nodeList.map((n) => block('node', n)), '}']),
          ].join('\n');
          const c = configErrorsOnly(text);
          if (c === undefined) return;
          const t = c.totem;
          assert.ok(t.tokenMs >= 30 && t.tokenRetransmitMs >= 30 && t.holdMs >= 14 && t.consensusMs >= t.joinMs);
          assert.ok(t.interfaces.length <= 2 && (t.rrpMode === 'none') === (t.interfaces.length <= 1 && t.interfaces.every((i) => i.ringnumber === 0)) || t.rrpMode !== 'none');
          assert.equal(new Set(t.nodes.map((n) => n.nodeid)).size, t.nodes.length);
          assert.ok(t.transport === 'udp' ? t.interfaces.length >= 1 : t.nodes.length >= 1);
          assert.ok(t.maxMessages <= Math.floor(256000 / t.netmtuBytes));
        },
      ),
      { numRuns: 500, seed: 1995 },
    );
  });
});
