// The redundant ring layer over real udpu sockets: three nodes with ring 0
// on 127.0.0.1-3 and ring 1 on 127.0.1.1-3 pass a toy token around (with a
// toy token retransmission) and multicast messages. Pulling ring 1's cable
// at node 2 (setBlocked) makes the nodes whose links cross it mark ring 1
// FAULTY while ring 0 keeps the token moving; plugging it back in brings
// ring 1 back on every node. Both for rrp_mode active and passive, with
// small timeouts so that a run takes well under a second.
import assert from 'node:assert/strict';
import { parseMainConfig } from '../../aisexec/config/mainconfig.js';
import { memoryLogSystem } from '../../aisexec/log/logger.js';
import { Rrp } from '../../aisexec/totem/net/rrp.js';
import type { RrpMode } from '../../aisexec/config/totemconfig.js';
import type { RingMember } from '../../aisexec/totem/net/members.js';
import type { RingNo } from '../../aisexec/totem/net/transport.js';
import { UdpuTransport } from '../../aisexec/totem/net/udpu.js';
import { mapAccounts } from '../../aisexec/config/accounts.js';
import { freeUdpPort, until as untilHolds } from '../helpers/wait.js';

const freePort = (): Promise<number> => freeUdpPort();
const until = (cond: () => boolean, what: string, ms = 3000): Promise<void> => untilHolds(cond, what, ms);

const TOKEN = 1;
const MCAST = 2;

/** One node of a toy ring: forwards each new token to the next node, re-sends it when it does not come back. */
class ToyNode {
  rrp!: Rrp;
  lastSeq = 0;
  mcastsHeard = 0;
  private lastSent: Buffer | undefined;
  private lastSentAt = 0;
  private retransmit: NodeJS.Timeout | undefined;
  readonly lines: string[];

  constructor(readonly nodeid: number, private readonly next: number, mode: RrpMode, port: number) {
    const ring = (r: RingNo): RingMember[] => [1, 2, 3].map((id) => ({ nodeid: id, address: `127.0.${r}.${id}` }));
    const onPacket = (r: RingNo, data: Buffer): void => this.onPacket(r, data);
    const transports = ([0, 1] as const).map((r) => new UdpuTransport({
      ring: r, nodeid, localAddress: `127.0.${r}.${nodeid}`, port: port + 2 * r, members: ring(r), blockUnlistedIps: true, onPacket,
    }));
    const { system, lines } = memoryLogSystem();
    this.lines = lines;
    this.rrp = new Rrp({
      transports,
      logger: system.get('TOTEM'),
      core: {
        mode, problemCountThreshold: 3, problemCountMcastThreshold: 30, problemCountTimeoutMs: 500,
        tokenExpiredTimeoutMs: 30, autorecoveryCheckTimeoutMs: 150,
      },
    });
  }

  start(): void {
    this.retransmit = setInterval(() => {
      if (this.lastSent !== undefined && performance.now() - this.lastSentAt > 15) this.sendToken(this.lastSent);
    }, 5);
  }

  sendToken(buf: Buffer): void {
    this.lastSent = buf;
    this.lastSentAt = performance.now();
    this.rrp.send('token', this.next, buf);
  }

  mcast(): void {
    const b = Buffer.alloc(6);
    b[0] = MCAST;
    b[5] = this.nodeid;
    this.rrp.send('mcast', null, b);
  }

  private onPacket(ring: RingNo, data: Buffer): void {
    if (data.length !== 6) return;
    if (data[0] === MCAST) {
      this.mcastsHeard++;
      this.rrp.mcastReceived(ring);
      return;
    }
    const seq = data.readUInt32BE(1);
    this.rrp.tokenReceived(ring, seq);
    if (seq <= this.lastSeq) return; // a copy or a retransmission: the core would drop it
    this.lastSeq = seq;
    const out = Buffer.alloc(6);
    out[0] = TOKEN;
    out.writeUInt32BE(seq + 1, 1);
    out[5] = this.nodeid;
    setTimeout(() => this.sendToken(out), 1);
  }

  async close(): Promise<void> {
    clearInterval(this.retransmit);
    await this.rrp.close();
  }
}

describe('RRP over real udpu sockets (ring 0 on 127.0.0.x, ring 1 on 127.0.1.x)', () => {
  let nodes: ToyNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
  });

  async function ring(mode: RrpMode): Promise<ToyNode[]> {
    const port = await freePort();
    nodes = [1, 2, 3].map((id) => new ToyNode(id, (id % 3) + 1, mode, port));
    await Promise.all(nodes.map((n) => n.rrp.open()));
    for (const n of nodes) n.start();
    const first = Buffer.alloc(6);
    first[0] = TOKEN;
    first.writeUInt32BE(1, 1);
    first[5] = 1;
    nodes[0]!.sendToken(first);
    return nodes;
  }

  for (const mode of ['active', 'passive'] as const) {
    it(`${mode}: a ring whose cable is pulled goes FAULTY where it is crossed, the token keeps moving on ring 0, and the ring comes back`, async () => {
      const ns = await ring(mode);
      const seq = (): number => Math.max(...ns.map((n) => n.lastSeq));
      await until(() => seq() > 60, 'the token to go round');
      const mcastTicker = setInterval(() => ns[0]!.mcast(), 2);
      try {
        for (const n of ns) assert.deepEqual(n.rrp.status().rings.map((r) => r.state), ['active', 'active'], n.lines.join('\n'));

        ns[1]!.rrp.transport(1).setBlocked(true); // node 2's ring 1 cable
        await until(() => ns[1]!.rrp.status().rings[1]!.state === 'faulty' && ns[2]!.rrp.status().rings[1]!.state === 'faulty', 'ring 1 FAULTY at nodes 2 and 3');
        assert.ok(ns[1]!.lines.some((l) => l.includes('Marking ringid 1 interface 127.0.1.2 FAULTY')), ns[1]!.lines.join('\n'));
        assert.equal(ns[1]!.rrp.status().rings[0]!.state, 'active');
        const before = seq();
        await until(() => seq() > before + 50, 'the token to keep going on ring 0 alone');
        const st = ns[1]!.rrp.status().rings[1]!;
        assert.ok(st.packetsDropped > 0 && st.transport.counters.droppedBlockedSend > 0, 'the pulled cable drops and counts');
        assert.equal(st.markedFaulty, 1);

        ns[1]!.rrp.transport(1).setBlocked(false);
        await until(() => ns.every((n) => n.rrp.status().rings.every((r) => r.state === 'active')), 'ring 1 active everywhere again', 3000).catch((e) => { for (const n of ns) console.log(n.nodeid, n.lines.join('\n')); throw e; });
        assert.ok(ns[1]!.lines.some((l) => l.includes('Automatically recovered ring 1 (interface 127.0.1.2)')), ns[1]!.lines.join('\n'));
        const after = seq();
        await until(() => seq() > after + 30, 'the token after recovery');
        assert.ok(ns[2]!.mcastsHeard > 0);
        for (const n of ns) {
          const [r0, r1] = n.rrp.status().rings;
          assert.ok(r0!.packetsReceived > 0 && r1!.packetsReceived > 0 && r0!.bytesSent > 0);
        }
      } finally {
        clearInterval(mcastTicker);
      }
    });
  }

  it('builds the rings from openais.conf (udpu, rrp_mode passive, nodelist with ring0_addr and ring1_addr)', async () => {
    const port = await freePort();
    const text = [
      'totem {', '\tversion: 2', '\tsecauth: off', '\ttransport: udpu', '\trrp_mode: passive',
      `\tinterface {\n\t\tringnumber: 0\n\t\tmcastport: ${port}\n\t}`,
      `\tinterface {\n\t\tringnumber: 1\n\t\tmcastport: ${port + 2}\n\t}`,
      '}',
      'nodelist {',
      ...[1, 2].map((i) => `\tnode {\n\t\tnodeid: ${i}\n\t\tring0_addr: 127.0.0.${i}\n\t\tring1_addr: 127.0.1.${i}\n\t}`),
      '}',
    ].join('\n');
    const cfg = parseMainConfig(text, '/etc/ais/openais.conf', { env: {}, uid: 0, accounts: mapAccounts({ root: 0 }, { root: 0 }) }).totem;
    const { system, lines } = memoryLogSystem();
    const got: string[] = [];
    const a = Rrp.fromTotem(cfg, 1, () => {}, system.get('TOTEM'));
    const b = Rrp.fromTotem(cfg, 2, (ring, data, from) => got.push(`${ring}:${data.toString()}<${from}`), system.get('TOTEM'));
    try {
      await a.open();
      await b.open();
      assert.equal(a.mode, 'passive');
      assert.deepEqual(a.status().rings.map((r) => `${r.address}:${r.port} ${r.state}`), [`127.0.0.1:${port} active`, `127.0.1.1:${port + 2} active`]);
      assert.ok(lines.some((l) => l.includes(`rrp_mode passive: ring 0 udpu 127.0.0.1:${port} (batched I/O with segmentation offload), ring 1 udpu 127.0.1.1:${port + 2} (batched I/O`)), lines.join('\n'));
      a.send('mcast', null, Buffer.from('x'));
      a.send('mcast', null, Buffer.from('y'));
      await until(() => got.length === 2, 'two messages');
      assert.deepEqual(got.sort(), ['0:y<127.0.0.1', '1:x<127.0.1.1'], 'passive: one ring, then the other');
      assert.throws(() => Rrp.fromTotem(cfg, 9, () => {}, system.get('TOTEM')), /ring 0: node 9 has no ring0_addr in the nodelist/);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
