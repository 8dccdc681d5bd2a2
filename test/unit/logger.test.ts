import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_LOG_OPTIONS, LogSystem, formatTimestamp, memoryLogSystem } from '../../aisexec/log/logger.js';

describe('logging (corosync/openais style)', () => {
  it('writes `timestamp level [SUBSYS] text`, one line per message', () => {
    const lines: string[] = [];
    const sys = new LogSystem({ sink: (l) => lines.push(l), now: () => new Date(2026, 10, 23, 9, 5, 7, 42) });
    sys.configure({ ...DEFAULT_LOG_OPTIONS, toStderr: false });
    sys.get('TOTEM').notice('A processor joined or left the membership');
    sys.get('AMF').error('two\nlines');
    assert.deepEqual(lines, [
      'Nov 23 09:05:07.042 notice  [TOTEM] A processor joined or left the membership',
      'Nov 23 09:05:07.042 error   [AMF  ] two\\nlines',
    ]);
  });

  it('omits the timestamp when timestamp is off', () => {
    const { system, lines } = memoryLogSystem({ timestamp: false });
    system.get('MAIN').info('x');
    assert.deepEqual(lines, ['info    [MAIN ] x']);
  });

  it('shows debug only where enabled: globally, or per subsystem through logger_subsys', () => {
    const { system, lines } = memoryLogSystem({ debug: false, subsys: [{ subsys: 'AMF', debug: true }] });
    let built = 0;
    system.get('AMF').debug(() => { built++; return 'amf detail'; });
    system.get('IPC').debug(() => { built++; return 'ipc detail'; });
    assert.deepEqual(lines, ['debug   [AMF  ] amf detail']);
    assert.equal(built, 1, 'a disabled debug thunk is never evaluated');
    system.configure({ ...DEFAULT_LOG_OPTIONS, toStderr: false, timestamp: false, debug: true, subsys: [{ subsys: 'amf', debug: false }] });
    system.get('AMF').debug('hidden');
    system.get('IPC').debug('shown');
    assert.deepEqual(lines.slice(1), ['debug   [IPC  ] shown']);
  });

  it('names the calling file and line when fileline is on', () => {
    const { system, lines } = memoryLogSystem({ fileline: true });
    system.get('MAIN').notice('here');
    assert.match(lines[0]!, /^notice  \[MAIN \] \[logger\.test\.ts:\d+\] here$/);
  });

  it('appends to the log file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-log-'));
    const logfile = path.join(dir, 'ais.log');
    fs.writeFileSync(logfile, 'old\n');
    const sys = new LogSystem();
    sys.configure({ ...DEFAULT_LOG_OPTIONS, toStderr: false, toFile: true, logfile, timestamp: false });
    sys.get('MAIN').notice('one');
    sys.get('MAIN').warning('two');
    sys.close();
    assert.equal(fs.readFileSync(logfile, 'utf8'), 'old\nnotice  [MAIN ] one\nwarning [MAIN ] two\n');
    fs.rmSync(dir, { recursive: true });
  });

  it('formats timestamps as corosync does, plus milliseconds', () => {
    assert.equal(formatTimestamp(new Date(2026, 0, 2, 3, 4, 5, 6)), 'Jan 02 03:04:05.006');
  });
});
