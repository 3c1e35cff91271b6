/**
 * Messages pinned to what the API server prints, quirks included (kubernetes/kubernetes
 * pkg/apis/core/validation/validation.go and apimachinery's util/errors, util/validation/field).
 */
import { describe, expect, test } from 'vitest';
import { JobValidationError } from '../../src/shared/errors.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';

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
  // Sources kjob does not run still count: persistentVolumeClaim comes before downwardAPI in Kubernetes' order.
  test('a source kjob refuses still takes the first place', () => {
    expect(violations(withVolume({ persistentVolumeClaim: { claimName: 's' }, downwardAPI: { items: [{ path: '/abs' }] } }))).toEqual([
      `${base}.volumes[0].persistentVolumeClaim: Forbidden: not supported yet by kjob (kjob supports emptyDir, hostPath, downwardAPI, secret and configMap volumes)`,
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

describe('quantities in messages (ValidateNonnegativeQuantity, validateResourceRequirements: Quantity.String())', () => {
  const resources = `${base}.containers[0].resources`;
  // The canonical form, not the text written: -1000m is -1, -0.5 is -500m.
  test('a negative limit is printed canonically', () => {
    expect(violations(withResources({ limits: { cpu: '-1000m', memory: -0.5 } }))).toEqual([
      `${resources}.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0`,
      `${resources}.limits[memory]: Invalid value: "-500m": must be greater than or equal to 0`,
    ]);
  });
  test('a request above its limit, both printed canonically', () => {
    expect(violations(withResources({ requests: { cpu: '1.5', memory: '2048Mi' }, limits: { cpu: '1000m', memory: '1Gi' } }))).toEqual([
      `${resources}.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1`,
      `${resources}.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi`,
    ]);
  });
  // SetDefaults_ResourceList rounds every request and limit up to milli first (away from zero).
  test('values finer than milli are rounded up before they are judged', () => {
    expect(violations(withResources({ limits: { cpu: '-1n' } }))).toEqual([
      `${resources}.limits[cpu]: Invalid value: "-1m": must be greater than or equal to 0`,
    ]);
    expect(violations(withResources({ requests: { cpu: '0.5m' }, limits: { cpu: '0.1m' } }))).toEqual([]);
  });
  // ParseQuantity keeps a text that is already canonical ("1.500": scale -3, no trailing 000), and String() returns it.
  test('a kept text is printed as written', () => {
    expect(violations(withResources({ requests: { cpu: '1.500' }, limits: { cpu: '1' } }))).toEqual([
      `${resources}.requests: Invalid value: "1.500": must be less than or equal to cpu limit of 1`,
    ]);
  });
});

describe('resources that cannot be overcommitted (ValidateResourceQuantityValue, helper.IsOvercommitAllowed)', () => {
  const resources = `${base}.containers[0].resources`;
  // helper.IsIntegerResourceName: every extended resource counts in whole units (MilliValue % 1000).
  test('an extended resource must be a whole number', () => {
    expect(violations(withResources({ limits: { 'example.com/gpu': '500m' } }))).toEqual([
      `${resources}.limits[example.com/gpu]: Invalid value: "500m": must be an integer`,
    ]);
  });
  test('its request must equal its limit, reported on requests', () => {
    expect(violations(withResources({ requests: { 'example.com/gpu': 1 }, limits: { 'example.com/gpu': 2 } }))).toEqual([
      `${resources}.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2`,
    ]);
    expect(violations(withResources({ requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '1000m' } }))).toEqual([]);
  });
  test('a request needs a limit', () => {
    expect(violations(withResources({ requests: { 'example.com/gpu': 1 } }))).toEqual([
      `${resources}.limits: Required value: Limit must be set for non overcommitable resources`,
    ]);
  });
  // kubernetes.io/ names are native: overcommit is allowed, and they are no integer resource.
  test('a native prefixed name may be overcommitted', () => {
    expect(violations(withResources({ requests: { 'kubernetes.io/x': '500m' } }))).toEqual([]);
  });
});

describe('huge pages (validateResourceRequirements, validateResourceQuantityHugePageValue on create)', () => {
  const resources = `${base}.containers[0].resources`;
  // Per-limit errors come first, the cpu-or-memory rule after both lists.
  test('an indivisible value without cpu or memory', () => {
    expect(violations(withResources({ limits: { 'hugepages-2Mi': '1Mi' } }))).toEqual([
      `${resources}.limits[hugepages-2Mi]: Invalid value: "1Mi": 1Mi is not positive integer multiple of hugepages-2Mi`,
      `${resources}: Forbidden: HugePages require cpu or memory`,
    ]);
  });
  test('with memory, and a whole number of pages, they are accepted', () => {
    expect(violations(withResources({ limits: { 'hugepages-2Mi': '4Mi', memory: '1Gi' }, requests: { 'hugepages-2Mi': '4Mi' } }))).toEqual([]);
  });
  // Huge pages cannot be overcommitted either.
  test('a huge page request needs its limit', () => {
    expect(violations(withResources({ requests: { 'hugepages-2Mi': '2Mi', cpu: '1' } }))).toEqual([
      `${resources}.limits: Required value: Limit must be set for non overcommitable resources`,
    ]);
  });
  // helper.HugePageSizeFromResourceName: a page size that is no quantity divides nothing.
  test('a page size that is no quantity', () => {
    expect(violations(withResources({ limits: { 'hugepages-x': '1', memory: '1' } }))).toEqual([
      `${resources}.limits[hugepages-x]: Invalid value: "1": 1 is not positive integer multiple of hugepages-x`,
    ]);
  });
});

describe('fieldRef (validateObjectFieldSelector, pods.ConvertDownwardAPIFieldLabel)', () => {
  const envRef = (fieldRef: Record<string, unknown>) => podJob({}, { env: [{ name: 'V', valueFrom: { fieldRef } }] });
  const volumeRef = (fieldRef: Record<string, unknown>) => downwardItem({ path: 'f', fieldRef });
  const env = `${base}.containers[0].env[0].valueFrom.fieldRef`;
  const volume = `${base}.volumes[0].downwardAPI.fieldRef`;
  const volumePaths = '"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"';
  const envPaths =
    '"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"';

  test('another apiVersion fails the conversion, reported on fieldPath', () => {
    expect(violations(envRef({ apiVersion: 'v2', fieldPath: 'metadata.name' }))).toEqual([
      `${env}.fieldPath: Invalid value: "metadata.name": error converting fieldPath: unsupported pod version: v2`,
    ]);
  });
  // SetDefaults_ObjectFieldSelector: an empty apiVersion is v1.
  test('an empty apiVersion is v1', () => {
    expect(violations(envRef({ apiVersion: '', fieldPath: 'metadata.name' }))).toEqual([]);
    expect(violations(volumeRef({ apiVersion: '', fieldPath: 'metadata.name' }))).toEqual([]);
  });
  test('a missing fieldPath is required', () => {
    expect(violations(envRef({}))).toEqual([`${env}.fieldPath: Required value`]);
    expect(violations(volumeRef({ apiVersion: 'v2' }))).toEqual([`${volume}.fieldPath: Required value`]);
  });
  test('a label the conversion does not know', () => {
    expect(violations(volumeRef({ fieldPath: 'spec.foo' }))).toEqual([
      `${volume}.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo`,
    ]);
  });
  test('a subscript on anything but labels and annotations', () => {
    expect(violations(volumeRef({ fieldPath: "metadata.name['x']" }))).toEqual([
      `${volume}.fieldPath: Invalid value: "metadata.name['x']": error converting fieldPath: field label does not support subscript: metadata.name['x']`,
    ]);
  });
  // The expressions are checked against the converted path: spec.host is spec.nodeName.
  test('spec.host is judged as spec.nodeName', () => {
    expect(violations(volumeRef({ fieldPath: 'spec.host' }))).toEqual([
      `${volume}.fieldPath: Unsupported value: "spec.nodeName": supported values: ${volumePaths}`,
    ]);
    // Kubernetes accepts it in env; kjob resolves only the paths it lists.
    expect(violations(envRef({ fieldPath: 'spec.host' }))).toEqual([
      expect.stringMatching(new RegExp(`^${env.replace(/[.[\]]/g, '\\$&')}\\.fieldPath: Forbidden: not supported yet by kjob`)),
    ]);
  });
  // status.phase converts, but env does not allow it.
  test('a convertible label env does not allow', () => {
    expect(violations(envRef({ fieldPath: 'status.phase' }))).toEqual([`${env}.fieldPath: Unsupported value: "status.phase": supported values: ${envPaths}`]);
  });
  // SplitMaybeSubscriptedPath splits at the first "['": the key is everything up to the last "']".
  test('the key runs to the last quote', () => {
    expect(violations(envRef({ fieldPath: "metadata.labels['a']['b']" }))).toEqual([
      expect.stringMatching(/fieldRef: Invalid value: "a'\]\['b": name part must consist/),
    ]);
  });
});
