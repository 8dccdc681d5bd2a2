#!/usr/bin/env node
// amf-state: print AMF states, in the style of OpenSAF's tool.
//   amf-state                         the health summary
//   amf-state comp|su|sg|si|siass|csiass [all|NAME]
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CfgClient } from '../../lib-ais/cfg.js';
import { AisError } from '../../lib-ais/errors.js';
import type { AmfSnapshot } from '../engine/types.js';
import { CLASSES, renderHealth, renderObjects, stateObjects, type StateClass } from './state-format.js';

async function main(): Promise<number> {
  const args = await yargs(hideBin(process.argv))
    .scriptName('amf-state')
    .command('$0 [class] [name]', 'Prints the AMF states of the running executive; with no class, the health summary.', (y) => y
      .positional('class', { type: 'string', choices: [...CLASSES], describe: 'comp, su, sg, si, siass or csiass' })
      .positional('name', { type: 'string', describe: 'all, or a DN or part of one' }))
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .option('run-dir', { type: 'string', describe: "the executive's run directory (default $RINGFORT_RUN_DIR or the built-in default)" })
    .strict()
    .help()
    .fail((msg, err) => { process.stderr.write(`amf-state: ${msg ?? err?.message}\n`); process.exit(2); })
    .parseAsync();
  const cls = args['class'] as StateClass | undefined;
  const name = args['name'] as string | undefined;

  const client = await CfgClient.open({}, args['run-dir'] !== undefined ? { runDir: args['run-dir'] } : {});
  let status: { services?: { amf?: AmfSnapshot } };
  try {
    status = (await client.status()) as typeof status;
  } finally {
    client.finalize();
  }
  const snap = status.services?.amf;
  if (snap === undefined || snap.components === undefined) {
    process.stderr.write('amf-state: AMF is not enabled on this executive (amf { mode: enabled } in openais.conf)\n');
    return 1;
  }
  if (cls === undefined) {
    process.stdout.write((args.json ? JSON.stringify(snap, null, 2) : renderHealth(snap)) + '\n');
    return 0;
  }
  const rows = stateObjects(snap, cls, name);
  if (name !== undefined && name !== 'all' && rows.length === 0) {
    process.stderr.write(`amf-state: no ${cls} matches "${name}"\n`);
    return 1;
  }
  process.stdout.write((args.json ? JSON.stringify(rows, null, 2) : renderObjects(rows)) + (rows.length ? '\n' : ''));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`amf-state: ${e instanceof AisError ? e.message : `error: ${e.message}`}\n`);
    process.exit(1);
  },
);
