// The C codec (native/src/codec.c) decodes every IPC test vector exactly as
// its "# expect" line says, as the TypeScript codec does (test/unit/ipc-frame.test.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from '../helpers/executive.js';
import { compileC, removeCompiled } from '../helpers/native.js';
import { readVectors } from '../helpers/vectors.js';

describe('C codec: test/vectors/ipc', function () {
  this.timeout(30000);
  let decoder: string;
  before(() => { decoder = compileC('vectors', ['native/test/vectors.c', 'native/src/codec.c'], { internal: true }); });
  after(() => removeCompiled());

  for (const v of readVectors(path.join(REPO, 'test/vectors/ipc'))) {
    it(`${v.name} decodes as documented`, () => {
      const message = String(v.expect['message'] ?? 'none');
      const out = execFileSync(decoder, [message, path.join(REPO, 'test/vectors/ipc', v.name)]).toString();
      const got = JSON.parse(out) as Record<string, unknown>;
      if (v.expect['malformed'] === true) {
        assert.equal(got['malformed'], true);
        return;
      }
      assert.equal(got['reencoded'], true, 'the C encoder writes the same header bytes');
      assert.equal(got['consumed'], true, 'the body was read exactly');
      assert.deepEqual({ message: got['message'], id: got['id'], error: got['error'], seq: got['seq'], body: got['body'] }, v.expect);
    });
  }
});
