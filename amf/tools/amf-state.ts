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
    .usage('$0 [CLASS [all|NAME]]\n\nPrints the AMF states of the running executive.\nCLASS: comp, su, sg, si, siass, csiass. NAME selects the objects whose DN contains it.')
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
    .option('run-dir', { type: 'string', describe: "the executive's run directory (default $RINGFORT_RUN_DIR or the built-in default)" })
    .strict()
    .help()
    .fail((msg, err) => { process.stderr.write(`amf-state: ${msg ?? err?.message}\n`); process.exit(2); })
    .parseAsync();
  const [cls, name, ...extra] = args._.map(String);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (cls !== undefined && !(CLASSES as readonly string[]).includes(cls)) throw new UsageError(`unknown class "${cls}" (expected ${CLASSES.join(', ')})`);

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
  const rows = stateObjects(snap, cls as StateClass, name);
  if (name !== undefined && name !== 'all' && rows.length === 0) {
    process.stderr.write(`amf-state: no ${cls} matches "${name}"\n`);
    return 1;
  }
  process.stdout.write((args.json ? JSON.stringify(rows, null, 2) : renderObjects(rows)) + (rows.length ? '\n' : ''));
  return 0;
}

class UsageError extends Error {}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof UsageError) {
      process.stderr.write(`amf-state: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`amf-state: ${e instanceof AisError ? e.message : `error: ${e.message}`}\n`);
    process.exit(1);
  },
);
