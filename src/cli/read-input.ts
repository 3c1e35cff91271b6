/** Reads `-f FILE|DIR|-` the way kubectl does: a file, every .yaml/.yml/.json file of a folder, or stdin. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function readManifestText(source: string): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  if ((await stat(source)).isDirectory()) {
    const files = (await readdir(source)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
    const texts = await Promise.all(files.map((f) => readFile(join(source, f), 'utf8')));
    return texts.join('\n---\n');
  }
  return readFile(source, 'utf8');
}

/** Go-style durations as kubectl's --timeout takes them: 30s, 5m, 1h30m, 500ms. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text.trim();
  if (/^\d+$/.test(rest)) return Number(rest) * 1000;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) throw new Error(`invalid duration ${JSON.stringify(text)}`);
    total += Number(match[1]) * (units[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  return total;
}
