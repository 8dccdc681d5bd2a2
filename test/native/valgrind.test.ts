// The C library under valgrind (memcheck): no invalid access, no leak after
// finalize. The C test programs and the C example component (callbacks with
// CSI attributes, the terminate path) run against a real aisexec with
// `--error-exitcode=1 --leak-check=full`. Skipped, with the reason printed,
// where valgrind is not installed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../../amf/process-watch.js';
import { startExecutive, type RunningExecutive } from '../helpers/executive.js';
import { groupsConf, waitForAmf } from '../helpers/amf-cluster.js';
import {
  buildCExample, cDemoLauncher, compileC, componentLogs, componentPids, removeCompiled, runC, startC, valgrindVersion, type CRun,
} from '../helpers/native.js';

describe('libSaAmf under valgrind', function () {
  this.timeout(120000);
  let amftest: string;
  let bin: string;
  let exec: RunningExecutive | undefined;
  const programs: CRun[] = [];
  const started: number[] = [];

  before(function () {
    const v = valgrindVersion();
    if (v === undefined) {
      console.log('    (skipped: valgrind is not installed; apt install valgrind)');
      this.skip();
    }
    buildCExample();
    amftest = compileC('amftest', ['native/test/amftest.c']);
    bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-valgrind-'));
    fs.chmodSync(bin, 0o755);
  });
  after(async () => {
    for (const p of programs.splice(0)) await p.stop();
    if (exec) {
      started.push(...componentPids(exec));
      await exec.stop(20000);
    }
    for (const pid of started.splice(0)) if (processAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    if (bin) fs.rmSync(bin, { recursive: true, force: true });
    removeCompiled();
  });

  it('the test programs and c-demo run clean: parameters, threads, callbacks, terminate, a lost executive', async () => {
    const vgLog = path.join(bin, 'c-demo.valgrind.log');
    cDemoLauncher(bin, 'cdemo', {}, vgLog);
    exec = await startExecutive({
      groups: groupsConf({
        binaryPath: bin,
        model: 'noredundancy',
        units: [{ name: 'SU_1', components: [{ name: 'a', bn: 'cdemo', extra: '\t\t\tinstantiate_timeout=30000\n\t\t\tcallback_timeout=30000' }] }],
        healthchecks: [{ key: 'default', periodMs: 200, maxMs: 5000 }],
      }),
    });
    const e = exec;
    const env = { RINGFORT_RUN_DIR: e.runDir };
    const s = await waitForAmf(e, 'a ACTIVE', (s) => s.csiAssignments.some((a) => !a.pending && a.haState === 'active'), 60000);
    const a = s.csiAssignments.find((x) => x.haState === 'active')!;

    const params = await runC(amftest, ['params'], { env, valgrind: true, timeoutMs: 60000 });
    assert.equal(params.code, 0, params.output);
    const threads = await runC(amftest, ['threads', a.comp, a.csi], { env, valgrind: true, timeoutMs: 90000 });
    assert.equal(threads.code, 0, threads.output);

    const gone = startC(amftest, ['gone'], { env, valgrind: true });
    programs.push(gone);
    await gone.waitFor(/^ready$/m, 30000);
    started.push(...componentPids(e));
    let logs = '';
    e.proc.once('exit', () => { logs = componentLogs(e); });
    assert.equal(await e.stop(30000), 0);
    exec = undefined;
    gone.proc.stdin!.end('go\n');
    assert.equal(await gone.exited(60000), 0, gone.output());

    assert.match(logs, /terminated by the AMF, exiting 0/);
    const vg = fs.readFileSync(vgLog, 'utf8');
    assert.match(vg, /ERROR SUMMARY: 0 errors/, vg);
    assert.doesNotMatch(vg, /definitely lost: [1-9]|indirectly lost: [1-9]/, vg);
  });
});
