// Which keys and blocks each groups.conf block holds, and the generic check of
// one block against that: unknown words (with "did you mean"), repeated keys,
// missing required keys. The typed meaning of each key is in groups.ts.
import { didYouMean } from '../../aisexec/config/diagnostics.js';
import { show, type BlockEntry, type KeyEntry } from './groups-syntax.js';
import type { Ctx } from './groups-values.js';

export type Kind =
  | 'top'
  | 'group'
  | 'unit'
  | 'component'
  | 'csi_type_name'
  | 'serviceinstance'
  | 'csi_descriptor'
  | 'name_value'
  | 'healthcheck';

interface Shape {
  readonly keys: readonly string[];
  readonly blocks: ReadonlyMap<string, Kind>;
  readonly required: readonly string[];
}

/** Ringfort extensions are marked; everything else is what openais EARLY read. */
export const SHAPES: Readonly<Record<Kind, Shape>> = {
  top: { keys: [], blocks: new Map<string, Kind>([['group', 'group'], ['healthcheck', 'healthcheck']]), required: [] },
  group: {
    keys: [
      'name',
      'model',
      'preferred-active-units',
      'preferred-standby-units',
      'maximum-active-instances',
      'maximum-standby-instances',
      'clccli_path',
      'binary_path',
      'component_restart_probation',
      'component_restart_max',
      'unit_restart_probation',
      'unit_restart_max',
      'auto_repair', // extension
    ],
    blocks: new Map<string, Kind>([['unit', 'unit'], ['serviceinstance', 'serviceinstance']]),
    required: ['name', 'model'],
  },
  unit: {
    keys: ['name', 'clccli_path', 'binary_path', 'node' /* extension */],
    blocks: new Map<string, Kind>([['component', 'component']]),
    required: ['name'],
  },
  component: {
    keys: [
      'name',
      'comptype',
      'instantiate',
      'terminate',
      'cleanup',
      'am_start',
      'am_stop',
      'clccli_path',
      'binary_path',
      'bn',
      // extensions:
      'instantiate_timeout',
      'terminate_timeout',
      'cleanup_timeout',
      'callback_timeout',
      'instantiate_retries',
      'instantiate_delay',
      'recovery_on_error',
    ],
    blocks: new Map<string, Kind>([['csi_type_name', 'csi_type_name']]),
    required: ['name'],
  },
  csi_type_name: { keys: ['name'], blocks: new Map(), required: ['name'] },
  serviceinstance: {
    keys: ['name'],
    blocks: new Map<string, Kind>([['csi_descriptor', 'csi_descriptor']]),
    required: ['name'],
  },
  csi_descriptor: {
    keys: ['csi_name', 'type_name'],
    blocks: new Map<string, Kind>([['name_value', 'name_value']]),
    required: ['csi_name', 'type_name'],
  },
  name_value: { keys: ['name', 'value'], blocks: new Map(), required: ['name', 'value'] },
  healthcheck: { keys: ['key', 'period', 'maximum_duration'], blocks: new Map(), required: ['key', 'period', 'maximum_duration'] },
};

export interface Collected {
  readonly keys: ReadonlyMap<string, KeyEntry>;
  readonly children: readonly { readonly kind: Kind; readonly block: BlockEntry }[];
}

const KINDS = Object.keys(SHAPES) as Kind[];

/** ` ("x" is a key of healthcheck)` when a word with no close match is valid in other blocks. */
function elsewhere(word: string, asKey: boolean, here: Kind): string {
  const homes = KINDS.filter((k) => k !== here && (asKey ? SHAPES[k].keys.includes(word) : SHAPES[k].blocks.has(word)));
  if (homes.length === 0) return '';
  const where = homes.map((k) => (k === 'top' ? 'the top level' : k)).join(', ');
  return ` (${show(word)} is a ${asKey ? 'key' : 'block'} of ${where})`;
}

function unknownKey(ctx: Ctx, e: KeyEntry, block: BlockEntry, kind: Kind): void {
  const shape = SHAPES[kind];
  if (kind === 'top') {
    ctx.error(e.keyPos, `expected "group {" or "healthcheck {", found ${show(`${e.key}=`)}${elsewhere(e.key, true, kind)}`);
    return;
  }
  const list = ` (${shape.keys.join(', ')})`;
  if (shape.blocks.has(e.key)) {
    ctx.error(e.keyPos, `expected a key of ${block.word}${list}, found ${show(e.key)} (a block here: write "${e.key} {")`);
    return;
  }
  const mean = didYouMean(e.key, shape.keys);
  if (mean !== '') ctx.error(e.keyPos, `expected a key of ${block.word}, found ${show(e.key)}${mean}`);
  else ctx.error(e.keyPos, `expected a key of ${block.word}${list}, found ${show(e.key)}${elsewhere(e.key, true, kind)}`);
}

function unknownBlock(ctx: Ctx, b: BlockEntry, parent: BlockEntry, kind: Kind): void {
  const shape = SHAPES[kind];
  const names = [...shape.blocks.keys()];
  const found = show(`${b.word} {`);
  let hint: string;
  if (shape.keys.includes(b.word)) hint = ` (a key here: write "${b.word}=...")`;
  else hint = didYouMean(b.word, names) || elsewhere(b.word, false, kind);
  if (kind === 'top') ctx.error(b.pos, `expected "group {" or "healthcheck {", found ${found}${hint}`);
  else if (names.length === 0) ctx.error(b.pos, `expected no block inside ${parent.word}, found ${found}${hint}`);
  else ctx.error(b.pos, `expected a block of ${parent.word} (${names.join(', ')}), found ${found}${hint}`);
}

/**
 * Check one block's entries against its shape: report unknown keys and blocks
 * (whose contents are then skipped), repeated keys and missing required keys.
 */
export function collect(ctx: Ctx, block: BlockEntry, kind: Kind): Collected {
  const shape = SHAPES[kind];
  const keys = new Map<string, KeyEntry>();
  const children: { kind: Kind; block: BlockEntry }[] = [];
  for (const e of block.entries) {
    if (e.kind === 'key') {
      if (!shape.keys.includes(e.key)) unknownKey(ctx, e, block, kind);
      else {
        const first = keys.get(e.key);
        if (first === undefined) keys.set(e.key, e);
        else ctx.error(e.keyPos, `expected "${e.key}" once in this ${block.word} block, found it again (first at line ${first.keyPos.line})`);
      }
    } else {
      const child = shape.blocks.get(e.word);
      if (child === undefined) unknownBlock(ctx, e, block, kind);
      else children.push({ kind: child, block: e });
    }
  }
  // A block written on one line already has its error; its keys were never read (nor were they by openais).
  if (block.inline) return { keys, children };
  for (const r of shape.required) {
    if (!keys.has(r)) ctx.error(block.pos, `expected "${r}=" in this ${block.word} block, found none`);
  }
  return { keys, children };
}
