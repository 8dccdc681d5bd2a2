// Preloaded into each aisexec by bench/ring with BENCH_RING_PROFILE=DIR
// (NODE_OPTIONS=--import dist/bench/ring-profile-hook.js; Node 20 refuses
// --cpu-prof in NODE_OPTIONS). SIGWINCH starts the V8 sampling profiler and the
// next SIGWINCH stops it and writes DIR/aisexec-<pid>-<k>.cpuprofile, so the
// bench profiles exactly its measured intervals, not start-up.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

const dir = process.env['RING_PROFILE_DIR'];
if (dir !== undefined) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: Number(process.env['RING_PROFILE_INTERVAL_US'] ?? 200) });
  let on = false;
  let k = 0;
  const stop = (): void => {
    on = false;
    const file = path.join(dir, `aisexec-${process.pid}-${k++}.cpuprofile`);
    // An in-process session answers synchronously: this also works from the exit handler.
    session.post('Profiler.stop', (err, r) => { if (err === null) fs.writeFileSync(file, JSON.stringify(r.profile)); });
  };
  process.on('SIGWINCH', () => {
    if (on) stop();
    else { on = true; session.post('Profiler.start'); }
  });
  process.on('exit', () => { if (on) stop(); });
}
