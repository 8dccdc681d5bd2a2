// Reads the hex test vectors shared with the C codec: `#` comment lines, one
// `# expect {json}` line, then whitespace-separated hex bytes.
import fs from 'node:fs';
import path from 'node:path';

export interface Vector {
  name: string;
  expect: Record<string, unknown>;
  bytes: Buffer;
}

export function readVectors(dir: string): Vector[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.hex')).sort().map((f) => {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    let expect: Record<string, unknown> | undefined;
    const hex: string[] = [];
    for (const line of text.split('\n')) {
      const m = /^# expect (.*)$/.exec(line);
      if (m) expect = JSON.parse(m[1]!) as Record<string, unknown>;
      else if (!line.startsWith('#')) hex.push(...line.trim().split(/\s+/).filter(Boolean));
    }
    if (expect === undefined) throw new Error(`${f}: no "# expect" line`);
    return { name: f, expect, bytes: Buffer.from(hex.join(''), 'hex') };
  });
}
