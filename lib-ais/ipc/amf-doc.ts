// Renders the AMF message tables of docs/ipc-protocol.md from the schemas in
// amf.ts; a test checks that the document holds exactly this text.
import { AMF_CB, AMF_REQ, AMF_RES, type FieldType, type MessageDef } from './amf.js';

const SIZES: Record<FieldType, number | undefined> = { u32: 4, i32: 4, u64: 8, i64: 8, name: 258, hckey: 34, attrs: undefined, pgitems: undefined };
const TYPE_TEXT: Record<FieldType, string> = {
  u32: 'u32', i32: 'i32', u64: 'u64', i64: 'i64', name: 'SaNameT', hckey: 'hckey',
  attrs: 'u32 n, then n × (blob name, blob value)', pgitems: 'u32 n, then n × (SaNameT comp, u32 haState, u32 rank, u32 change)',
};

function layout(d: MessageDef): string {
  let off = 0;
  const parts: string[] = [];
  for (const [name, type] of d.fields) {
    parts.push(`${off} ${TYPE_TEXT[type]} ${name}`);
    const size = SIZES[type];
    if (size === undefined) return parts.join(', ') + ' (variable)';
    off += size;
  }
  return parts.length === 0 ? 'empty' : `${parts.join(', ')} — ${off} bytes`;
}

function hex(id: number): string {
  return `0x${id.toString(16).padStart(8, '0')}`;
}

export function amfDocTables(): string {
  const lines: string[] = [];
  lines.push('| request | id | body |', '| --- | --- | --- |');
  for (const d of Object.values(AMF_REQ)) lines.push(`| \`${d.name}\` | \`${hex(d.id)}\` | ${layout(d)} |`);
  lines.push('', '| response with a body | id | body |', '| --- | --- | --- |');
  for (const d of Object.values(AMF_RES)) lines.push(`| \`${d.name}\` | \`${hex(d.id)}\` | ${layout(d)} |`);
  lines.push('', '| callback | id | body |', '| --- | --- | --- |');
  for (const d of Object.values(AMF_CB)) lines.push(`| \`${d.name}\` | \`${hex(d.id)}\` | ${layout(d)} |`);
  return lines.join('\n');
}
