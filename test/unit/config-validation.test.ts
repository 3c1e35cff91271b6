/**
 * Validation of what pods read from ConfigMaps and Secrets, in the API server's words (pkg/apis/core/validation:
 * validateEnvVarValueFrom, validateConfigMapKeySelector, validateSecretKeySelector, ValidateEnvFrom,
 * validateSecretVolumeSource, validateConfigMapVolumeSource, validateKeyToPath, validateImagePullSecrets).
 */
import { describe, expect, test } from 'vitest';
import { JobValidationError } from '../../src/shared/errors.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';

const base = 'spec.template.spec';
const c0 = `${base}.containers[0]`;
const container = { name: 'main', image: 'busybox', command: ['true'] };
const podJob = (podSpec: Record<string, unknown>, containerExtra: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ ...container, ...containerExtra }], ...podSpec } } },
});
const withEnv = (...env: unknown[]) => podJob({}, { env });
const withEnvFrom = (...envFrom: unknown[]) => podJob({}, { envFrom });
const withVolume = (volume: Record<string, unknown>) => podJob({ volumes: [{ name: 'v', ...volume }] });

function violations(input: object): string[] {
  try {
    parseJobManifests(input);
    return [];
  } catch (error) {
    if (error instanceof JobValidationError) return error.violations;
    throw error;
  }
}

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const CONFIG_KEY =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const FILE_MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

describe('env valueFrom: configMapKeyRef and secretKeyRef', () => {
  test('valid selectors, optional or not, are accepted and kept', () => {
    const [job] = parseJobManifests(
      withEnv(
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a.key' } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD', optional: true } } },
      ),
    );
    expect(job!.spec?.template?.spec?.containers?.[0]?.env).toEqual([
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a.key' } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD', optional: true } } },
    ]);
  });
  test('the name is a DNS subdomain (an empty one too); the key is required and a config key', () => {
    expect(
      violations(
        withEnv(
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'Bad_Name', key: '' } } },
          { name: 'B', valueFrom: { secretKeyRef: { key: 'x' } } },
          { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'a/b' } } },
          { name: 'D', valueFrom: { configMapKeyRef: { name: 'c', key: '..x' } } },
          { name: 'E', valueFrom: { configMapKeyRef: { name: 'c', key: '.' } } },
          { name: 'F', valueFrom: { configMapKeyRef: { name: 'c', key: 'k'.repeat(254) } } },
        ),
      ),
    ).toEqual([
      `${c0}.env[0].valueFrom.configMapKeyRef.name: Invalid value: "Bad_Name": ${SUBDOMAIN}`,
      `${c0}.env[0].valueFrom.configMapKeyRef.key: Required value`,
      `${c0}.env[1].valueFrom.secretKeyRef.name: Invalid value: "": ${SUBDOMAIN}`,
      `${c0}.env[2].valueFrom.secretKeyRef.key: Invalid value: "a/b": ${CONFIG_KEY}`,
      `${c0}.env[3].valueFrom.configMapKeyRef.key: Invalid value: "..x": must not start with '..'`,
      `${c0}.env[4].valueFrom.configMapKeyRef.key: Invalid value: ".": must not be '.'`,
      `${c0}.env[5].valueFrom.configMapKeyRef.key: Invalid value: "${'k'.repeat(254)}": must be no more than 253 characters`,
    ]);
  });
  test('exactly one source, and none with a value', () => {
    expect(
      violations(
        withEnv(
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } } },
          { name: 'B', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
          { name: 'C', valueFrom: {} },
        ),
      ),
    ).toEqual([
      `${c0}.env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time`,
      `${c0}.env[1].valueFrom: Invalid value: "": may not be specified when \`value\` is not empty`,
      `${c0}.env[2].valueFrom: Invalid value: "": must specify one of: \`fieldRef\`, \`resourceFieldRef\`, \`configMapKeyRef\` or \`secretKeyRef\``,
    ]);
  });
  test('types and unknown keys of a selector', () => {
    expect(violations(withEnv({ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: 'yes', extra: 1 } } })).sort()).toEqual([
      `${c0}.env[0].valueFrom.secretKeyRef.optional: Invalid value: "yes": must be a boolean`,
      'unknown field "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.extra"',
    ]);
  });
});

describe('envFrom', () => {
  test('configMapRef and secretRef with a prefix are accepted and kept', () => {
    const envFrom = [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'db', optional: true } }];
    expect(parseJobManifests(withEnvFrom(...envFrom))[0]!.spec?.template?.spec?.containers?.[0]?.envFrom).toEqual(envFrom);
  });
  test('one source each, named the list; names required and subdomains (a trailing dash allowed); prefixes are variable names', () => {
    expect(
      violations(
        withEnvFrom(
          {},
          { configMapRef: { name: 'a' }, secretRef: { name: 'b' } },
          { secretRef: {} },
          { configMapRef: { name: 'Not_Valid' } },
          { configMapRef: { name: 'ends-with-' } },
          { prefix: 'A=', secretRef: { name: 's' } },
        ),
      ),
    ).toEqual([
      `${c0}.envFrom: Invalid value: "": must specify one of: \`configMapRef\` or \`secretRef\``,
      `${c0}.envFrom: Invalid value: "": may not have more than one field specified at a time`,
      `${c0}.envFrom[2].secretRef.name: Required value`,
      `${c0}.envFrom[3].configMapRef.name: Invalid value: "Not_Valid": ${SUBDOMAIN}`,
      `${c0}.envFrom[5].prefix: Invalid value: "A=": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ]);
  });
  test('unknown keys are unknown fields', () => {
    expect(violations(withEnvFrom({ configMapRef: { name: 'a', key: 'x' }, bogus: true })).sort()).toEqual([
      'unknown field "spec.template.spec.containers[0].envFrom[0].bogus"',
      'unknown field "spec.template.spec.containers[0].envFrom[0].configMapRef.key"',
    ]);
  });
});

describe('secret and configMap volumes', () => {
  test('are accepted and kept, items, modes and optional included', () => {
    const volumes = [
      { name: 's', secret: { secretName: 'creds', items: [{ key: 'password', path: 'db/password', mode: 0o400 }], defaultMode: 0o440, optional: true } },
      { name: 'c', configMap: { name: 'cfg', items: [{ key: 'app.yaml', path: 'app.yaml' }], defaultMode: 0o644 } },
    ];
    const [job] = parseJobManifests(podJob({ volumes }, { volumeMounts: [{ name: 's', mountPath: '/s' }, { name: 'c', mountPath: '/c' }] }));
    expect(job!.spec?.template?.spec?.volumes).toEqual(volumes);
  });
  test('the object name is required; modes are 0 to 0777; items have a key and a relative path without ..', () => {
    expect(
      violations(
        podJob({
          volumes: [
            { name: 'a', secret: { defaultMode: 0o1000, items: [{ key: '', path: '/abs', mode: -1 }, { key: 'k', path: 'a/../b' }] } },
            { name: 'b', configMap: { defaultMode: -1, items: [{ path: '..k' }, { key: 'k' }] } },
          ],
        }),
      ),
    ).toEqual([
      `${base}.volumes[0].secret.secretName: Required value`,
      `${base}.volumes[0].secret.defaultMode: Invalid value: 512: ${FILE_MODE}`,
      `${base}.volumes[0].secret.items[0].key: Required value`,
      `${base}.volumes[0].secret.items[0].path: Invalid value: "/abs": must be a relative path`,
      `${base}.volumes[0].secret.items[0].mode: Invalid value: -1: ${FILE_MODE}`,
      `${base}.volumes[0].secret.items[1].path: Invalid value: "a/../b": must not contain '..'`,
      `${base}.volumes[1].configMap.name: Required value`,
      `${base}.volumes[1].configMap.defaultMode: Invalid value: -1: ${FILE_MODE}`,
      `${base}.volumes[1].configMap.items[0].key: Required value`,
      `${base}.volumes[1].configMap.items[0].path: Invalid value: "..k": must not start with '..'`,
      `${base}.volumes[1].configMap.items[1].path: Required value`,
    ]);
  });
  test('a second source beside secret is refused; unknown keys of the source and its items are unknown fields', () => {
    expect(violations(withVolume({ secret: { secretName: 's' }, configMap: { name: 'c' } }))).toEqual([
      `${base}.volumes[0].configMap: Forbidden: may not specify more than 1 volume type`,
    ]);
    expect(violations(withVolume({ configMap: { name: 'c', secretName: 'x', items: [{ key: 'k', path: 'p', fieldRef: {} }] } })).sort()).toEqual([
      'unknown field "spec.template.spec.volumes[0].configMap.items[0].fieldRef"',
      'unknown field "spec.template.spec.volumes[0].configMap.secretName"',
    ]);
  });
  test('what kjob still does not run is refused, naming what it runs', () => {
    expect(violations(withVolume({ projected: { sources: [] } }))).toEqual([
      `${base}.volumes[0].projected: Forbidden: not supported yet by kjob (kjob supports emptyDir, hostPath, downwardAPI, secret and configMap volumes)`,
    ]);
  });
});

describe('imagePullSecrets', () => {
  test('names are kept (an empty one too, as the API server lets it through); only name may be set', () => {
    const [job] = parseJobManifests(podJob({ imagePullSecrets: [{ name: 'regcred' }, {}] }));
    expect(job!.spec?.template?.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: '' }]);
    expect(violations(podJob({ imagePullSecrets: [{ name: 'r', namespace: 'x' }] }))).toEqual([
      'unknown field "spec.template.spec.imagePullSecrets[0].namespace"',
    ]);
    expect(violations(podJob({ imagePullSecrets: 'regcred' }))).toEqual([`${base}.imagePullSecrets: Invalid value: "regcred": must be a list`]);
  });
});
