// groups.conf: the forms openais accepted, the fixtures of openais' own files,
// the default conf/groups.conf, and the model they produce.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigErrors } from '../../aisexec/config/diagnostics.js';
import { loadGroupsConf, parseGroupsConf } from '../../amf/config/groups.js';
import { SHAPES } from '../../amf/config/groups-schema.js';
import { DEFAULTS, acceptsCsi, clcCommandPath, type AmfModel } from '../../amf/model.js';

const FIX = 'test/fixtures/groups';

/** A minimal valid group around `body` (lines inside `group { }`). */
function group(body: string, extra = ''): string {
  return `group {\n\tname=g\n\tmodel=2n\n${body}\n}\n${extra}`;
}

function parse(text: string): AmfModel {
  return parseGroupsConf(text, '/etc/ais/groups.conf');
}

describe('groups.conf: accepted forms', () => {
  it('reads key=value with or without blanks around "=", and "name = SI_1" as in the openais sample', () => {
    const m = parse(
      group('\tunit {\n\t\tname=SU_1\n\t}\n\tunit {\n\t\tname =SU_2\n\t}\n\tunit {\n\t\tname= SU_3\n\t}\n\tserviceinstance {\n\t\tname = SI_1\n\t}'),
    );
    assert.deepEqual(
      m.sgs[0]!.sus.map((s) => s.name),
      ['SU_1', 'SU_2', 'SU_3'],
    );
    assert.equal(m.sgs[0]!.sis[0]!.name, 'SI_1');
  });

  it('opens blocks with "word {" or "word{", and closes them with an indented "}"', () => {
    const m = parse('group{\nname=g\nmodel=2n\n    unit{\n    name=u\n        }\n  }\n');
    assert.equal(m.sgs[0]!.sus[0]!.name, 'u');
  });

  it('skips "#" comments in column 0 and indented, blank lines, trailing blanks, CRLF and a BOM', () => {
    const text = '\uFEFF# head\r\n\r\n  \t \r\ngroup {  \r\n\t# indented comment\r\n\tname=g\t \r\n\tmodel=nplusm\r\n}\r\n';
    const m = parse(text);
    assert.equal(m.sgs[0]!.name, 'g');
    assert.equal(m.sgs[0]!.redundancyModel, 'nplusm');
  });

  it('keeps "#" inside a value, as openais did (a comment starts only a line)', () => {
    const m = parse(group('\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor {\n\t\t\tcsi_name=c\n\t\t\ttype_name=t\n\t\t\tname_value {\n\t\t\t\tname=a\n\t\t\t\tvalue=x # y\n\t\t\t}\n\t\t}\n\t}\n\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=k\n\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}\n\t\t}\n\t}'));
    assert.equal(m.sgs[0]!.sis[0]!.csis[0]!.attributes[0]!.value, 'x # y');
  });

  it('reads a file without a final newline, and an empty file as an empty model', () => {
    assert.equal(parse('group {\nname=g\nmodel=2n\n}').sgs.length, 1);
    assert.deepEqual(parse(''), { sgs: [], healthchecks: [] });
    assert.deepEqual(parse('# only a comment\n\n'), { sgs: [], healthchecks: [] });
  });

  it('accepts all five redundancy models (openais refused nway and nwayactive)', () => {
    for (const model of ['2n', 'nplusm', 'nway', 'nwayactive', 'noredundancy'] as const) {
      assert.equal(parse(`group {\nname=g\nmodel=${model}\n}\n`).sgs[0]!.redundancyModel, model);
    }
  });

  it('reads every comptype by its exact word: non_proxied_non_sa_aware is not sa_aware', () => {
    for (const t of ['sa_aware', 'proxied_pre', 'proxied_non_pre', 'non_proxied_non_sa_aware'] as const) {
      const m = parse(group(`\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tcomptype=${t}\n\t\t}\n\t}`));
      assert.equal(m.sgs[0]!.sus[0]!.components[0]!.category, t);
    }
  });

  it('fills in documented defaults for what openais left unset', () => {
    const m = parse(group('\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t}\n\t}\n\tserviceinstance {\n\t\tname=a\n\t}\n\tserviceinstance {\n\t\tname=b\n\t}\n\tserviceinstance {\n\t\tname=c\n\t}'));
    const sg = m.sgs[0]!;
    assert.equal(sg.preferredActiveUnits, 1);
    assert.equal(sg.preferredStandbyUnits, 1);
    assert.equal(sg.maximumActiveInstances, 3, 'no per-SU limit: the SG has 3 SIs');
    assert.equal(sg.maximumStandbyInstances, 3);
    assert.equal(sg.componentRestartProbationMs, DEFAULTS.componentRestartProbationMs);
    assert.equal(sg.componentRestartMax, DEFAULTS.componentRestartMax);
    assert.equal(sg.unitRestartProbationMs, DEFAULTS.unitRestartProbationMs);
    assert.equal(sg.unitRestartMax, DEFAULTS.unitRestartMax);
    assert.equal(sg.autoRepair, false, 'openais did not repair');
    const su = sg.sus[0]!;
    assert.equal(su.node, undefined);
    const c = su.components[0]!;
    assert.equal(c.category, 'sa_aware');
    assert.deepEqual(c.commands, {});
    assert.equal(c.clcCliPath, '/etc/ais', 'no clccli_path anywhere: the directory of groups.conf');
    assert.equal(c.binaryPath, '/etc/ais');
    assert.equal(c.binaryName, undefined);
    assert.deepEqual(c.csiTypes, []);
    assert.equal(c.instantiateTimeoutMs, 10_000);
    assert.equal(c.terminateTimeoutMs, 10_000);
    assert.equal(c.cleanupTimeoutMs, 10_000);
    assert.equal(c.callbackTimeoutMs, 10_000);
    assert.equal(c.instantiateRetries, 2);
    assert.equal(c.instantiateDelayMs, 0);
    assert.equal(c.recoveryOnError, 'componentRestart');
  });

  it('defaults maximum-*-instances to 1 for an SG without SIs', () => {
    const sg = parse(group('')).sgs[0]!;
    assert.equal(sg.maximumActiveInstances, 1);
    assert.equal(sg.maximumStandbyInstances, 1);
  });

  it('takes clccli_path and binary_path from the component, else the SU, else the SG; relative ones against the file', () => {
    const m = parseGroupsConf(
      group(
        [
          '\tclccli_path=sg/clc',
          '\tbinary_path=/sg/bin',
          '\tunit {',
          '\t\tname=u1',
          '\t\tclccli_path=/u1/clc',
          '\t\tcomponent {',
          '\t\t\tname=own',
          '\t\t\tclccli_path=../own/clc',
          '\t\t\tbinary_path=/own/bin',
          '\t\t}',
          '\t\tcomponent {',
          '\t\t\tname=from_su',
          '\t\t}',
          '\t}',
          '\tunit {',
          '\t\tname=u2',
          '\t\tcomponent {',
          '\t\t\tname=from_sg',
          '\t\t}',
          '\t}',
        ].join('\n'),
      ),
      'conf/groups.conf',
      { baseDir: '/opt/app/conf' },
    );
    const [own, fromSu] = m.sgs[0]!.sus[0]!.components;
    const fromSg = m.sgs[0]!.sus[1]!.components[0]!;
    assert.equal(own!.clcCliPath, '/opt/app/own/clc');
    assert.equal(own!.binaryPath, '/own/bin');
    assert.equal(fromSu!.clcCliPath, '/u1/clc');
    assert.equal(fromSu!.binaryPath, '/sg/bin');
    assert.equal(fromSg.clcCliPath, '/opt/app/conf/sg/clc');
    assert.equal(fromSg.binaryPath, '/sg/bin');
  });

  it('reads the node= extension as a nodelist name or a nodeid', () => {
    const m = parse(group('\tunit {\n\t\tname=a\n\t\tnode=node1.example.com\n\t}\n\tunit {\n\t\tname=b\n\t\tnode=3\n\t}'));
    assert.deepEqual(m.sgs[0]!.sus[0]!.node, { kind: 'name', name: 'node1.example.com' });
    assert.deepEqual(m.sgs[0]!.sus[1]!.node, { kind: 'nodeid', nodeid: 3 });
  });

  it('reads the component timeout extensions in ms, and instantiate_retries', () => {
    const c = parse(
      group(
        '\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tinstantiate_timeout=1\n\t\t\tterminate_timeout=2\n\t\t\tcleanup_timeout=3\n\t\t\tcallback_timeout=4\n\t\t\tinstantiate_retries=0\n\t\t\tinstantiate_delay=2147483647\n\t\t}\n\t}',
      ),
    ).sgs[0]!.sus[0]!.components[0]!;
    assert.deepEqual(
      [c.instantiateTimeoutMs, c.terminateTimeoutMs, c.cleanupTimeoutMs, c.callbackTimeoutMs, c.instantiateRetries, c.instantiateDelayMs],
      [1, 2, 3, 4, 0, 2147483647],
    );
  });

  it('reads every recovery_on_error word as the recovery it names', () => {
    const want = {
      component_restart: 'componentRestart', component_failover: 'componentFailover', node_switchover: 'nodeSwitchover',
      node_failover: 'nodeFailover', node_failfast: 'nodeFailfast', application_restart: 'applicationRestart',
      cluster_reset: 'clusterReset', no_recommendation: 'noRecommendation',
    } as const;
    for (const [word, recovery] of Object.entries(want)) {
      const m = parse(group(`\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\trecovery_on_error = ${word}\n\t\t}\n\t}`));
      assert.equal(m.sgs[0]!.sus[0]!.components[0]!.recoveryOnError, recovery, word);
    }
  });

  it('reads auto_repair=yes and auto_repair=no per group', () => {
    const m = parse(`${group('\tauto_repair=yes')}group {\n\tname=h\n\tmodel=2n\n\tauto_repair=no\n}\ngroup {\n\tname=i\n\tmodel=2n\n}\n`);
    assert.deepEqual(m.sgs.map((g) => [g.name, g.autoRepair]), [['g', true], ['h', false], ['i', false]]);
  });

  it('keeps CSI attributes in file order, an empty value included, and allows a repeated attribute name', () => {
    const m = parse(
      group(
        '\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}\n\t\t}\n\t}\n' +
          '\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor {\n\t\t\tcsi_name=x\n\t\t\ttype_name=t\n' +
          '\t\t\tname_value {\n\t\t\t\tname=z\n\t\t\t\tvalue=1\n\t\t\t}\n' +
          '\t\t\tname_value {\n\t\t\t\tvalue=\n\t\t\t\tname=a\n\t\t\t}\n' +
          '\t\t\tname_value {\n\t\t\t\tname=z\n\t\t\t\tvalue=two words\n\t\t\t}\n\t\t}\n\t}',
      ),
    );
    assert.deepEqual(m.sgs[0]!.sis[0]!.csis[0]!.attributes, [
      { name: 'z', value: '1' },
      { name: 'a', value: '' },
      { name: 'z', value: 'two words' },
    ]);
  });

  it('returns a deeply frozen model', () => {
    const m = loadGroupsConf(`${FIX}/openais-early.conf`);
    assert.ok(Object.isFrozen(m));
    assert.ok(Object.isFrozen(m.sgs[0]!.sus[0]!.components[0]!.csiTypes));
    assert.ok(Object.isFrozen(m.sgs[0]!.sis[0]!.csis[0]!.attributes[0]!));
    assert.ok(Object.isFrozen(m.healthchecks));
  });
});

describe('groups.conf: openais files', () => {
  it('loads the EARLY (0.74) conf/groups.conf into 1 SG, 4 SUs of 2 components, 2 SIs of 3 CSIs, 3 keys', () => {
    const m = loadGroupsConf(`${FIX}/openais-early.conf`);
    assert.equal(m.sgs.length, 1);
    const sg = m.sgs[0]!;
    assert.deepEqual(
      { name: sg.name, dn: sg.dn, model: sg.redundancyModel },
      { name: 'raid', dn: 'safSg=raid', model: 'nplusm' },
    );
    assert.deepEqual(
      [sg.preferredActiveUnits, sg.maximumActiveInstances, sg.preferredStandbyUnits, sg.maximumStandbyInstances],
      [2, 2, 2, 4],
    );
    assert.deepEqual(
      [sg.componentRestartProbationMs, sg.componentRestartMax, sg.unitRestartProbationMs, sg.unitRestartMax],
      [100000, 4, 200000, 6],
    );
    assert.deepEqual(
      sg.sus.map((s) => s.name),
      ['SU_1', 'SU_2', 'SU_3', 'SU_4'],
    );
    for (const [i, su] of sg.sus.entries()) {
      const n = i + 1;
      assert.equal(su.dn, `safSu=SU_${n},safSg=raid`);
      assert.deepEqual(
        su.components.map((c) => [c.name, c.dn, c.csiTypes]),
        [
          [`comp_a_in_su_${n}`, `safComp=comp_a_in_su_${n},safSu=SU_${n},safSg=raid`, ['for_comp_a_x', 'for_comp_a_y']],
          [`comp_b_in_su_${n}`, `safComp=comp_b_in_su_${n},safSu=SU_${n},safSg=raid`, ['for_comp_b']],
        ],
      );
      for (const c of su.components) {
        assert.equal(c.category, 'sa_aware');
        assert.equal(c.binaryName, 'testamf1');
        assert.equal(c.clcCliPath, '/tmp/trunktest/test');
        assert.equal(c.binaryPath, '/tmp/trunktest/test');
        assert.deepEqual(c.commands, { instantiate: 'clc_cli_script', terminate: 'clc_cli_script', cleanup: 'clc_cli_script' });
        assert.equal(clcCommandPath(c, 'instantiate'), '/tmp/trunktest/test/clc_cli_script');
        assert.equal(clcCommandPath(c, 'amStart'), undefined);
      }
    }
    assert.deepEqual(
      sg.sis.map((si) => [si.name, si.dn, si.csis.map((c) => [c.name, c.typeName])]),
      [
        [
          'SI_1',
          'safSi=SI_1,safSg=raid',
          [
            ['csi_ax_in_si_1', 'for_comp_a_x'],
            ['csi_ay_in_si_1', 'for_comp_a_y'],
            ['csi_b_in_si_1', 'for_comp_b'],
          ],
        ],
        [
          'SI_2',
          'safSi=SI_2,safSg=raid',
          [
            ['csi_ax_in_si_2', 'for_comp_a_x'],
            ['csi_b_in_si_2', 'for_comp_b'],
            ['csi_ay_in_si_2', 'for_comp_a_y'],
          ],
        ],
      ],
    );
    const ax1 = sg.sis[0]!.csis[0]!;
    assert.equal(ax1.dn, 'safCsi=csi_ax_in_si_1,safSi=SI_1,safSg=raid');
    assert.deepEqual(ax1.attributes, [
      { name: 'good_health_limit', value: '0' },
      { name: 'ax_attr2', value: 'ax1_val2' },
    ]);
    assert.deepEqual(sg.sis[1]!.csis[0]!.attributes[0], { name: 'good_health_limit', value: '10' });
    // Which components take which CSI: comp_a takes the ax and ay CSIs, comp_b the b CSI.
    const [compA, compB] = sg.sus[0]!.components;
    assert.deepEqual(
      sg.sis[0]!.csis.map((csi) => [acceptsCsi(compA!, csi), acceptsCsi(compB!, csi)]),
      [
        [true, false],
        [true, false],
        [false, true],
      ],
    );
    assert.deepEqual(m.healthchecks, [
      { key: 'key1', periodMs: 500, maximumDurationMs: 550 },
      { key: 'key2', periodMs: 2000, maximumDurationMs: 250 },
      { key: 'key3', periodMs: 3000, maximumDurationMs: 350 },
    ]);
  });

  it('loads the JAN06 conf/groups.conf: 5 SUs, 10 components, 3 SIs by name only', () => {
    const m = loadGroupsConf(`${FIX}/openais-jan06.conf`);
    const sg = m.sgs[0]!;
    assert.equal(sg.preferredActiveUnits, 3);
    assert.equal(sg.maximumActiveInstances, 3);
    assert.equal(sg.sus.length, 5);
    assert.equal(sg.sus.flatMap((s) => s.components).length, 10);
    assert.ok(sg.sus.every((s) => s.components.every((c) => c.csiTypes.length === 0 && c.clcCliPath === '/home/sdake/amfb-dec/test')));
    assert.deepEqual(
      sg.sis.map((s) => [s.name, s.csis.length]),
      [
        ['siaa', 0],
        ['sibb', 0],
        ['sicc', 0],
      ],
    );
  });

  it('loads the default conf/groups.conf, with its paths under the repository', () => {
    const m = loadGroupsConf('conf/groups.conf');
    const sg = m.sgs[0]!;
    assert.deepEqual([sg.name, sg.redundancyModel, sg.sus.length, sg.sis.length], ['demo', '2n', 2, 1]);
    const clc = path.resolve('examples/clc');
    for (const su of sg.sus) {
      assert.equal(su.components.length, 1);
      const c = su.components[0]!;
      assert.equal(c.category, 'sa_aware');
      assert.equal(c.clcCliPath, clc);
      assert.equal(clcCommandPath(c, 'cleanup'), path.join(clc, 'clc_cli_script'));
      assert.deepEqual(c.csiTypes, ['demo_csi_type']);
    }
    const csi = sg.sis[0]!.csis[0]!;
    assert.equal(csi.attributes.length, 2);
    assert.deepEqual(m.healthchecks, [{ key: 'default', periodMs: 1000, maximumDurationMs: 500 }]);
  });

  it('reports a missing file as one ConfigError at FILE:1:1', () => {
    assert.throws(
      () => loadGroupsConf(`${FIX}/no-such.conf`),
      (e: unknown) =>
        e instanceof ConfigErrors &&
        e.errors.length === 1 &&
        e.message.startsWith(`${FIX}/no-such.conf:1:1: expected a readable file, found ENOENT (`),
    );
  });

  it('keeps an absolute command as it is (openais EARLY prefixed clccli_path even then)', () => {
    const c = parse(group('\tclccli_path=/p\n\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tinstantiate=/usr/bin/x\n\t\t\tcleanup=sub/y\n\t\t}\n\t}')).sgs[0]!
      .sus[0]!.components[0]!;
    assert.equal(clcCommandPath(c, 'instantiate'), '/usr/bin/x');
    assert.equal(clcCommandPath(c, 'cleanup'), '/p/sub/y');
  });
});

describe('groups.conf: docs/groups-conf.md', () => {
  it('documents exactly the keys and blocks the loader accepts, block by block', () => {
    const doc = fs.readFileSync('docs/groups-conf.md', 'utf8');
    for (const [kind, shape] of Object.entries(SHAPES)) {
      if (kind === 'top') continue;
      const start = doc.indexOf(`### \`${kind} {}\``);
      assert.ok(start >= 0, `no section for ${kind}`);
      const end = doc.indexOf('\n#', start + 1);
      const rows = doc
        .slice(start, end < 0 ? undefined : end)
        .split('\n')
        .map((l) => /^\| `([a-z_.-]+)` \| (\w+)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null);
      assert.deepEqual(
        rows.filter((m) => m[2] !== 'block').map((m) => m[1]).sort(),
        [...shape.keys].sort(),
        `keys of ${kind}`,
      );
      assert.deepEqual(
        rows.filter((m) => m[2] === 'block').map((m) => m[1]).sort(),
        [...shape.blocks.keys()].sort(),
        `blocks of ${kind}`,
      );
    }
  });
});
