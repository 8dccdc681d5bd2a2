// What ais-cfgtool prints (aisexec/tools/cfgtool-format.ts), from hand-made
// ring status JSON: corosync-cfgtool -s's lines that scripts grep, aligned
// columns, and a status with fields missing (another version's executive).
import assert from 'node:assert/strict';
import { countersJson, renderConfig, renderCounters, renderMembers, renderRingStatus, type RingView, type RrpRingView } from '../../aisexec/tools/cfgtool-format.js';

function ring(n: 0 | 1, state: 'active' | 'faulty', extra: Partial<RrpRingView> = {}): RrpRingView {
  return {
    ring: n, state, address: `127.0.${n}.2`, port: 5405 + 2 * n, problemCount: 0, markedFaulty: state === 'faulty' ? 1 : 0, recovered: 0,
    packetsSent: 1200 + n, packetsReceived: 15, packetsDropped: n === 0 ? 55 : 0,
    text: state === 'faulty' ? `Marking ringid ${n} interface 127.0.${n}.2 FAULTY` : `ring ${n} active with no faults`,
    transport: {
      blocked: false,
      counters: {
        droppedBlockedSend: n === 0 ? 17 : 0, droppedBlockedReceive: n === 0 ? 38 : 0, droppedUnlisted: 0, droppedUnknownNode: 0, droppedNotSent: 0, droppedOwn: 0,
        sendErrors: { EAGAIN: 0, ENOBUFS: 0, EHOSTUNREACH: 0, ENETUNREACH: 0, EMSGSIZE: 0, other: 0 },
      },
    },
    ...extra,
  };
}

const VIEW: RingView = {
  nodeid: 2,
  transport: 'udpu',
  state: 'operational',
  ringId: { rep: 1, seq: '12', text: '1.c' },
  members: [1, 2, 3],
  rrp: { mode: 'passive', rings: [ring(0, 'faulty'), ring(1, 'active')] },
  security: { mode: 'aes256-gcm', sealed: 88, opened: 133, dropped: { short: 0, auth: 3, replay: 0 } },
  config: { token: 1650, join: 50, window_size: 50, rrp_mode: 'passive', secauth: false },
  counters: { tokensReceived: 70, tokenRetransmits: 16, tokenLosses: 0, gather: { start: 1, join_during_operational: 1, leave: 0 } },
};

describe('ais-cfgtool output', () => {
  it('-s: corosync-cfgtool -s lines per ring, then the membership', () => {
    assert.equal(renderRingStatus(VIEW), [
      'Printing ring status.',
      'Local node ID 2',
      'RING ID 0',
      '\tid\t= 127.0.0.2',
      '\tstatus\t= Marking ringid 0 interface 127.0.0.2 FAULTY',
      'RING ID 1',
      '\tid\t= 127.0.1.2',
      '\tstatus\t= ring 1 active with no faults',
      'MEMBERSHIP',
      '\tring\t= 1.c (representative 1, seq 12)',
      '\tstate\t= operational',
      '\tmembers\t= 3 [1 2 3]',
      '\trrp\t= passive (transport udpu)',
    ].join('\n'));
  });

  it('-s says when a ring is blocked by fault injection, and copes with no ring yet', () => {
    const blocked = { ...VIEW, rrp: { mode: 'passive', rings: [ring(0, 'active', { transport: { blocked: true } })] } };
    assert.match(renderRingStatus(blocked), /\tstatus\t= ring 0 active with no faults \(blocked by fault injection\)\n/);
    const bare = renderRingStatus({ nodeid: 4, ringId: null });
    assert.match(bare, /^Printing ring status\.\nLocal node ID 4\nMEMBERSHIP\n\tring\t= - \(no ring installed yet\)\n\tstate\t= -\n\tmembers\t= 0 \[\]\n/);
  });

  it('-l: one row per member, right-aligned ids, "(local)" on this node, names from CLM when known', () => {
    const text = renderMembers(VIEW, [{ nodeId: 1, name: 'alpha', address: '127.0.0.1' }, { nodeId: 2, name: 'beta', address: '127.0.0.2' }]);
    assert.equal(text, [
      'Membership information (ring 1.c, operational, 3 members)',
      '---------------------------------------------------------',
      'Nodeid  Address    Name',
      '     1  127.0.0.1  alpha',
      '     2  127.0.0.2  beta (local)',
      '     3  -          -',
    ].join('\n'));
  });

  it('--config: one aligned "key = value" line per effective value, ms on the timeouts', () => {
    assert.equal(renderConfig(VIEW), [
      'Effective totem configuration (node 2)',
      '  token       = 1650 ms',
      '  join        = 50 ms',
      '  window_size = 50',
      '  rrp_mode    = passive',
      '  secauth     = off',
    ].join('\n'));
  });

  it('--counters: every figure right-aligned in one grid, zero gather reasons and security drops left out', () => {
    const lines = renderCounters(VIEW).split('\n');
    assert.equal(lines[0], 'Totem counters (node 2, ring 1.c)');
    const at = (label: string): string => {
      const l = lines.find((x) => x.trimStart().startsWith(label));
      assert.ok(l !== undefined, `no line ${label} in\n${lines.join('\n')}`);
      return l;
    };
    assert.match(at('token retransmits'), /^ {2}token retransmits +16$/);
    assert.match(at('token losses'), / 0$/);
    assert.match(at('messages sent'), / -$/, 'a counter the executive did not report');
    assert.match(at('join_during_operational'), / 1$/);
    assert.ok(!lines.some((l) => l.includes('leave')), 'zero gather reasons are left out');
    assert.match(at('blocked (send)'), / 17 +0$/);
    assert.match(at('dropped: auth'), / 3$/);
    assert.ok(!lines.some((l) => l.includes('replay')));
    // Aligned: every figure of the grid ends in the same column.
    const ends = lines.filter((l) => /\d$/.test(l) && !l.startsWith('Totem')).map((l) => l.length);
    const ringRows = lines.filter((l) => / \d+ +\d+$/.test(l)).map((l) => l.length);
    assert.ok(ringRows.length >= 10 && new Set(ringRows).size === 1, lines.join('\n'));
    assert.ok(ends.every((e) => e <= ringRows[0]!), lines.join('\n'));
    assert.equal(new Set(lines.filter((l) => /^ {2}\S.* \d+$/.test(l) && !/ \d+ +\d+$/.test(l)).map((l) => l.length)).size, 1, lines.join('\n'));
  });

  it('--counters --json carries the same figures', () => {
    const j = countersJson(VIEW) as { ringId: string; rings: Array<{ ring: number; packetsDropped: number; transport: { droppedBlockedReceive: number } }> };
    assert.equal(j.ringId, '1.c');
    assert.deepEqual(j.rings.map((r) => [r.ring, r.packetsDropped, r.transport.droppedBlockedReceive]), [[0, 55, 38], [1, 0, 0]]);
  });
});
