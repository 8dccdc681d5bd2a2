import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as errors from '../../lib-ais/errors.js';
import { AisError, AisTryAgainError, SaAisErrorT, aisError } from '../../lib-ais/errors.js';

describe('SaAisErrorT catalog', () => {
  it('numbers the 27 codes as AIS B.01.01 does (OK = 1 ... NO_SECTIONS = 27)', () => {
    assert.equal(SaAisErrorT.SA_AIS_OK, 1);
    assert.equal(SaAisErrorT.SA_AIS_ERR_TRY_AGAIN, 6);
    assert.equal(SaAisErrorT.SA_AIS_ERR_ACCESS, 11);
    assert.equal(SaAisErrorT.SA_AIS_ERR_NOT_SUPPORTED, 19);
    assert.equal(SaAisErrorT.SA_AIS_ERR_NO_SECTIONS, 27);
  });

  it('agrees with the table in docs/errors.md, value, name and class', () => {
    const rows = fs.readFileSync('docs/errors.md', 'utf8').split('\n')
      .map((l) => /^\| (\d+) \| `(SA_AIS_\w+)` \| (?:`(\w+)`|—) \|$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null);
    assert.equal(rows.length, 27);
    for (const [, value, name, cls] of rows) {
      assert.equal(SaAisErrorT[name as keyof typeof SaAisErrorT], Number(value), name);
      if (cls === undefined) continue;
      const err = aisError(Number(value));
      assert.equal(err.constructor.name, cls);
      assert.equal((errors as Record<string, unknown>)[cls], err.constructor);
    }
  });

  it('gives every error code its own subclass carrying the code', () => {
    for (let code = 2; code <= 27; code++) {
      const e = aisError(code, 'why');
      assert.ok(e instanceof AisError);
      assert.equal(e.code, code);
      assert.match(e.message, /^SA_AIS_ERR_\w+: why$/);
    }
    assert.ok(aisError(SaAisErrorT.SA_AIS_ERR_TRY_AGAIN) instanceof AisTryAgainError);
  });

  it('turns an unknown or OK code from the wire into ERR_LIBRARY', () => {
    assert.equal(aisError(0).code, SaAisErrorT.SA_AIS_ERR_LIBRARY);
    assert.equal(aisError(1).code, SaAisErrorT.SA_AIS_ERR_LIBRARY);
    assert.equal(aisError(999).code, SaAisErrorT.SA_AIS_ERR_LIBRARY);
  });
});
