// groups.conf: every class of error, each with its exact FILE:LINE:COL and text.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, ConfigErrors } from '../../aisexec/config/diagnostics.js';
import { ERRORS_MAX, FILE_BYTES_MAX, loadGroupsConf, parseGroupsConf } from '../../amf/config/groups.js';

/** Lines 1-3 are `group {`, `\tname=g`, `\tmodel=2n`; `body` starts on line 4. */
function group(body: string, extra = ''): string {
  return `group {\n\tname=g\n\tmodel=2n\n${body}\n}\n${extra}`;
}

/** Lines 4..8: `\tunit {` `\t\tname=u` `\t\tcomponent {` `\t\t\tname=c` then `comp` from line 8. */
function component(comp: string): string {
  return group(`\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n${comp}\n\t\t}\n\t}`);
}

function errors(text: string): string[] {
  try {
    parseGroupsConf(text, 'g.conf');
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, `threw ${String(e)}`);
    for (const x of e.errors) assert.ok(x instanceof ConfigError);
    return e.errors.map((x) => x.message);
  }
  assert.fail('expected ConfigErrors, but the text loaded');
}

describe('groups.conf: errors', () => {
  describe('structure', () => {
    it('points a missing "}" at the opening of the block left open', () => {
      assert.deepEqual(errors('group {\n\tname=g\n\tmodel=2n\n\tunit {\n\t\tname=u\n\t}\n'), [
        'g.conf:1:1: expected "}" to close this group block, found the end of the file',
      ]);
      assert.deepEqual(errors('healthcheck {\n\tkey=k\n\tperiod=1\n\tmaximum_duration=1\n\n  group {\n'), [
        'g.conf:1:1: expected "}" to close this healthcheck block, found the end of the file',
        'g.conf:6:3: expected "}" to close this group block, found the end of the file',
        'g.conf:6:3: expected no block inside healthcheck, found "group {" ("group" is a block of the top level)',
      ]);
    });

    it('rejects a stray "}"', () => {
      assert.deepEqual(errors('group {\n\tname=g\n\tmodel=2n\n}\n  }\n'), [
        'g.conf:5:3: expected "group {" or "healthcheck {", found "}" with no block open',
      ]);
    });

    it('rejects text after "}" and after "{" (one statement per line, as openais read it)', () => {
      assert.deepEqual(errors(group('\tunit {\n\t\tname=u\n\t} x')), ['g.conf:6:4: expected nothing after "}" on its line, found "x"']);
      assert.deepEqual(errors(group('\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor { csi_name=a type_name=b }\n\t}')), [
        'g.conf:6:20: expected the end of the line after "csi_descriptor {" (one statement per line), found "csi_name=a type_name=b }"',
      ]);
    });

    it('rejects a line that is no statement, and the openais.conf "key: value" form', () => {
      assert.deepEqual(errors(group('\tthis is junk')), ['g.conf:4:2: expected "key = value", "name {" or "}", found "this is junk"']);
      assert.deepEqual(errors(group('\tname: x')), ['g.conf:4:6: expected "=" after "name" (groups.conf uses key=value), found ":"']);
    });
  });

  describe('unknown keys and blocks', () => {
    it('names an unknown key with "did you mean" from that block\'s keys', () => {
      assert.deepEqual(errors(group('\tnam=x')), ['g.conf:4:2: expected a key of group, found "nam" (did you mean "name"?)']);
      assert.deepEqual(errors(component('\t\t\tcomptyp=sa_aware')), [
        'g.conf:8:4: expected a key of component, found "comptyp" (did you mean "comptype"?)',
      ]);
    });

    it('matches whole words: openais\' substring matching took "xname=" for "name="', () => {
      assert.deepEqual(errors(group('\tunit {\n\t\tname=u\n\t\tunitname=v\n\t}')), [
        'g.conf:6:3: expected a key of unit (name, clccli_path, binary_path, node), found "unitname"',
      ]);
    });

    it('lists the valid keys when nothing is close, and says where the key belongs', () => {
      assert.deepEqual(errors(group('\tperiod=5')), [
        'g.conf:4:2: expected a key of group (name, model, preferred-active-units, preferred-standby-units, ' +
          'maximum-active-instances, maximum-standby-instances, clccli_path, binary_path, component_restart_probation, ' +
          'component_restart_max, unit_restart_probation, unit_restart_max, auto_repair), found "period" ("period" is a key of healthcheck)',
      ]);
    });

    it('tells a block written as a key, and a key written as a block', () => {
      assert.deepEqual(errors('healthcheck {\n\tkey {\n\t}\n\tperiod=1\n\tmaximum_duration=1\n}\n'), [
        'g.conf:1:1: expected "key=" in this healthcheck block, found none',
        'g.conf:2:2: expected no block inside healthcheck, found "key {" (a key here: write "key=...")',
      ]);
      assert.deepEqual(errors(group('\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor=x\n\t}')), [
        'g.conf:6:3: expected a key of serviceinstance (name), found "csi_descriptor" (a block here: write "csi_descriptor {")',
      ]);
    });

    it('names an unknown block with "did you mean" from that block\'s blocks, and skips its contents', () => {
      assert.deepEqual(errors(group('\tunits {\n\t\tname=x\n\t\tbogus=1\n\t}')), [
        'g.conf:4:2: expected a block of group (unit, serviceinstance), found "units {" (did you mean "unit"?)',
      ]);
    });

    it('accepts only group and healthcheck at the top level', () => {
      assert.deepEqual(errors('grop {\n}\nunit {\n}\nname=x\n'), [
        'g.conf:1:1: expected "group {" or "healthcheck {", found "grop {" (did you mean "group"?)',
        'g.conf:3:1: expected "group {" or "healthcheck {", found "unit {" ("unit" is a block of group)',
        'g.conf:5:1: expected "group {" or "healthcheck {", found "name=" ("name" is a key of group, unit, component, csi_type_name, serviceinstance, name_value)',
      ]);
    });

    it('rejects a key given twice in one block (openais kept the last)', () => {
      assert.deepEqual(errors(group('\tmodel=nplusm')), ['g.conf:4:2: expected "model" once in this group block, found it again (first at line 3)']);
    });
  });

  describe('values', () => {
    it('rejects a bad number, a negative one, and one out of range', () => {
      assert.deepEqual(errors(group('\tpreferred-active-units=2x')), ['g.conf:4:25: expected an integer for "preferred-active-units", found "2x"']);
      assert.deepEqual(errors('healthcheck {\n\tkey=k\n\tperiod = -5\n\tmaximum_duration=1\n}\n'), [
        'g.conf:3:11: expected a non-negative integer for "period" (milliseconds), found "-5"',
      ]);
      assert.deepEqual(errors('healthcheck {\n\tkey=k\n\tperiod=0\n\tmaximum_duration=99999999999999999999\n}\n'), [
        'g.conf:3:9: expected "period" from 1 to 2147483647 (milliseconds), found "0"',
        'g.conf:4:19: expected "maximum_duration" from 1 to 2147483647 (milliseconds), found "99999999999999999999"',
      ]);
      assert.deepEqual(errors(group('\tpreferred-active-units=0\n\tmaximum-active-instances=4294967296\n\tunit_restart_max=4294967295')), [
        'g.conf:4:25: expected "preferred-active-units" from 1 to 4294967295, found "0"',
        'g.conf:5:27: expected "maximum-active-instances" from 1 to 4294967295, found "4294967296"',
      ]);
      assert.deepEqual(errors(component('\t\t\tinstantiate_retries=1001\n\t\t\tcallback_timeout=0\n\t\t\tinstantiate_delay=1.5')), [
        'g.conf:8:24: expected "instantiate_retries" from 0 to 1000, found "1001"',
        'g.conf:9:21: expected "callback_timeout" from 1 to 2147483647 (milliseconds), found "0"',
        'g.conf:10:22: expected an integer for "instantiate_delay" (milliseconds), found "1.5"',
      ]);
    });

    it('rejects an unknown redundancy model or comptype, suggesting the close one', () => {
      assert.deepEqual(errors('group {\n\tname=g\n\tmodel=2N\n}\n'), [
        'g.conf:3:8: expected a redundancy model (2n, nplusm, nway, nwayactive, noredundancy), found "2N" (did you mean "2n"?)',
      ]);
      assert.deepEqual(errors(component('\t\t\tcomptype=sa-aware')), [
        'g.conf:8:13: expected a component type (sa_aware, proxied_pre, proxied_non_pre, non_proxied_non_sa_aware), found "sa-aware" (did you mean "sa_aware"?)',
      ]);
    });

    it('rejects an unknown recovery_on_error, suggesting the word meant (also for the C name or the engine name)', () => {
      const words = 'component_restart, component_failover, node_switchover, node_failover, node_failfast, application_restart, cluster_reset, no_recommendation';
      const at = (v: string) => errors(component(`\t\t\trecovery_on_error=${v}`));
      assert.deepEqual(at('component_failvoer'), [`g.conf:8:22: expected a recovery (${words}), found "component_failvoer" (did you mean "component_failover"?)`]);
      assert.deepEqual(at('SA_AMF_COMPONENT_FAILOVER'), [`g.conf:8:22: expected a recovery (${words}), found "SA_AMF_COMPONENT_FAILOVER" (did you mean "component_failover"?)`]);
      assert.deepEqual(at('componentFailover'), [`g.conf:8:22: expected a recovery (${words}), found "componentFailover" (did you mean "component_failover"?)`]);
      assert.deepEqual(at('node-failfast'), [`g.conf:8:22: expected a recovery (${words}), found "node-failfast" (did you mean "node_failfast"?)`]);
      assert.deepEqual(at('Component_Restart'), [`g.conf:8:22: expected a recovery (${words}), found "Component_Restart" (did you mean "component_restart"?)`]);
      assert.deepEqual(at('restart'), [`g.conf:8:22: expected a recovery (${words}), found "restart"`]);
      assert.deepEqual(at(''), [`g.conf:8:22: expected a recovery (${words}), found ""`]);
    });

    it('rejects auto_repair other than yes or no, suggesting the one meant for on/off, true/false and the like', () => {
      const at = (v: string) => errors(group(`\tauto_repair=${v}`));
      assert.deepEqual(at('true'), ['g.conf:4:14: expected yes or no for "auto_repair", found "true" (did you mean "yes"?)']);
      assert.deepEqual(at('OFF'), ['g.conf:4:14: expected yes or no for "auto_repair", found "OFF" (did you mean "no"?)']);
      assert.deepEqual(at('on'), ['g.conf:4:14: expected yes or no for "auto_repair", found "on" (did you mean "yes"?)']);
      assert.deepEqual(at('Yes'), ['g.conf:4:14: expected yes or no for "auto_repair", found "Yes" (did you mean "yes"?)']);
      assert.deepEqual(at('ye'), ['g.conf:4:14: expected yes or no for "auto_repair", found "ye" (did you mean "yes"?)']);
      assert.deepEqual(at('maybe'), ['g.conf:4:14: expected yes or no for "auto_repair", found "maybe"']);
      assert.deepEqual(at(''), ['g.conf:4:14: expected yes or no for "auto_repair", found ""']);
      assert.deepEqual(errors(group('\tauto_repair=yes\n\tauto_repair=no')), ['g.conf:5:2: expected "auto_repair" once in this group block, found it again (first at line 4)']);
    });

    it('says where auto_repair and recovery_on_error belong when written in the wrong block, and suggests them when misspelt', () => {
      assert.deepEqual(errors(group('\trecovery_on_error=component_failover')), [
        'g.conf:4:2: expected a key of group (name, model, preferred-active-units, preferred-standby-units, maximum-active-instances, ' +
          'maximum-standby-instances, clccli_path, binary_path, component_restart_probation, component_restart_max, unit_restart_probation, ' +
          'unit_restart_max, auto_repair), found "recovery_on_error" ("recovery_on_error" is a key of component)',
      ]);
      assert.deepEqual(errors(component('\t\t\tauto_repair=yes')), [
        'g.conf:8:4: expected a key of component (name, comptype, instantiate, terminate, cleanup, am_start, am_stop, clccli_path, binary_path, ' +
          'bn, instantiate_timeout, terminate_timeout, cleanup_timeout, callback_timeout, instantiate_retries, instantiate_delay, ' +
          'recovery_on_error), found "auto_repair" ("auto_repair" is a key of group)',
      ]);
      assert.deepEqual(errors(group('\tautorepair=yes')), ['g.conf:4:2: expected a key of group, found "autorepair" (did you mean "auto_repair"?)']);
      assert.deepEqual(errors(component('\t\t\trecovery_on_eror=node_failover')), [
        'g.conf:8:4: expected a key of component, found "recovery_on_eror" (did you mean "recovery_on_error"?)',
      ]);
    });

    it('rejects a healthcheck key over 32 bytes, counting UTF-8 bytes', () => {
      assert.deepEqual(errors(`healthcheck {\n\tkey=${'k'.repeat(33)}\n\tperiod=1\n\tmaximum_duration=1\n}\n`), [
        'g.conf:2:6: expected a healthcheck key of at most 32 bytes, found 33 bytes',
      ]);
      assert.deepEqual(errors(`healthcheck {\n\tkey=${'é'.repeat(17)}\n\tperiod=1\n\tmaximum_duration=1\n}\n`), [
        'g.conf:2:6: expected a healthcheck key of at most 32 bytes, found 34 bytes',
      ]);
      assert.equal(parseGroupsConf(`healthcheck {\n\tkey=${'k'.repeat(32)}\n\tperiod=1\n\tmaximum_duration=1\n}\n`, 'g.conf').healthchecks.length, 1);
    });

    it('rejects names over openais\' 128 bytes and paths over 1024', () => {
      assert.deepEqual(errors(`group {\n\tname=${'n'.repeat(129)}\n\tmodel=2n\n}\n`), [
        'g.conf:2:7: expected a group (SG) name of at most 128 bytes, found 129 bytes',
      ]);
      assert.equal(parseGroupsConf(`group {\n\tname=${'n'.repeat(128)}\n\tmodel=2n\n}\n`, 'g.conf').sgs.length, 1);
      assert.deepEqual(errors(group(`\tclccli_path=/${'p'.repeat(1024)}`)), ['g.conf:4:14: expected a path of at most 1024 bytes, found 1025 bytes']);
      assert.deepEqual(errors(component(`\t\t\tinstantiate=${'c'.repeat(1025)}`)), [
        'g.conf:8:16: expected a command of at most 1024 bytes, found 1025 bytes',
      ]);
      assert.deepEqual(
        errors(group(`\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor {\n\t\t\tcsi_name=c\n\t\t\ttype_name=t\n\t\t\tname_value {\n\t\t\t\tname=a\n\t\t\t\tvalue=${'v'.repeat(129)}\n\t\t\t}\n\t\t}\n\t}`)),
        [
          'g.conf:8:14: expected a CSI type that a component of group "g" accepts (csi_type_name), found "t"',
          'g.conf:11:11: expected an attribute value of at most 128 bytes, found 129 bytes',
        ],
      );
    });

    it('rejects a name with blanks or DN separators, an empty one, and control characters', () => {
      assert.deepEqual(errors(group('\tunit {\n\t\tname=SU 1\n\t}')), [
        'g.conf:5:10: expected a unit (SU) name without blanks, ",", "=", "{" or "}", found "SU 1"',
      ]);
      assert.deepEqual(errors(group('\tunit {\n\t\tname=a,b\n\t}')), [
        'g.conf:5:9: expected a unit (SU) name without blanks, ",", "=", "{" or "}", found "a,b"',
      ]);
      assert.deepEqual(errors(group('\tunit {\n\t\tname =\n\t}')), ['g.conf:5:9: expected a unit (SU) name after "name=", found nothing']);
      assert.deepEqual(errors(group('\tunit {\n\t\tname=a\u0001b\n\t}')), [
        'g.conf:5:9: expected a unit (SU) name in printable text, found the character U+0001',
      ]);
    });

    it('rejects a node= that is neither a name nor a nodeid from 1', () => {
      assert.deepEqual(errors(group('\tunit {\n\t\tname=u\n\t\tnode=0\n\t}')), ['g.conf:6:8: expected "node" from 1 to 4294967295, found "0"']);
      assert.deepEqual(errors(group('\tunit {\n\t\tname=u\n\t\tnode=\n\t}')), ['g.conf:6:8: expected a node name or nodeid after "node=", found nothing']);
    });

    it('rejects a DN that does not fit an SaNameT, once, at the name that makes it too long', () => {
      const text = `group {\n\tname=${'g'.repeat(128)}\n\tmodel=2n\n\tunit {\n\t\tname=${'u'.repeat(128)}\n\t\tcomponent {\n\t\t\tname=c\n\t\t}\n\t}\n}\n`;
      assert.deepEqual(errors(text), [
        `g.conf:5:8: expected a DN of at most 256 bytes (SaNameT), found 269 bytes in "safSu=${'u'.repeat(54)}..."`,
      ]);
    });
  });

  describe('duplicates', () => {
    it('rejects two SGs of one name, and two healthcheck keys', () => {
      assert.deepEqual(errors('group {\n\tname=g\n\tmodel=2n\n}\ngroup {\n\tname=g\n\tmodel=2n\n}\n'), [
        'g.conf:6:7: expected a unique group (SG) name, found "g" again (first at line 2)',
      ]);
      const hc = 'healthcheck {\n\tkey = k\n\tperiod=1\n\tmaximum_duration=1\n}\n';
      assert.deepEqual(errors(hc + hc), ['g.conf:7:8: expected a unique healthcheck key, found "k" again (first at line 2)']);
    });

    it('rejects two SUs in an SG, two components in an SU, two csi_type_names in a component', () => {
      assert.deepEqual(errors(group('\tunit {\n\t\tname=u\n\t}\n\tunit {\n\t\tname=u\n\t}')), [
        'g.conf:8:8: expected a unique unit (SU) name in group "g", found "u" again (first at line 5)',
      ]);
      assert.deepEqual(errors(component('\t\t}\n\t\tcomponent {\n\t\t\tname=c')), [
        'g.conf:10:9: expected a unique component name in unit "u", found "c" again (first at line 7)',
      ]);
      assert.deepEqual(errors(component('\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}\n\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}')), [
        'g.conf:12:10: expected a unique csi_type_name in component "c", found "t" again (first at line 9)',
      ]);
    });

    it('allows one SU or component name in two SGs or SUs: their DNs differ', () => {
      const sg = (n: string) => `group {\n\tname=${n}\n\tmodel=2n\n\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t}\n\t}\n}\n`;
      const m = parseGroupsConf(sg('a') + sg('b'), 'g.conf');
      assert.deepEqual(
        m.sgs.map((s) => s.sus[0]!.components[0]!.dn),
        ['safComp=c,safSu=u,safSg=a', 'safComp=c,safSu=u,safSg=b'],
      );
    });

    it('rejects two SIs in an SG and two CSIs in an SI', () => {
      assert.deepEqual(errors(group('\tserviceinstance {\n\t\tname=s\n\t}\n\tserviceinstance {\n\t\tname = s\n\t}')), [
        'g.conf:8:10: expected a unique serviceinstance (SI) name in group "g", found "s" again (first at line 5)',
      ]);
      const csi = '\t\tcsi_descriptor {\n\t\t\tcsi_name=x\n\t\t\ttype_name=t\n\t\t}\n';
      const text = group(
        `\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}\n\t\t}\n\t}\n\tserviceinstance {\n\t\tname=s\n${csi}${csi}\t}`,
      );
      assert.deepEqual(errors(text), ['g.conf:20:13: expected a unique csi_name in serviceinstance "s", found "x" again (first at line 16)']);
    });
  });

  describe('references', () => {
    const sg = (types: string, csiType: string) =>
      group(
        `\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n${types}\n\t\t}\n\t}\n` +
          `\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor {\n\t\t\tcsi_name=x\n\t\t\ttype_name=${csiType}\n\t\t}\n\t}`,
      );

    it('points a CSI whose type no component of the SG accepts at its type_name', () => {
      assert.deepEqual(errors(sg('\t\t\tcsi_type_name {\n\t\t\t\tname=for_comp_b\n\t\t\t}', 'for_comp_c')), [
        'g.conf:17:14: expected a CSI type that a component of group "g" accepts (csi_type_name), found "for_comp_c"',
      ]);
    });

    it('matches CSI types exactly, and says so where openais\' prefix match would have matched', () => {
      assert.deepEqual(errors(sg('\t\t\tcsi_type_name {\n\t\t\t\tname=for_comp_a_x\n\t\t\t}', 'for_comp_a')), [
        'g.conf:17:14: expected a CSI type that a component of group "g" accepts (csi_type_name), found "for_comp_a"; ' +
          'openais matched type names by prefix ("for_comp_a_x"), Ringfort matches them exactly',
      ]);
    });

    it('does not look for a CSI type in another SG', () => {
      const other = 'group {\n\tname=h\n\tmodel=2n\n\tunit {\n\t\tname=u\n\t\tcomponent {\n\t\t\tname=c\n\t\t\tcsi_type_name {\n\t\t\t\tname=t\n\t\t\t}\n\t\t}\n\t}\n}\n';
      assert.deepEqual(errors(sg('', 't') + other), [
        'g.conf:15:14: expected a CSI type that a component of group "g" accepts (csi_type_name), found "t"',
      ]);
    });
  });

  describe('required keys', () => {
    it('requires name and model in a group, name in a unit, component and serviceinstance', () => {
      assert.deepEqual(errors('group {\n}\n'), [
        'g.conf:1:1: expected "name=" in this group block, found none',
        'g.conf:1:1: expected "model=" in this group block, found none',
      ]);
      assert.deepEqual(errors(group('\tunit {\n\t\tcomponent {\n\t\t}\n\t}\n\tserviceinstance {\n\t}')), [
        'g.conf:4:2: expected "name=" in this unit block, found none',
        'g.conf:5:3: expected "name=" in this component block, found none',
        'g.conf:8:2: expected "name=" in this serviceinstance block, found none',
      ]);
    });

    it('requires csi_name and type_name in a csi_descriptor, name and value in a name_value, name in a csi_type_name', () => {
      assert.deepEqual(errors(group('\tserviceinstance {\n\t\tname=s\n\t\tcsi_descriptor {\n\t\t\tname_value {\n\t\t\t}\n\t\t}\n\t}')), [
        'g.conf:6:3: expected "csi_name=" in this csi_descriptor block, found none',
        'g.conf:6:3: expected "type_name=" in this csi_descriptor block, found none',
        'g.conf:7:4: expected "name=" in this name_value block, found none',
        'g.conf:7:4: expected "value=" in this name_value block, found none',
      ]);
      assert.deepEqual(errors(component('\t\t\tcsi_type_name {\n\t\t\t}')), ['g.conf:8:4: expected "name=" in this csi_type_name block, found none']);
    });

    it('requires key, period and maximum_duration in a healthcheck', () => {
      assert.deepEqual(errors('\nhealthcheck {\n}\n'), [
        'g.conf:2:1: expected "key=" in this healthcheck block, found none',
        'g.conf:2:1: expected "period=" in this healthcheck block, found none',
        'g.conf:2:1: expected "maximum_duration=" in this healthcheck block, found none',
      ]);
    });
  });

  describe('reporting', () => {
    it('reports every error of a file in one ConfigErrors, in file order, with file, line and col', () => {
      const text = 'healthcheck {\n\tkey=k\n\tperiod=x\n\tmaximum_duration=1\n}\ngroup {\n\tname=g\n\tmodel=3n\n\tbogus=1\n}\n}\n';
      try {
        parseGroupsConf(text, 'dir/g.conf');
        assert.fail('loaded');
      } catch (e) {
        assert.ok(e instanceof ConfigErrors);
        assert.deepEqual(
          e.errors.map((x) => [x.file, x.line, x.col]),
          [
            ['dir/g.conf', 3, 9],
            ['dir/g.conf', 8, 8],
            ['dir/g.conf', 9, 2],
            ['dir/g.conf', 11, 1],
          ],
        );
        assert.equal(e.message.split('\n').length, 4);
        assert.equal(e.errors[1]!.detail, 'expected a redundancy model (2n, nplusm, nway, nwayactive, noredundancy), found "3n" (did you mean "2n"?)');
      }
    });

    it(`cuts a long report at ${ERRORS_MAX} errors, the last one saying how many were left out`, () => {
      const msgs = errors('}\n'.repeat(150));
      assert.equal(msgs.length, ERRORS_MAX);
      assert.equal(msgs[ERRORS_MAX - 1], `g.conf:100:1: expected at most ${ERRORS_MAX} errors, found 150; the 51 from here on are not shown`);
    });

    it('refuses a file over 4 MiB, and a directory, at FILE:1:1', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groups-'));
      try {
        const f = path.join(dir, 'big.conf');
        fs.writeFileSync(f, '');
        fs.truncateSync(f, FILE_BYTES_MAX + 1); // sparse: costs no disk
        assert.throws(
          () => loadGroupsConf(f),
          (e: unknown) => e instanceof ConfigErrors && e.message === `${f}:1:1: expected a file of at most 4194304 bytes, found 4194305 bytes`,
        );
        assert.throws(
          () => loadGroupsConf(dir),
          (e: unknown) => e instanceof ConfigErrors && e.message.startsWith(`${dir}:1:1: expected a readable file, found EISDIR (`),
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('reports a file that is not UTF-8 at the first bad byte', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groups-'));
      try {
        const f = path.join(dir, 'groups.conf');
        fs.writeFileSync(f, Buffer.concat([Buffer.from('group {\n\tname=a'), Buffer.from([0xff]), Buffer.from('\n')]));
        assert.throws(
          () => loadGroupsConf(f),
          (e: unknown) => e instanceof ConfigErrors && e.message === `${f}:2:8: expected UTF-8 text, found a byte sequence that is not UTF-8`,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
