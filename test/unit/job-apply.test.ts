/** apply's comparison with a stored Job: a Job made before a default existed must not look changed. */
import { describe, expect, test } from 'vitest';
import { specToApply } from '../../src/client/job-apply.js';
import { materializeJob } from '../../src/shared/manifest/defaults.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';

const manifest = (image: string, extra: Record<string, unknown> = {}) =>
  parseJobManifests({ metadata: { name: 'pi' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image, command: ['true'], ...extra }] } } } })[0]!;
const created = { uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', random: Math.random };

describe('apply to a Job stored without imagePullPolicy (made before images were pulled)', () => {
  const stored = materializeJob(manifest('perl:5.34.0'), created);
  delete stored.spec.template.spec.containers[0]!.imagePullPolicy;

  test('the same manifest changes nothing', () => {
    expect(specToApply(stored, manifest('perl:5.34.0'))).toBeUndefined();
  });
  test('a pull policy the manifest asks for, other than the default, is a change', () => {
    expect(specToApply(stored, manifest('perl:5.34.0', { imagePullPolicy: 'Always' }))?.template.spec.containers[0]!.imagePullPolicy).toBe('Always');
  });
  test('a new Job stores the default, as Kubernetes does', () => {
    expect(materializeJob(manifest('perl:5.34.0'), created).spec.template.spec.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    expect(materializeJob(manifest('perl'), created).spec.template.spec.containers[0]!.imagePullPolicy).toBe('Always');
  });
});
