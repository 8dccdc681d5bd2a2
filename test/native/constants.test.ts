// The C headers and the TypeScript catalogs agree (style.md: "the C header and
// the TypeScript catalog agree by a test"): every enumerator and constant the
// TypeScript side defines is compiled into a C program against
// native/include, and the values the C compiler prints must be the same.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as amf from '../../lib-ais/amf-types.js';
import * as clm from '../../lib-ais/clm-types.js';
import { SaAisErrorT } from '../../lib-ais/errors.js';
import { NATIVE } from '../helpers/native.js';

/** Name -> value of a TypeScript numeric enum (without the reverse mapping). */
function members(e: object): Array<[string, number]> {
  return Object.entries(e).filter((kv): kv is [string, number] => typeof kv[1] === 'number');
}

const CATALOG: Array<[string, number]> = [
  ...members(SaAisErrorT),
  ...members(amf.SaAmfHAStateT),
  ...members(amf.SaAmfReadinessStateT),
  ...members(amf.SaAmfPresenceStateT),
  ...members(amf.SaAmfOperationalStateT),
  ...members(amf.SaAmfAdminStateT),
  ...members(amf.SaAmfHealthcheckInvocationT),
  ...members(amf.SaAmfRecommendedRecoveryT),
  ...members(amf.SaAmfPmStopQualifierT),
  ...members(amf.SaAmfCSITransitionDescriptorT),
  ...members(amf.SaAmfProtectionGroupChangesT),
  ...(Object.entries(amf) as Array<[string, unknown]>).filter((kv): kv is [string, number] => /^SA_[A-Z0-9_]+$/.test(kv[0]) && typeof kv[1] === 'number'),
  ...members(clm.SaClmNodeAddressFamilyT),
  ...members(clm.SaClmClusterChangesT),
  ...(Object.entries(clm) as Array<[string, unknown]>).filter((kv): kv is [string, number] => /^SA_[A-Z0-9_]+$/.test(kv[0]) && typeof kv[1] === 'number'),
];

describe('C headers and TypeScript catalogs', function () {
  this.timeout(20000);

  it(`give the same value to each of the ${CATALOG.length} SA Forum enumerators and constants`, () => {
    assert.ok(CATALOG.length > 60, `catalog has ${CATALOG.length} entries`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringfort-constants-'));
    try {
      const src = path.join(dir, 'constants.c');
      fs.writeFileSync(src, [
        '#include <stdio.h>',
        '#include <saAis.h>',
        '#include <saAmf.h>',
        '#include <saClm.h>',
        'int main(void) {',
        ...CATALOG.map(([name]) => `\tprintf("%s %lld\\n", "${name}", (long long)(${name}));`),
        '\treturn 0;',
        '}',
      ].join('\n'));
      const bin = path.join(dir, 'constants');
      execFileSync('gcc', ['-Wall', '-Werror', '-I', path.join(NATIVE, 'include'), src, '-o', bin], { stdio: ['ignore', 'pipe', 'pipe'] });
      const fromC = new Map(execFileSync(bin, { encoding: 'utf8' }).trim().split('\n').map((l) => {
        const [name, value] = l.split(' ');
        return [name!, Number(value)] as const;
      }));
      for (const [name, value] of CATALOG) assert.equal(fromC.get(name), value, `${name}: C says ${fromC.get(name)}, TypeScript says ${value}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
