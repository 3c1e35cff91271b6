/**
 * Generated invalid and hostile Job manifests for the fuzz tests: a valid Job with random parts replaced by wrong
 * types, huge or negative numbers, very long strings, deep nesting, unknown keys, nulls and arrays.
 */
import fc from 'fast-check';

export const validJob = () => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'fuzz', labels: { app: 'fuzz' } },
  spec: {
    completions: 3,
    parallelism: 2,
    completionMode: 'Indexed',
    backoffLimit: 2,
    template: {
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'busybox', command: ['true'], env: [{ name: 'A', value: 'b' }] }],
      },
    },
  },
});

const deep = (depth: number): unknown => (depth === 0 ? 'x' : { nested: deep(depth - 1) });

/** Values no Job field expects, or expects within limits. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, -1, 0, 1.5, 2 ** 31, 2 ** 53, -(2 ** 63), Number.NaN, '', '-1', 'Always', '../..', '\u0000', '💥'),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.constant('x'.repeat(100_000)),
  fc.constant(deep(200)),
  fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.anything({ maxDepth: 2 }), { maxKeys: 5 }),
);

/** Paths into validJob() where a hostile value is put (a key that does not exist there is an unknown field). */
const paths: string[][] = [
  ['apiVersion'], ['kind'], ['metadata'], ['metadata', 'name'], ['metadata', 'labels'], ['metadata', 'labels', 'app'],
  ['metadata', 'namespace'], ['metadata', 'bogus'], ['spec'], ['spec', 'completions'], ['spec', 'parallelism'],
  ['spec', 'completionMode'], ['spec', 'backoffLimit'], ['spec', 'activeDeadlineSeconds'], ['spec', 'suspend'],
  ['spec', 'podFailurePolicy'], ['spec', 'successPolicy'], ['spec', 'backoffLimitPerIndex'], ['spec', 'template'],
  ['spec', 'template', 'spec'], ['spec', 'template', 'spec', 'restartPolicy'], ['spec', 'template', 'spec', 'containers'],
  ['spec', 'template', 'spec', 'volumes'], ['spec', 'template', 'spec', 'containers', '0'],
  ['spec', 'template', 'spec', 'containers', '0', 'name'], ['spec', 'template', 'spec', 'containers', '0', 'command'],
  ['spec', 'template', 'spec', 'containers', '0', 'env'], ['spec', 'template', 'spec', 'containers', '0', 'resources'],
  ['spec', 'template', 'spec', 'containers', '0', 'volumeMounts'], ['spec', 'unknownField'],
];

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return;
    node = next as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** A valid Job with one to four of its parts replaced by hostile values. */
export const hostileJob: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(fc.constantFrom(...paths), hostileValue), { minLength: 1, maxLength: 4 })
  .map((changes) => {
    const job = validJob() as unknown as Record<string, unknown>;
    for (const [path, value] of changes) setAt(job, path, structuredClone(value));
    return job;
  });

/** kubectl's shapes of a field error line. */
export const FIELD_ERROR_LINE = /^\S.*?: (Invalid value|Required value|Unsupported value|Forbidden|Too long|Too many|Duplicate value|Not found)|^unknown field "/;
