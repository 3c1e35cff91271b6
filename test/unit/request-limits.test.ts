/**
 * The pipeline's front door refuses what the API server refuses before decoding a request, before any work: a
 * document over 3 MiB (kube-apiserver's 413, in its words) and one nested deeper than kjob's bound.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ManifestParseError, RequestEntityTooLargeError } from '../../src/shared/errors.js';
import { readDocuments } from '../../src/shared/manifest/documents.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';
import { MAX_NESTING_DEPTH, MAX_REQUEST_BODY_BYTES } from '../../src/shared/manifest/request-limits.js';
import { lineNestedDeeperThan } from '../../src/shared/manifest/yaml-nesting.js';

const jobText = (command: string) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: big\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: main\n        image: busybox\n        command: ["sh", "-c", "${command}"]\n`;
const jobObject = (extra: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'x' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } } },
  ...extra,
});

function refusal(input: Parameters<typeof readDocuments>[0]): unknown {
  try {
    readDocuments(input);
  } catch (error) {
    return error;
  }
  return undefined;
}

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('a request over 3 MiB (kube-apiserver: Request entity too large: limit is 3145728)', () => {
  test('a 30 MB manifest is refused before it is parsed: at once, with no memory to speak of', () => {
    for (const input of [jobText('x'.repeat(30_000_000)), jobObject({ metadata: { name: 'x', annotations: { a: 'x'.repeat(30_000_000) } } })]) {
      const heap = process.memoryUsage().heapUsed;
      const started = performance.now();
      const error = refusal(input);
      expect(performance.now() - started).toBeLessThan(1000);
      // Reading it whole used to take 1.1 GB; the check scans the text once (V8 may flatten the string: 30 MB).
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
      expect(error).toBeInstanceOf(RequestEntityTooLargeError);
      expect(error).toMatchObject({ message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge' });
    }
  });

  test('the limit is per document, as kubectl sends each object as its own request', () => {
    const twoMiB = 'x'.repeat(2 * 1024 * 1024);
    expect(parseJobManifests(`${jobText(twoMiB)}---\n${jobText(twoMiB)}`)).toHaveLength(2);
    expect(parseJobManifests([jobObject({ status: twoMiB }), jobObject({ status: twoMiB })])).toHaveLength(2);
    expect(refusal(`${jobText('a')}---\n${jobText('x'.repeat(MAX_REQUEST_BODY_BYTES))}`)).toBeInstanceOf(RequestEntityTooLargeError);
  });

  test('a document text counts UTF-8 bytes before it is parsed: 3 MiB of bytes is in, one more is out', () => {
    // A comment pads the text and not the JSON it becomes, so this is the text's check alone.
    const head = `${jobText('')}# `;
    const fill = (bytes: number) => 'é'.repeat(Math.floor(bytes / 2)) + (bytes % 2 ? 'x' : '');
    const fitting = `${head}${fill(MAX_REQUEST_BODY_BYTES - Buffer.byteLength(head) - 1)}\n`;
    expect(Buffer.byteLength(fitting)).toBe(MAX_REQUEST_BODY_BYTES);
    expect(refusal(fitting)).toBeUndefined();
    expect(refusal(`x${fitting}`)).toBeInstanceOf(RequestEntityTooLargeError);
  });

  test("an object's size is the length of its JSON in UTF-8, to the byte", () => {
    const samples: unknown[] = [
      { a: 'é"\\\n\u0001💥', b: [1, -0.5, 1e21, null, true, undefined, () => 1], c: undefined, d: new Date(0), e: '\ud800' },
      ...fc.sample(fc.jsonValue(), { numRuns: 20, seed: 7 }),
      ...fc.sample(fc.anything({ withDate: true, withNullPrototype: true, withSparseArray: true }), { numRuns: 20, seed: 8 }),
    ];
    for (const sample of samples) {
      // One document (an array would be a list of documents): the sample and a pad of `pad` bytes.
      const bytes = Buffer.byteLength(JSON.stringify({ sample, pad: '' }));
      const padded = (pad: number) => ({ sample, pad: 'x'.repeat(pad) });
      expect(refusal(padded(MAX_REQUEST_BODY_BYTES - bytes))).toBeUndefined();
      expect(refusal(padded(MAX_REQUEST_BODY_BYTES - bytes + 1))).toBeInstanceOf(RequestEntityTooLargeError);
    }
  });
});

describe('a manifest nested too deep', () => {
  const deepError = (where = '') => `error parsing manifest: exceeded max depth of ${MAX_NESTING_DEPTH}${where}`;

  test('3,000 levels are refused in go-yaml’s words, as text (JSON, YAML) or as an object, cyclic ones too', () => {
    const deepJson = `{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "deep"}, "spec": ${'{"a": '.repeat(3000)}1${'}'.repeat(3000)}}`;
    const deepBlock = `spec:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`;
    const deepSequences = `spec: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;
    expect(refusal(deepJson)).toEqual(new ManifestParseError(deepError(' at line 1')));
    expect(refusal(deepBlock)).toEqual(new ManifestParseError(deepError(' at line 258')));
    expect(refusal(deepSequences)).toEqual(new ManifestParseError(deepError(' at line 1')));
    expect(refusal(jobObject({ spec: nested(3000) }))).toEqual(new ManifestParseError(deepError()));
    const cyclic: Record<string, unknown> = jobObject({});
    cyclic.spec = cyclic;
    expect(refusal(cyclic)).toEqual(new ManifestParseError(deepError()));
  });

  test('3 MB of `[` is refused at once (yaml’s parser took 2.7 GB and 12 s for it)', () => {
    const started = performance.now();
    expect(refusal('['.repeat(3_000_000))).toBeInstanceOf(ManifestParseError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test(`${MAX_NESTING_DEPTH} levels pass the door, one more does not; aliases count as what they expand to`, () => {
    // The Job object is one level, its ignored status the rest.
    const atLimit = jobObject({ status: nested(MAX_NESTING_DEPTH - 2, []) });
    const overLimit = jobObject({ status: nested(MAX_NESTING_DEPTH - 1, []) });
    expect(parseJobManifests(atLimit)).toHaveLength(1);
    expect(parseJobManifests(JSON.stringify(atLimit))).toHaveLength(1);
    expect(refusal(overLimit)).toEqual(new ManifestParseError(deepError()));
    expect(refusal(JSON.stringify(overLimit))).toEqual(new ManifestParseError(deepError()));
    const half = JSON.stringify(nested(200));
    expect(refusal(`a: &half ${half}\nb: {c: *half}\n`)).toBeUndefined();
    expect(refusal(`a: &half ${half}\nb: ${JSON.stringify(nested(100, 0)).replace('0', '*half')}\n`)).toEqual(new ManifestParseError(deepError()));
  });

  test("the text's measure is the YAML's depth, or one more on a scalar's own line; never less", () => {
    const measured = (text: string) => {
      for (let max = 0; ; max++) if (lineNestedDeeperThan(text, max) === undefined) return max;
    };
    expect(measured(jobText('x'))).toBe(7);
    expect(measured('a:\n- b:\n  - c: 1\n    d: [1, {e: 2}]\n')).toBe(7);
    expect(measured('- - - a\n')).toBe(3);
    expect(measured('a: |\n  - text\n   - more\nb: 1\n')).toBe(1);
    expect(measured('key:\n  value\n')).toBe(2);
    expect(measured('{"a": {"b": [1]}}')).toBe(3);
  });
});
