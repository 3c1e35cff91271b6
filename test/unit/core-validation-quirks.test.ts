/**
 * Messages pinned to what the API server prints, quirks included (kubernetes/kubernetes
 * pkg/apis/core/validation/validation.go and apimachinery's util/errors, util/validation/field).
 */
import { describe, expect, test } from 'vitest';
import { JobValidationError } from '../../src/errors.js';
import { parseJobManifests } from '../../src/manifest/parse.js';

const base = 'spec.template.spec';
const container = { name: 'main', image: 'busybox', command: ['true'] };

const podJob = (podSpec: Record<string, unknown>, containerExtra: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ ...container, ...containerExtra }], ...podSpec } } },
});
const withVolume = (volume: Record<string, unknown>) => podJob({ volumes: [{ name: 'v', ...volume }] });
const withMounts = (volumeMounts: unknown[]) => podJob({ volumes: [{ name: 'v', emptyDir: {} }] }, { volumeMounts });
const withResources = (resources: Record<string, unknown>) => podJob({}, { resources });
const downwardItem = (item: Record<string, unknown>) => withVolume({ downwardAPI: { items: [item] } });

function validationError(input: object): JobValidationError | undefined {
  try {
    parseJobManifests(input);
  } catch (error) {
    if (error instanceof JobValidationError) return error;
    throw error;
  }
  return undefined;
}
const violations = (input: object) => validationError(input)?.violations ?? [];

describe('downwardAPI volume items (validateDownwardAPIVolumeSource, validateDownwardAPIVolumeFile)', () => {
  // validateDownwardAPIVolumeSource passes fldPath, not items[i]: no index in the path.
  test('errors name the source, not the item', () => {
    expect(violations(downwardItem({ path: '/abs' }))).toEqual([
      `${base}.volumes[0].downwardAPI.path: Invalid value: "/abs": must be a relative path`,
      `${base}.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required`,
    ]);
  });
  // validateDownwardAPIVolumeFile checks path, then fieldRef, then mode.
  test('path, fieldRef and mode, in that order', () => {
    expect(violations(downwardItem({ path: '..x', fieldRef: { fieldPath: 'spec.nodeName' }, mode: 512 }))).toEqual([
      `${base}.volumes[0].downwardAPI.path: Invalid value: "..x": must not start with '..'`,
      `${base}.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"`,
      `${base}.volumes[0].downwardAPI.mode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive`,
    ]);
  });
});

describe('local paths (ValidateLocalNonReservedPath, validatePathNoBacksteps)', () => {
  const pathErrors = (path: string) => violations(downwardItem({ path, fieldRef: { fieldPath: 'metadata.name' } }));
  const field = `${base}.volumes[0].downwardAPI.path`;

  // "must not start with '..'" only when HasPrefix("..") && !HasPrefix("../").
  test('"../x" is told only about the ".." element', () => {
    expect(pathErrors('../x')).toEqual([`${field}: Invalid value: "../x": must not contain '..'`]);
  });
  test('"..x" only about its start; ".." about both', () => {
    expect(pathErrors('..x')).toEqual([`${field}: Invalid value: "..x": must not start with '..'`]);
    expect(pathErrors('..')).toEqual([
      `${field}: Invalid value: "..": must not contain '..'`,
      `${field}: Invalid value: "..": must not start with '..'`,
    ]);
  });
  test('"./..x" is accepted: the prefix test reads the raw string', () => {
    expect(pathErrors('./..x')).toEqual([]);
  });
  // validatePathNoBacksteps splits filepath.ToSlash(p) on "/" only; on the Linux API server "\" is no separator.
  test('a backslash separates nothing', () => {
    expect(pathErrors('a\\..\\b')).toEqual([]);
    expect(violations(withVolume({ hostPath: { path: 'a\\..\\b' } }))).toEqual([]);
    expect(violations(withMounts([{ name: 'v', mountPath: '/m', subPath: 'a\\..\\b' }]))).toEqual([]);
  });
});

describe('more than one volume source (validateVolumeSource)', () => {
  // Only the first source given is validated; later ones get Forbidden and nothing else.
  test('a second source is refused and not validated', () => {
    expect(violations(withVolume({ emptyDir: {}, hostPath: { path: '' } }))).toEqual([
      `${base}.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type`,
    ]);
  });
  // Kubernetes' own typo: fldPath.Child("downwarAPI").
  test('a second downwardAPI source is reported as "downwarAPI"', () => {
    expect(violations(withVolume({ hostPath: { path: '/x' }, downwardAPI: { items: [{ path: '/abs' }] } }))).toEqual([
      `${base}.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type`,
    ]);
  });
  // Sources kjob does not run still count: secret comes before downwardAPI in Kubernetes' order.
  test('a source kjob refuses still takes the first place', () => {
    expect(violations(withVolume({ secret: { secretName: 's' }, downwardAPI: { items: [{ path: '/abs' }] } }))).toEqual([
      `${base}.volumes[0].secret: Forbidden: not supported yet by kjob (kjob supports emptyDir, hostPath and downwardAPI volumes)`,
      `${base}.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type`,
    ]);
  });
});

describe('hostPath (validateHostPathVolumeSource)', () => {
  // It returns right after Required(path): the type is not checked.
  test('an empty path is the only error', () => {
    expect(violations(withVolume({ hostPath: { path: '', type: 'Bogus' } }))).toEqual([`${base}.volumes[0].hostPath.path: Required value`]);
  });
});

describe('volume mounts (ValidateVolumeMounts)', () => {
  const mounts = `${base}.containers[0].volumeMounts`;
  // fldPath.Child("subPath") on the list's path: no [i].
  test('subPath errors name the list', () => {
    expect(violations(withMounts([{ name: 'v', mountPath: '/m', subPath: '../x' }]))).toEqual([
      `${mounts}.subPath: Invalid value: "../x": must not contain '..'`,
    ]);
    expect(violations(withMounts([{ name: 'v', mountPath: '/m' }, { name: 'v', mountPath: '/n', subPath: '/abs' }]))).toEqual([
      `${mounts}.subPath: Invalid value: "/abs": must be a relative path`,
    ]);
  });
  // Required(name) does not stop IsMatchedVolume; an empty mountPath goes into the unique set too.
  test('an empty name is also not found; a second empty mountPath is also not unique', () => {
    expect(violations(withMounts([{ name: '', mountPath: '' }, { name: 'v', mountPath: '' }]))).toEqual([
      `${mounts}[0].name: Required value`,
      `${mounts}[0].name: Not found: ""`,
      `${mounts}[0].mountPath: Required value`,
      `${mounts}[1].mountPath: Required value`,
      `${mounts}[1].mountPath: Invalid value: "": must be unique`,
    ]);
  });
});

describe('container resource names (validateResourceName, validateContainerResourceName)', () => {
  const limitErrors = (name: string) => violations(withResources({ limits: { cpu: '1', [name]: '1' } }));
  const field = (name: string) => `${base}.containers[0].resources.limits[${name}]`;

  test('an unknown bare name breaks both rules', () => {
    expect(limitErrors('foo')).toEqual([
      `${field('foo')}: Invalid value: "foo": must be a standard resource type or fully qualified`,
      `${field('foo')}: Invalid value: "foo": must be a standard resource for containers`,
    ]);
  });
  // helper.IsStandardResourceName knows quota names; IsStandardContainerResourceName does not.
  test.each(['pods', 'requests.cpu', 'requests.hugepages-2Mi'])('%s is standard, but not for containers', (name) => {
    expect(limitErrors(name)).toEqual([`${field(name)}: Invalid value: "${name}": must be a standard resource for containers`]);
  });
  // validateResourceName returns early on a bad qualified name; validateContainerResourceName goes on.
  test('a name that is not qualified', () => {
    expect(limitErrors('Foo_bar!')).toEqual([
      `${field('Foo_bar!')}: Invalid value: "Foo_bar!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `${field('Foo_bar!')}: Invalid value: "Foo_bar!": must be a standard resource for containers`,
    ]);
  });
  // helper.IsExtendedResourceName refuses the quota prefix "requests.".
  test('extended resource names', () => {
    expect(limitErrors('requests.example.com/gpu')).toEqual([
      `${field('requests.example.com/gpu')}: Invalid value: "requests.example.com/gpu": doesn't follow extended resource name standard`,
    ]);
    expect(limitErrors('example.com/gpu')).toEqual([]);
    expect(limitErrors('kubernetes.io/anything')).toEqual([]);
  });
});

describe('the message (apimachinery errors.NewInvalid, ErrorList.ToAggregate, aggregate.Error)', () => {
  const message = (input: object) => validationError(input)?.message;

  test('one error is printed without brackets', () => {
    expect(message(withVolume({ hostPath: { path: '' } }))).toBe(`Job.batch "j" is invalid: ${base}.volumes[0].hostPath.path: Required value`);
  });
  test('several are bracketed and joined with ", "', () => {
    expect(message(withVolume({ hostPath: { path: '', type: 'x' }, emptyDir: {}, downwardAPI: {} }))).toBe(
      `Job.batch "j" is invalid: [${base}.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type, ${base}.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type]`,
    );
  });
  // ToAggregate drops repeated messages before aggregate.Error counts them; the causes keep every one.
  test('repeated messages are printed once, and a single remaining one without brackets', () => {
    const item = { path: '/abs', fieldRef: { fieldPath: 'metadata.name' } };
    const error = validationError(withVolume({ downwardAPI: { items: [item, item] } }));
    const repeated = `${base}.volumes[0].downwardAPI.path: Invalid value: "/abs": must be a relative path`;
    expect(error?.violations).toEqual([repeated, repeated]);
    expect(error?.message).toBe(`Job.batch "j" is invalid: ${repeated}`);
  });
});
