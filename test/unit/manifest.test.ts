import { describe, expect, test } from 'vitest';
import { JobValidationError, ManifestParseError } from '../../src/shared/errors.js';
import { formatFieldError } from '../../src/shared/manifest/field-errors.js';
import { materializeJob } from '../../src/shared/manifest/defaults.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';

const container = { name: 'main', image: 'busybox', command: ['true'] };
const job = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'x' }) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata,
  spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } }, ...spec },
});

function violations(input: unknown): string[] {
  try {
    parseJobManifests(input as object);
  } catch (error) {
    if (error instanceof JobValidationError) return error.violations;
    throw error;
  }
  return [];
}

const materialize = (input: object) =>
  materializeJob(parseJobManifests(input)[0]!, { uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', random: () => 0 });

describe('defaults (pkg/apis/batch/v1/defaults.go)', () => {
  test('completions and parallelism both unset: both 1', () => {
    const { spec } = materialize(job());
    expect(spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });
  test('only parallelism set: work queue, completions stays null', () => {
    expect(materialize(job({ parallelism: 3 })).spec).toMatchObject({ parallelism: 3, completions: null });
  });
  test('only completions set: parallelism 1', () => {
    expect(materialize(job({ completions: 5 })).spec).toMatchObject({ parallelism: 1, completions: 5 });
  });
  test('namespace defaults to "default"; the template gets the selector labels', () => {
    const created = materialize(job());
    expect(created.metadata.namespace).toBe('default');
    expect(created.spec.template.metadata?.labels).toEqual({
      'batch.kubernetes.io/controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'x',
      'controller-uid': 'u-1',
      'job-name': 'x',
    });
  });
  test('generateName gets a five-letter suffix', () => {
    expect(materialize(job({}, { generateName: 'pi-' })).metadata.name).toBe('pi-bbbbb');
  });
});

describe('validation messages in Kubernetes form', () => {
  test('negative counts', () => {
    expect(violations(job({ parallelism: -1, completions: -2, backoffLimit: -3, activeDeadlineSeconds: -4 }))).toEqual([
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.completions: Invalid value: -2: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0',
    ]);
  });
  test('activeDeadlineSeconds 0 is valid, as in Kubernetes', () => {
    expect(violations(job({ activeDeadlineSeconds: 0 }))).toEqual([]);
  });
  test('Indexed needs completions and caps parallelism at 100000', () => {
    expect(violations(job({ completionMode: 'Indexed', parallelism: 100_001 }))).toEqual([
      'spec.completions: Required value: when completion mode is Indexed',
      'spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed',
    ]);
    expect(violations(job({ completionMode: 'Indexed', parallelism: 100_000, completions: 100_000 }))).toEqual([]);
  });
  test('Indexed pod hostnames must be DNS labels', () => {
    const name = 'a'.repeat(60);
    expect(violations(job({ completionMode: 'Indexed', completions: 1000 }, { name }))).toEqual([
      `metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-999`,
    ]);
  });
  test('completionMode and restartPolicy', () => {
    const bad = job({ completionMode: 'Sometimes' });
    (bad.spec.template.spec as Record<string, unknown>).restartPolicy = 'Always';
    expect(violations(bad)).toEqual([
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
    const other = job();
    (other.spec.template.spec as Record<string, unknown>).restartPolicy = 'Sometimes';
    expect(violations(other)).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"']);
  });
  test('names: required, DNS subdomain, label length', () => {
    expect(violations(job({}, {}))).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(violations(job({}, { name: 'Bad_Name' }))[0]).toMatch(
      /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/,
    );
    const long = 'a'.repeat(64);
    expect(violations(job({}, { name: long }))).toEqual([`spec.template.labels: Invalid value: "${long}": must be no more than 63 characters`]);
  });
  test('containers: required, names, duplicates, images; a container without a command is valid', () => {
    const bad = job();
    bad.spec.template.spec.containers = [
      { name: 'main', image: 'busybox', command: ['true'] },
      { name: 'main', image: '', command: ['true'] },
      // Kubernetes runs the image's entrypoint; whether a worker can is its runtime's start error (pods.test.ts).
      { name: 'x', image: 'busybox' } as typeof container,
      { name: 'y', image: 'busybox', command: [], args: ['--help'] } as typeof container,
      { name: 'z', image: 'kjob.dev/handler/' } as typeof container,
    ];
    expect(violations(bad)).toEqual([
      'spec.template.spec.containers[1].name: Duplicate value: "main"',
      'spec.template.spec.containers[1].image: Required value',
      'spec.template.spec.containers[4].image: Invalid value: "kjob.dev/handler/": a handler image needs a name: kjob.dev/handler/<name>',
    ]);
    const none = job();
    none.spec.template.spec.containers = [];
    expect(violations(none)).toEqual(['spec.template.spec.containers: Required value']);
  });
  test('env: names and downward API paths', () => {
    const bad = job();
    bad.spec.template.spec.containers = [
      {
        ...container,
        env: [
          { name: 'A=B', value: 'x' },
          { name: 'IDX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeNameX' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        ],
      } as typeof container,
    ];
    const found = violations(bad);
    expect(found[0]).toBe(
      `spec.template.spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    );
    expect(found[1]).toBe(
      'spec.template.spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Invalid value: "spec.nodeNameX": error converting fieldPath: field label not supported: spec.nodeNameX',
    );
    expect(found[2]).toMatch(/^spec\.template\.spec\.containers\[0\]\.env\[3\]\.valueFrom\.fieldRef\.fieldPath: Forbidden: not supported yet by kjob/);
    expect(found).toHaveLength(3);
  });
  test('fields Kubernetes has but kjob does not act on are refused, unknown fields too', () => {
    const input = job({ suspend: true, managedBy: 'example.com/x', bogus: 1 });
    // suspend is supported; managedBy only names kjob itself (Kubernetes' Job controller).
    (input.spec.template.spec as Record<string, unknown>).volumes = [{ name: 'cfg', projected: { sources: [] } }];
    expect(violations(input).sort()).toEqual([
      'spec.managedBy: Forbidden: not supported yet by kjob (kjob is the Job controller and runs only Jobs managed by kubernetes.io/job-controller; a Job for another controller would never run)',
      'spec.template.spec.volumes[0].projected: Forbidden: not supported yet by kjob (kjob supports emptyDir, hostPath, downwardAPI, secret and configMap volumes)',
      'unknown field "spec.bogus"',
    ]);
  });
  test('wrong types and int32 overflow', () => {
    expect(violations(job({ parallelism: 'three', backoffLimit: 2 ** 31 }))).toEqual([
      'spec.parallelism: Invalid value: "three": must be a 32-bit integer',
      'spec.backoffLimit: Invalid value: 2147483648: must be a 32-bit integer',
    ]);
  });
  test('every violation of every document at once, and nothing returned', () => {
    const yaml = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: ok}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: b, command: [c]}]}}}\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: bad}\nspec: {parallelism: -1, template: {spec: {restartPolicy: Never, containers: [{name: a, image: b, command: [c]}]}}}\n`;
    let error: unknown;
    try {
      parseJobManifests(yaml);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JobValidationError);
    const invalid = (error as JobValidationError).invalid;
    expect(invalid).toEqual([{ jobName: 'bad', documentIndex: 1, causes: [expect.objectContaining({ field: 'spec.parallelism' })] }]);
    expect((error as Error).message).toBe('Job.batch "bad" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0');
  });
  test('YAML syntax errors and empty input', () => {
    expect(() => parseJobManifests('a: [')).toThrow(ManifestParseError);
    expect(() => parseJobManifests('')).toThrow(ManifestParseError);
  });
  test('JSON and List inputs', () => {
    expect(parseJobManifests(JSON.stringify(job()))).toHaveLength(1);
    expect(parseJobManifests({ apiVersion: 'v1', kind: 'List', items: [job(), job({}, { name: 'y' })] })).toHaveLength(2);
  });
  test('a container name with dots is told only about the dots; annotations are capped at 256 KiB', () => {
    const dotted = job();
    dotted.spec.template.spec.containers = [{ ...container, name: 'my.container' }];
    expect(violations(dotted)).toEqual(['spec.template.spec.containers[0].name: Invalid value: "my.container": must not contain dots']);
    expect(violations(job({}, { name: 'x', annotations: { a: 'é'.repeat(131_072) } }))).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });
  test('pod-level activeDeadlineSeconds must be positive', () => {
    const bad = job();
    (bad.spec.template.spec as Record<string, unknown>).activeDeadlineSeconds = 0;
    expect(violations(bad)).toEqual(['spec.template.spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']);
  });
  test('formatFieldError renders each kind', () => {
    expect(formatFieldError({ field: 'a', type: 'FieldValueRequired', detail: '' })).toBe('a: Required value');
  });
});

describe('validation of the failure and success policies (pkg/apis/batch/validation)', () => {
  const indexed = (extra: Record<string, unknown>) => job({ completionMode: 'Indexed', completions: 4, parallelism: 2, ...extra });
  test('podFailurePolicy rules', () => {
    expect(
      violations(
        job({
          podFailurePolicy: {
            rules: [
              { action: '', onExitCodes: { operator: 'In', values: [0, 3, 2, 3] } },
              { action: 'FailIndex', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] },
              { action: 'Restart', onExitCodes: { containerName: 'nope', operator: 'Around', values: [] }, onPodConditions: [{ type: 'X' }] },
              { action: 'Count' },
            ],
          },
        }),
      ),
    ).toEqual([
      'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 3',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,3,2,3]: must be ordered',
      'spec.podFailurePolicy.rules[1].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
      'spec.podFailurePolicy.rules[1].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
      'spec.podFailurePolicy.rules[2].action: Unsupported value: "Restart": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
      'spec.podFailurePolicy.rules[2].onExitCodes.operator: Unsupported value: "Around": supported values: "In", "NotIn"',
      'spec.podFailurePolicy.rules[2].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
      'spec.podFailurePolicy.rules[2].onExitCodes.values: Invalid value: []: at least one value is required',
      'spec.podFailurePolicy.rules[2]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
      'spec.podFailurePolicy.rules[3]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
    ]);
  });
  test('podFailurePolicy needs restartPolicy Never; podReplacementPolicy must then be Failed', () => {
    const onFailure = job({ podFailurePolicy: { rules: [] }, podReplacementPolicy: 'TerminatingOrFailed' });
    (onFailure.spec.template.spec as Record<string, unknown>).restartPolicy = 'OnFailure';
    expect(violations(onFailure)).toEqual([
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
    ]);
    expect(materialize(job({ podFailurePolicy: { rules: [] } })).spec.podReplacementPolicy).toBe('Failed');
    expect(materialize(job()).spec.podReplacementPolicy).toBe('TerminatingOrFailed');
  });
  test('backoffLimitPerIndex and maxFailedIndexes', () => {
    expect(violations(job({ backoffLimitPerIndex: 1, maxFailedIndexes: 1 }))).toEqual([
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
      'spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode',
    ]);
    expect(violations(indexed({ maxFailedIndexes: 5 }))).toEqual([
      'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified',
      'spec.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions',
    ]);
    expect(violations(indexed({ completions: 200_000, parallelism: 20_000, backoffLimitPerIndex: 1 }))).toEqual([
      'spec.maxFailedIndexes: Required value: must be specified when completions is above 100000',
      'spec.parallelism: Invalid value: 20000: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index',
    ]);
    expect(materialize(indexed({ backoffLimitPerIndex: 1 })).spec.backoffLimit).toBe(2147483647);
  });
  test('successPolicy', () => {
    expect(violations(job({ successPolicy: { rules: [{ succeededCount: 1 }] } }))).toEqual([
      'spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode',
    ]);
    expect(
      violations(
        indexed({
          successPolicy: {
            rules: [{}, { succeededIndexes: '0,2-1' }, { succeededIndexes: '3-3' }, { succeededIndexes: '1-x' }, { succeededIndexes: '9' }, { succeededIndexes: '0-1', succeededCount: 3 }, { succeededCount: 5 }],
          },
        }),
      ),
    ).toEqual([
      'spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified',
      'spec.successPolicy.rules[1].succeededIndexes: Invalid value: "0,2-1": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1',
      'spec.successPolicy.rules[2].succeededIndexes: Invalid value: "3-3": error parsing succeededIndexes: non-increasing order, previous: 3, current: 3',
      'spec.successPolicy.rules[3].succeededIndexes: Invalid value: "1-x": error parsing succeededIndexes: cannot convert string to integer for index: "x"',
      'spec.successPolicy.rules[4].succeededIndexes: Invalid value: "9": error parsing succeededIndexes: too large index: "9"',
      'spec.successPolicy.rules[5].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)',
      'spec.successPolicy.rules[6].succeededCount: Invalid value: 5: must be less than or equal to 4 (the number of specified completions)',
    ]);
    expect(violations(indexed({ successPolicy: { rules: [] } }))).toEqual([
      'spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified',
    ]);
  });
});

describe('volumes, volume mounts and resources (pkg/apis/core/validation)', () => {
  const withPod = (podSpec: Record<string, unknown>, containerExtra: Record<string, unknown> = {}) =>
    job({ template: { spec: { restartPolicy: 'Never', containers: [{ ...container, ...containerExtra }], ...podSpec } } });

  test('the three volume kinds kjob provides are accepted and kept', () => {
    const input = withPod(
      {
        volumes: [
          { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
          { name: 'shared', hostPath: { path: '/srv/shared', type: 'DirectoryOrCreate' } },
          { name: 'meta', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
      {
        volumeMounts: [
          { name: 'scratch', mountPath: '/scratch' },
          { name: 'shared', mountPath: '/shared', subPath: 'a/b', readOnly: true },
          { name: 'meta', mountPath: '/etc/podinfo' },
        ],
        resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: 0.25 } },
      },
    );
    expect(violations(input)).toEqual([]);
    expect(materialize(input).spec.template.spec.volumes).toHaveLength(3);
  });

  test('every volume rule is reported at once, in apimachinery’s words', () => {
    const found = violations(
      withPod(
        {
          volumes: [
            { name: 'Bad_Name', emptyDir: {} },
            { name: 'dup', emptyDir: {} },
            { name: 'dup', emptyDir: {} },
            { name: 'none' },
            { name: 'two', emptyDir: {}, hostPath: { path: '/x' } },
            { name: 'hp', hostPath: { path: '/a/../etc', type: 'Folder' } },
            { name: 'dw', downwardAPI: { defaultMode: 512, items: [{ path: '/abs', fieldRef: { fieldPath: 'spec.nodeName' } }, { path: '../up', fieldRef: { fieldPath: "metadata.labels['a b']" } }] } },
            { name: 'cm', persistentVolumeClaim: { claimName: 'x' } },
          ],
        },
        {
          volumeMounts: [
            { name: 'missing', mountPath: '/m' },
            { name: 'dup', mountPath: '/m' },
            { name: 'dup', mountPath: '/n', subPath: '../escape' },
          ],
          resources: { limits: { memory: '1Gx', cpu: '1', gpu: '1' }, requests: { cpu: '2', memory: '-1' } },
        },
      ),
    );
    const base = 'spec.template.spec';
    expect(found).toEqual(
      expect.arrayContaining([
        `${base}.volumes[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        `${base}.volumes[2].name: Duplicate value: "dup"`,
        `${base}.volumes[3]: Required value: must specify a volume type`,
        `${base}.volumes[4].hostPath: Forbidden: may not specify more than 1 volume type`,
        `${base}.volumes[5].hostPath.path: Invalid value: "/a/../etc": must not contain '..'`,
        `${base}.volumes[5].hostPath.type: Unsupported value: "Folder": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"`,
        `${base}.volumes[6].downwardAPI.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive`,
        `${base}.volumes[6].downwardAPI.path: Invalid value: "/abs": must be a relative path`,
        `${base}.volumes[6].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"`,
        `${base}.volumes[6].downwardAPI.path: Invalid value: "../up": must not contain '..'`,
        `${base}.volumes[7].persistentVolumeClaim: Forbidden: not supported yet by kjob (kjob supports emptyDir, hostPath, downwardAPI, secret and configMap volumes)`,
        `${base}.containers[0].volumeMounts[0].name: Not found: "missing"`,
        `${base}.containers[0].volumeMounts[1].mountPath: Invalid value: "/m": must be unique`,
        `${base}.containers[0].volumeMounts.subPath: Invalid value: "../escape": must not contain '..'`,
        `${base}.containers[0].resources.limits[memory]: Invalid value: "1Gx": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
        `${base}.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified`,
        `${base}.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers`,
        `${base}.containers[0].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0`,
        `${base}.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`,
      ]),
    );
    // The first "dup" is valid, so mounts may use it; a label key is checked and reported on the fieldRef.
    expect(found.some((v) => v.includes('volumeMounts[1].name'))).toBe(false);
    expect(found).toContainEqual(expect.stringMatching(/^spec\.template\.spec\.volumes\[6\]\.downwardAPI\.fieldRef: Invalid value: "a b": name part must consist/));
    expect(found).toHaveLength(20);
  });

  test('quantities parse as apimachinery reads them', async () => {
    const { parseQuantity } = await import('../../src/shared/manifest/quantity.js');
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1Gx')).toBeUndefined();
    expect(parseQuantity('..5')).toBeUndefined();
  });
});

describe('spec.managedBy', () => {
  test('Kubernetes’ own Job controller is kjob; other managers and malformed values are refused', () => {
    expect(violations(job({ managedBy: 'kubernetes.io/job-controller' }))).toEqual([]);
    expect(materialize(job({ managedBy: 'kubernetes.io/job-controller' })).spec.managedBy).toBe('kubernetes.io/job-controller');
    expect(violations(job({ managedBy: 'no-slash' }))).toEqual([
      'spec.managedBy: Invalid value: "no-slash": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    expect(violations(job({ managedBy: `example.com/${'x'.repeat(60)}` }))).toEqual([
      'spec.managedBy: Too long: may not be more than 63 bytes',
    ]);
  });
});

describe('kubectl label selectors (kjob get jobs -l)', () => {
  test('equality, inequality and existence; set-based forms refused', async () => {
    const { parseLabelSelector } = await import('../../src/cli/label-selector.js');
    const labels = { app: 'pi', tier: 'batch' };
    expect(parseLabelSelector('app=pi')(labels)).toBe(true);
    expect(parseLabelSelector('app==pi,tier=batch')(labels)).toBe(true);
    expect(parseLabelSelector('app=pi,tier!=batch')(labels)).toBe(false);
    expect(parseLabelSelector('tier')(labels)).toBe(true);
    expect(parseLabelSelector('!tier')(labels)).toBe(false);
    expect(parseLabelSelector('missing!=x')(labels)).toBe(true);
    expect(parseLabelSelector('app=pi')(undefined)).toBe(false);
    expect(() => parseLabelSelector('app in (pi)')).toThrow(/set-based/);
  });
});

describe('which pods read their own metadata (readsPodMetadata)', () => {
  test('env fieldRefs and downwardAPI volume items to labels or annotations; nothing else', async () => {
    const { readsPodMetadata } = await import('../../src/shared/manifest/field-refs.js');
    const container = (env: unknown[] = []) => ({ name: 'main', image: 'x', env }) as never;
    const fieldEnv = (fieldPath: string) => ({ name: 'V', valueFrom: { fieldRef: { fieldPath } } });
    expect(readsPodMetadata({ containers: [container()] })).toBe(false);
    expect(readsPodMetadata({ containers: [container([fieldEnv('metadata.name'), { name: 'A', value: 'metadata.labels' }])] })).toBe(false);
    expect(readsPodMetadata({ containers: [container([fieldEnv("metadata.labels['app']")])] })).toBe(true);
    expect(readsPodMetadata({ containers: [container()], initContainers: [container([fieldEnv("metadata.annotations['a']")])] })).toBe(true);
    const volume = (fieldPath: string) => ({ name: 'info', downwardAPI: { items: [{ path: 'f', fieldRef: { fieldPath } }] } }) as never;
    expect(readsPodMetadata({ containers: [container()], volumes: [volume('metadata.labels')] })).toBe(true);
    expect(readsPodMetadata({ containers: [container()], volumes: [volume('metadata.namespace')] })).toBe(false);
  });
});
