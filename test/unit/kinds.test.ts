/**
 * One manifest pipeline: documents of every kind read and validated once, by one loop, into manifests marked
 * validated that the clients take as they are; the kinds table that finds a kind by kubectl's names.
 */
import { describe, expect, test } from 'vitest';
import { CONFIGMAPS, CRONJOBS, JOBS, KIND_VALIDATIONS, SECRETS, kindNamed, kindOfResource, qualifiedResource } from '../../src/client/kinds.js';
import { CONFIGMAP_VALIDATION, SECRET_VALIDATION } from '../../src/shared/config-objects/kind-validation.js';
import { CronJobValidationError } from '../../src/shared/cronjob/errors.js';
import { CRONJOB_VALIDATION } from '../../src/shared/cronjob/validate.js';
import { JobValidationError, ManifestParseError } from '../../src/shared/errors.js';
import { readDocuments } from '../../src/shared/manifest/documents.js';
import { JOB_VALIDATION } from '../../src/shared/manifest/parse.js';
import { isValidated, manifestsOf, validateAll, type KindValidation } from '../../src/shared/manifest/validated.js';

const podSpec = { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kjob.dev/handler/x' }] };
const job = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: podSpec }, ...spec } });
const cronJob = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } }, ...spec },
});

/** A kind's validation that counts how often it runs. */
function counted<K extends string, M>(kind: KindValidation<K, M>): KindValidation<K, M> & { runs: number } {
  const wrapper = { ...kind, runs: 0, rules: (raw: unknown) => (wrapper.runs++, kind.rules(raw)) };
  return wrapper;
}

describe('validateAll: every document of every kind, once, before any is used', () => {
  test('documents of both kinds come back in order, each as its kind validated it', () => {
    const validated = validateAll([cronJob('c'), job('j'), job('k')], KIND_VALIDATIONS);
    expect(validated.map((v) => [v.kind, (v.manifest as { metadata: { name: string } }).metadata.name])).toEqual([
      ['CronJob', 'c'],
      ['Job', 'j'],
      ['Job', 'k'],
    ]);
    expect(validated.every((v) => isValidated(v))).toBe(true);
    expect(isValidated(job('j'))).toBe(false);
  });

  test('one error lists every invalid document of a kind, numbered in the whole input; Jobs first', () => {
    const docs = [cronJob('bad-cron', { schedule: 'bad' }), job('ok'), job('bad', { parallelism: -1 })];
    const error = (() => {
      try {
        validateAll(docs, KIND_VALIDATIONS);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error).not.toBeInstanceOf(CronJobValidationError);
    expect((error as JobValidationError).invalid).toEqual([{ jobName: 'bad', documentIndex: 2, causes: [expect.objectContaining({ field: 'spec.parallelism' })] }]);
    expect(() => validateAll(docs.slice(0, 2), KIND_VALIDATIONS)).toThrow(CronJobValidationError);
  });

  test('a kind no entry has is the first kind’s to refuse; no documents at all is a parse error', () => {
    expect(() => validateAll([{ ...job('d'), kind: 'Deployment' }], KIND_VALIDATIONS)).toThrow(
      'Job.batch "d" is invalid: kind: Unsupported value: "Deployment": supported values: "Job"',
    );
    expect(() => validateAll([], KIND_VALIDATIONS)).toThrow(new ManifestParseError('no objects passed to create'));
  });

  test('a client takes a validated manifest as it is, and validates anything else', () => {
    const jobs = counted(JOB_VALIDATION);
    const [validated] = validateAll(readDocuments(job('once')), [jobs]);
    expect(jobs.runs).toBe(1);
    expect(manifestsOf(validated!, jobs)).toEqual([validated!.manifest]);
    expect(manifestsOf(validated!, jobs)[0]).toBe(validated!.manifest);
    expect(jobs.runs).toBe(1);
    expect(manifestsOf(job('text'), jobs)).toHaveLength(1);
    expect(jobs.runs).toBe(2);
    const [cron] = validateAll([cronJob('c')], [CRONJOB_VALIDATION]);
    expect(() => manifestsOf(cron as never, JOB_VALIDATION)).toThrow('expected a Job manifest, got a validated CronJob');
  });
});

describe('the kinds table', () => {
  test("a kind by any of kubectl's names for its resource, in any case, with or without its group", () => {
    for (const word of ['jobs', 'job', 'Job', 'JOBS', 'jobs.batch', 'job.batch', 'jobs.v1.batch']) expect(kindOfResource(word)).toBe(JOBS);
    for (const word of ['cronjobs', 'cronjob', 'cj', 'CronJob', 'cronjobs.batch', 'cj.batch', 'cronjob.v1.batch']) expect(kindOfResource(word)).toBe(CRONJOBS);
    for (const word of ['configmaps', 'configmap', 'cm', 'ConfigMap', 'configmaps.v1']) expect(kindOfResource(word)).toBe(CONFIGMAPS);
    for (const word of ['secrets', 'secret', 'Secret', 'secret.v1']) expect(kindOfResource(word)).toBe(SECRETS);
    for (const word of ['configmaps.', 'secrets.batch', 'pods', 'jobsx', 'cronjobsfoo', 'jobs.apps', 'deployment', '']) expect(kindOfResource(word)).toBeUndefined();
  });

  test('a kind by the `kind` of a manifest (the first for any other), and its name in kubectl’s output', () => {
    expect(kindNamed('CronJob')).toBe(CRONJOBS);
    expect(kindNamed('Job')).toBe(JOBS);
    expect(kindNamed(undefined)).toBe(JOBS);
    expect(kindNamed('Secret')).toBe(SECRETS);
    expect([JOBS, CRONJOBS, CONFIGMAPS, SECRETS].map(qualifiedResource)).toEqual(['job.batch', 'cronjob.batch', 'configmap', 'secret']);
    expect(KIND_VALIDATIONS).toEqual([JOB_VALIDATION, CRONJOB_VALIDATION, CONFIGMAP_VALIDATION, SECRET_VALIDATION]);
  });
});
