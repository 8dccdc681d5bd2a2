import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAuthkey } from '../../aisexec/totem/security.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEYGEN = path.join(REPO, 'aisexec/tools/keygen.ts');

function keygen(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', KEYGEN, ...args], { cwd: REPO, encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function keygenAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', KEYGEN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('ais-keygen', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-keygen-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes 128 random bytes, mode 0400, that loadAuthkey accepts', () => {
    const f = path.join(dir, 'authkey');
    const r = keygen('-k', f);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote a 128-byte key to .*authkey/);
    const st = fs.statSync(f);
    assert.equal(st.size, 128);
    assert.equal(st.mode & 0o777, 0o400);
    assert.equal(loadAuthkey(f).length, 128);
    assert.deepEqual(fs.readdirSync(dir), ['authkey'], 'no temporary file left behind');
  });

  it('refuses to overwrite an existing key (exit 1) unless --force, which writes a new one', () => {
    const f = path.join(dir, 'authkey');
    assert.equal(keygen('--key-file', f).status, 0);
    const before = fs.readFileSync(f);
    const again = keygen('--key-file', f);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already exists.*--force/);
    assert.deepEqual(fs.readFileSync(f), before);
    const forced = keygen('--key-file', f, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    const after = fs.readFileSync(f);
    assert.equal(after.length, 128);
    assert.notDeepEqual(after, before);
    assert.equal(fs.statSync(f).mode & 0o777, 0o400);
    assert.deepEqual(fs.readdirSync(dir), ['authkey']);
  });

  it('fails (exit 1) when the directory does not exist; usage errors exit 2; --help names the default key file', async () => {
    // Three runs at once: each tsx start-up is most of its time.
    const [missing, bad, help] = await Promise.all([keygenAsync('-k', path.join(dir, 'no/such/dir/authkey')), keygenAsync('--bogus'), keygenAsync('--help')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /directory .* does not exist/);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Unknown argument/);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /\/etc\/ais\/authkey/);
    assert.equal(fs.readdirSync(dir).length, 0);
  });
});
