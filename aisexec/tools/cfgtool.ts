#!/usr/bin/env node
// ais-cfgtool: the ring's status and controls, in the style of openais 0.80's
// openais-cfgtool and corosync's corosync-cfgtool / corosync-quorumtool.
//   ais-cfgtool [-s]            ring status: local node id, each ring's address and status, the membership
//   ais-cfgtool -l              the members of the ring
//   ais-cfgtool --config        the effective totem values
//   ais-cfgtool --counters      retransmits, token losses, gather reasons, drops and why
//   ais-cfgtool -r              re-enable faulty rings (cluster-wide, as corosync-cfgtool -r)
//   ais-cfgtool --block-ring N  test facility (RINGFORT_FAULT_INJECTION=1 in the executive's environment)
// Exit codes: 0 done, 1 cannot reach the executive or it refused, 2 usage.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CfgClient } from '../../lib-ais/cfg.js';
import type { ConnectOptions } from '../../lib-ais/connection.js';
import { AisError, AisTimeoutError, SaAisErrorT } from '../../lib-ais/errors.js';
import { FAULT_INJECTION_ENV } from '../services/cfg.js';
import { countersJson, renderConfig, renderCounters, renderMembers, renderRingStatus, type NodeRecord, type RingView } from './cfgtool-format.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** How long a request may take: a re-enable waits for agreed delivery, which a ring stuck in GATHER does not give. */
const REQUEST_TIMEOUT_MS_DEFAULT = 10_000;

type Action = 'status' | 'members' | 'config' | 'counters' | 'reenable' | 'block' | 'unblock';

interface ExecStatus {
  delivery?: RingView;
  services?: { clm?: { nodes?: NodeRecord[] } };
}

class Failure extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new AisTimeoutError(`no answer to ${what} within ${ms} ms`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function print(text: string): void {
  process.stdout.write(text + '\n');
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2);
}

async function run(action: Action, opts: { json: boolean; ring: number | undefined; connect: ConnectOptions; timeoutMs: number }): Promise<number> {
  let client: CfgClient;
  try {
    client = await CfgClient.open({}, opts.connect);
  } catch (e) {
    throw new Failure(`cannot connect to the executive: ${(e as Error).message}`);
  }
  try {
    const status = async (): Promise<ExecStatus> => (await withTimeout(client.status(), opts.timeoutMs, 'the status request')) as ExecStatus;
    switch (action) {
      case 'reenable': {
        print('Re-enabling all failed rings.');
        await withTimeout(client.ringReenable(), opts.timeoutMs, 'the ring re-enable').catch((e: Error) => { throw new Failure(`could not re-enable the rings: ${e.message}`); });
        return EXIT_OK;
      }
      case 'block':
      case 'unblock': {
        const ring = opts.ring!;
        await withTimeout(client.ringBlock(ring, action === 'block'), opts.timeoutMs, `the ring ${action}`).catch((e: Error) => {
          const hint = e instanceof AisError && e.code === SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED
            ? ` (the executive accepts it only when started with ${FAULT_INJECTION_ENV}=1; a test facility)`
            : e instanceof AisError && e.code === SaAisErrorT.SA_AIS_ERR_INVALID_PARAM ? ` (this node has no ring ${ring})` : '';
          throw new Failure(`could not ${action} ring ${ring}: ${e.message}${hint}`);
        });
        print(`${action === 'block' ? 'Blocked' : 'Unblocked'} ring ${ring} on this node (fault injection).`);
        return EXIT_OK;
      }
      default: {
        const s = await status();
        const ring = s.delivery;
        if (ring === undefined) throw new Failure('the executive reported no ring status');
        switch (action) {
          case 'status':
            print(opts.json ? json(ring) : renderRingStatus(ring));
            break;
          case 'members': {
            const nodes = s.services?.clm?.nodes ?? [];
            print(opts.json
              ? json({ nodeid: ring.nodeid, ringId: ring.ringId ?? null, state: ring.state, members: (ring.members ?? []).map((id) => ({ nodeid: id, local: id === ring.nodeid, ...pick(nodes.find((n) => n.nodeId === id)) })) })
              : renderMembers(ring, nodes));
            break;
          }
          case 'config':
            print(opts.json ? json(ring.config ?? {}) : renderConfig(ring));
            break;
          case 'counters':
            print(opts.json ? json(countersJson(ring)) : renderCounters(ring));
            break;
        }
        return EXIT_OK;
      }
    }
  } finally {
    client.finalize();
  }
}

function pick(n: NodeRecord | undefined): { name?: string; address?: string } {
  return n === undefined ? {} : { ...(n.name !== undefined ? { name: n.name } : {}), ...(n.address !== undefined ? { address: n.address } : {}) };
}

async function main(): Promise<number> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('ais-cfgtool')
    .usage('$0 [-s | -l | --config | --counters | -r | --block-ring N | --unblock-ring N] [--json] [-S SOCKET | --run-dir DIR]\n\nShows and controls the Totem ring of a running executive (as corosync-cfgtool).')
    .option('status', { alias: 's', type: 'boolean', describe: 'ring status: local node id, each ring\'s address and status, the membership (the default)' })
    .option('members', { alias: 'l', type: 'boolean', describe: 'the members of the ring, with addresses and names' })
    .option('config', { type: 'boolean', describe: 'the effective totem values (runtime.config.totem)' })
    .option('counters', { type: 'boolean', describe: 'retransmits, token losses, gather reasons, packets dropped and why, security drops' })
    .option('reenable', { alias: 'r', type: 'boolean', describe: 're-enable faulty rings on every node of the ring' })
    .option('block-ring', { type: 'number', describe: 'TEST FACILITY: drop everything on ring N at this node (needs RINGFORT_FAULT_INJECTION=1 in the executive\'s environment)' })
    .option('unblock-ring', { type: 'number', describe: 'TEST FACILITY: undo --block-ring N' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON (with -s: the raw ring status)' })
    .option('socket', { alias: 'S', type: 'string', describe: "the executive's IPC socket" })
    .option('run-dir', { type: 'string', describe: "the executive's run directory (default $RINGFORT_RUN_DIR or the built-in default)" })
    .option('timeout', { type: 'number', default: REQUEST_TIMEOUT_MS_DEFAULT, describe: 'milliseconds to wait for an answer' })
    .conflicts('socket', 'run-dir')
    .check((a) => {
      const chosen = ['status', 'members', 'config', 'counters', 'reenable', 'block-ring', 'unblock-ring'].filter((k) => a[k] !== undefined && a[k] !== false);
      if (chosen.length > 1) throw new Error(`choose one of -s, -l, --config, --counters, -r, --block-ring, --unblock-ring (got ${chosen.map((k) => `--${k}`).join(', ')})`);
      for (const k of ['block-ring', 'unblock-ring'] as const) {
        const n = a[k];
        if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new Error(`--${k} needs a ring number (0, 1), got ${String(n)}`);
      }
      if (!Number.isInteger(a.timeout) || a.timeout <= 0) throw new Error(`--timeout needs a positive number of milliseconds, got ${String(a.timeout)}`);
      return true;
    })
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .fail((msg, err) => {
      process.stderr.write(`ais-cfgtool: ${msg ?? err?.message}\nTry ais-cfgtool --help.\n`);
      process.exit(EXIT_USAGE);
    })
    .parseAsync();

  const action: Action = args.members ? 'members' : args.config ? 'config' : args.counters ? 'counters' : args.reenable ? 'reenable'
    : args['block-ring'] !== undefined ? 'block' : args['unblock-ring'] !== undefined ? 'unblock' : 'status';
  const connect: ConnectOptions = args.socket !== undefined ? { socketPath: args.socket } : args['run-dir'] !== undefined ? { runDir: args['run-dir'] } : {};
  return run(action, { json: args.json, ring: args['block-ring'] ?? args['unblock-ring'], connect, timeoutMs: args.timeout });
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`ais-cfgtool: ${e instanceof Failure || e instanceof AisError ? e.message : `error: ${e.stack ?? e.message}`}\n`);
    process.exit(EXIT_FAILED);
  },
);
