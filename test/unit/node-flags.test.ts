// The executive's V8 flags (aisexec/node-flags.ts) are on every start-up
// path: the shebang of main.ts (the installed `aisexec` command), `npm start`,
// and the daemon's child (which adds those its parent lacks).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXECUTIVE_NODE_FLAGS, missingNodeFlags } from '../../aisexec/node-flags.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('executive node flags', () => {
  it('main.ts starts node with them (the installed aisexec command)', () => {
    const shebang = fs.readFileSync(path.join(REPO, 'aisexec/main.ts'), 'utf8').split('\n')[0]!;
    assert.equal(shebang, `#!/usr/bin/env -S node ${EXECUTIVE_NODE_FLAGS.join(' ')}`);
  });

  it('npm start passes them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.ok(pkg.scripts['start']!.startsWith(`node ${EXECUTIVE_NODE_FLAGS.join(' ')} dist/aisexec/main.js `), pkg.scripts['start']);
  });

  it('a flag counts as given at any value, with dashes or underscores', () => {
    assert.deepEqual(missingNodeFlags([]), [...EXECUTIVE_NODE_FLAGS]);
    assert.deepEqual(missingNodeFlags(['--initial-old-space-size=256']), []);
    assert.deepEqual(missingNodeFlags(['--initial_old_space_size=64', '--max-semi-space-size=8']), []);
    assert.deepEqual(missingNodeFlags(['--max-old-space-size=4096']), ['--initial-old-space-size=128']);
  });
});
