// A minimal client for end-to-end tests that run a client as another user:
// connects to the CFG service, pings, and prints the outcome as one JSON line.
import { CfgClient } from '../../lib-ais/cfg.js';
import { AisError } from '../../lib-ais/errors.js';

const socketPath = process.argv[2]!;
try {
  const c = await CfgClient.open({}, { socketPath });
  const echo = await c.ping(Buffer.from('hello'));
  c.finalize();
  console.log(JSON.stringify({ ok: true, echo: echo.toString() }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, code: e instanceof AisError ? e.code : null, message: (e as Error).message }));
}
