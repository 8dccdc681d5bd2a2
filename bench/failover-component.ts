// The component bench/failover-local runs: registers, answers every callback
// at once, and appends `<epoch ms with µs> <HA state> <pid>` to $FAILOVER_REPORT
// the moment a CSI set callback arrives (before answering it), so the bench can
// time kill -9 of the active to the standby's ACTIVE callback.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { AmfClient } from '../lib-ais/amf-client.js';
import { AisError, SaAisErrorT } from '../lib-ais/errors.js';

const report = process.env['FAILOVER_REPORT']!;
const fd = fs.openSync(report, 'a');

async function main(): Promise<void> {
  let amf: AmfClient | undefined;
  for (let i = 0; i < 100 && amf === undefined; i++) {
    try {
      amf = await AmfClient.open();
    } catch (e) {
      if (!(e instanceof AisError) || e.code !== SaAisErrorT.SA_AIS_ERR_TRY_AGAIN) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  amf!.on('csiSet', (e) => {
    fs.writeSync(fd, `${(performance.timeOrigin + performance.now()).toFixed(3)} ${e.haState} ${process.pid}\n`);
  });
  await amf!.register();
  await amf!.run();
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`failover-component: ${e.message}\n`);
  process.exit(1);
});
