import { describe, expect, test } from 'vitest';
import { CronJobValidationError } from '../../src/shared/cronjob/errors.js';
import { catchupWindowMs, jobsBeyondHistoryLimits, overlapPolicyFor, scheduleSpecFor } from '../../src/shared/cronjob/decisions.js';
import { jobFromCronJob, materializeCronJob, scheduledJobName } from '../../src/shared/cronjob/defaults.js';
import { onJobDeleted, onJobFinished, onJobStarted, renderCronJobStatus, type CronJobJobs } from '../../src/shared/cronjob/state.js';
import { rfc3339InZone } from '../../src/shared/cronjob/time-zone.js';
import { parseCronJobManifests } from '../../src/shared/cronjob/validate.js';

const cronJob = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = { name: 'hello' }) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata,
  spec: {
    schedule: '*/5 * * * *',
    jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox', command: ['date'] }] } } } },
    ...spec,
  },
});

function violations(manifest: unknown): string[] {
  try {
    parseCronJobManifests(manifest as object);
  } catch (error) {
    if (error instanceof CronJobValidationError) return error.violations;
    throw error;
  }
  return [];
}

describe('CronJob validation, in Kubernetes’ words', () => {
  test('the docs’ hello CronJob is valid and gets Kubernetes’ defaults', () => {
    const [manifest] = parseCronJobManifests(cronJob());
    const stored = materializeCronJob(manifest!, { uid: 'u', creationTimestamp: 't', namespace: 'default' });
    expect(stored.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  test.each([
    ['bad', 'spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]'],
    ['61 * * * *', 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
    ['* * * * * *', 'spec.schedule: Invalid value: "* * * * * *": expected exactly 5 fields, found 6: [* * * * * *]'],
    ['@often', 'spec.schedule: Invalid value: "@often": unrecognized descriptor: @often'],
    ['5-1 * * * *', 'spec.schedule: Invalid value: "5-1 * * * *": beginning of range (5) beyond end of range (1): 5-1'],
    ['x * * * *', 'spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
  ])('schedule %j', (schedule, message) => {
    expect(violations(cronJob({ schedule }))).toEqual([message]);
  });

  test.each(['0 0 * * *', '*/61 * * * *', '0 9 * JAN-MAR mon-fri', '0,30 8-18/2 1 * ?', ...['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']])(
    'schedule %j is accepted as robfig/cron accepts it',
    (schedule) => expect(violations(cronJob({ schedule }))).toEqual([]),
  );

  test('TZ in the schedule is refused, with or without timeZone', () => {
    expect(violations(cronJob({ schedule: 'CRON_TZ=UTC * * * * *' }))).toEqual([
      'spec.schedule: Invalid value: "CRON_TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
    expect(violations(cronJob({ schedule: 'TZ=Europe/Paris 0 3 * * *', timeZone: 'Europe/Paris' }))).toEqual([
      'spec.schedule: Invalid value: "TZ=Europe/Paris 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ]);
  });

  test('time zones: IANA names only', () => {
    expect(violations(cronJob({ timeZone: 'Europe/Paris' }))).toEqual([]);
    expect(violations(cronJob({ timeZone: 'Etc/UTC' }))).toEqual([]);
    expect(violations(cronJob({ timeZone: 'Mars/Base' }))).toEqual(['spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base']);
    expect(violations(cronJob({ timeZone: 'Europe/Pariss' }))).toEqual(['spec.timeZone: Invalid value: "Europe/Pariss": unknown time zone Europe/Pariss']);
    expect(violations(cronJob({ timeZone: 'europe/paris' }))).toEqual(['spec.timeZone: Invalid value: "europe/paris": unknown time zone europe/paris']);
    expect(violations(cronJob({ timeZone: '' }))).toEqual(['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']);
    expect(violations(cronJob({ timeZone: 'Local' }))).toEqual([
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      'spec.timeZone: Invalid value: "Local": unknown time zone Local',
    ]);
  });

  test('policies, deadlines and limits', () => {
    expect(
      violations(cronJob({ concurrencyPolicy: 'Sometimes', startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 })),
    ).toEqual([
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
    expect(violations(cronJob({ schedule: undefined }))).toEqual(['spec.schedule: Required value']);
    expect(violations(cronJob({ suspend: 'yes', surprise: 1 }))).toEqual(['spec.suspend: Invalid value: "yes": must be a boolean', 'unknown field "spec.surprise"']);
  });

  test('the job template goes through the Job rules, under spec.jobTemplate', () => {
    const bad = cronJob({
      jobTemplate: { metadata: { labels: { 'bad key!': 'x' } }, spec: { parallelism: -1, template: { spec: { restartPolicy: 'Always', containers: [{ name: 'main' }] } } } },
    });
    expect(violations(bad)).toContain('spec.jobTemplate.metadata.labels: Invalid value: "bad key!": ' + "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
    expect(violations(bad).some((v) => v.startsWith('spec.jobTemplate.spec.template.spec.restartPolicy: '))).toBe(true);
    expect(violations(bad)).toContain('spec.jobTemplate.spec.template.spec.containers[0].image: Required value');
    expect(violations(bad)).toContain('spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0');
    expect(violations(cronJob({ jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'x', command: ['true'], tty: true }] } } } } }))).toEqual([
      'spec.jobTemplate.spec.template.spec.containers[0].tty: Forbidden: not supported yet by kjob',
    ]);
  });

  test('names: a DNS subdomain of at most 52 characters', () => {
    expect(violations(cronJob({}, { name: 'a'.repeat(52) }))).toEqual([]);
    expect(violations(cronJob({}, { name: 'a'.repeat(53) }))).toEqual([`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
    expect(violations(cronJob({}, { name: 'Bad_Name' }))[0]).toMatch(/^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(violations({ ...cronJob(), kind: 'Job' })).toEqual(['kind: Unsupported value: "Job": supported values: "CronJob"']);
  });

  test('an error names the CronJob as kubectl does', () => {
    expect(() => parseCronJobManifests(cronJob({ schedule: 'bad' }))).toThrow('CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]');
  });
});

describe('the Jobs a CronJob makes', () => {
  const stored = materializeCronJob(
    parseCronJobManifests(cronJob({ timeZone: 'Europe/Paris', jobTemplate: { metadata: { labels: { team: 'a' }, annotations: { note: 'n' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'kjob.dev/handler/x' }] } } } } }))[0]!,
    { uid: 'u', creationTimestamp: 't', namespace: 'default' },
  );
  const at = Date.parse('2024-07-01T10:05:00Z');

  test('a scheduled Job is <cronjob>-<unix minutes>, annotated with the slot in the CronJob’s zone', () => {
    expect(scheduledJobName('hello', at + 59_000)).toBe(`hello-${at / 60_000}`);
    const job = jobFromCronJob(stored, { kind: 'scheduled', scheduledAtMs: at }, { uid: 'j', creationTimestamp: 't', random: Math.random });
    expect(job.metadata).toMatchObject({
      name: 'hello-28663805',
      labels: { team: 'a' },
      annotations: { note: 'n', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2024-07-01T12:05:00+02:00' },
    });
    expect(job.spec.template.metadata?.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'hello-28663805' });
  });

  test('a manual Job (kubectl create job --from) is annotated instantiate: manual', () => {
    const job = jobFromCronJob(stored, { kind: 'manual', name: 'now' }, { uid: 'j', creationTimestamp: 't', random: Math.random });
    expect(job.metadata.name).toBe('now');
    expect(job.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual', note: 'n' });
  });

  test('RFC 3339 in a zone as Go prints it', () => {
    expect(rfc3339InZone(at, undefined)).toBe('2024-07-01T10:05:00Z');
    expect(rfc3339InZone(at + 999, 'America/New_York')).toBe('2024-07-01T06:05:00-04:00');
    expect(rfc3339InZone(at, 'Asia/Kolkata')).toBe('2024-07-01T15:35:00+05:30');
  });
});

describe('scheduling decisions', () => {
  test('concurrencyPolicy is the Schedule’s overlap policy', () => {
    expect(overlapPolicyFor('Allow')).toBe('ALLOW_ALL');
    expect(overlapPolicyFor('Forbid')).toBe('SKIP');
    expect(overlapPolicyFor('Replace')).toBe('CANCEL_OTHER');
  });

  test('startingDeadlineSeconds is the catch-up window (Temporal’s minimum is 10 s)', () => {
    expect(catchupWindowMs({})).toBeUndefined();
    expect(catchupWindowMs({ startingDeadlineSeconds: 200 })).toBe(200_000);
    expect(catchupWindowMs({ startingDeadlineSeconds: 0 })).toBe(10_000);
  });

  test('the schedule and zone become the Schedule spec', () => {
    expect(scheduleSpecFor({ schedule: '0 3 * * *', timeZone: 'Europe/Paris' })).toEqual({ cronExpressions: ['0 3 * * *'], timezone: 'Europe/Paris' });
    expect(scheduleSpecFor({ schedule: '@hourly' })).toEqual({ cronExpressions: ['@hourly'] });
  });

  test('history limits keep the newest successful and failed Jobs by start time, separately', () => {
    const finished = [
      { name: 'c', succeeded: true, startedAtMs: 3 },
      { name: 'a', succeeded: true, startedAtMs: 1 },
      { name: 'b', succeeded: true, startedAtMs: 2 },
      { name: 'f1', succeeded: false, startedAtMs: 1 },
      { name: 'f2', succeeded: false, startedAtMs: 5 },
    ];
    expect(jobsBeyondHistoryLimits(finished, { successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })).toEqual(['f1']);
    expect(jobsBeyondHistoryLimits(finished, { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 })).toEqual(['a', 'b', 'f1']);
    expect(jobsBeyondHistoryLimits(finished, { successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 })).toEqual(['a', 'b', 'c', 'f1', 'f2']);
  });

  test('status: active Jobs, last schedule and last success', () => {
    const state: CronJobJobs = { jobs: [] };
    onJobStarted(state, { name: 'x-1', uid: 'u1', runId: 'r', scheduledAtMs: 60_000, startedAtMs: 61_000, manual: false });
    onJobStarted(state, { name: 'manual', uid: 'u2', runId: 'r', scheduledAtMs: 999_000, startedAtMs: 999_000, manual: true });
    expect(renderCronJobStatus(state, 'default')).toEqual({
      active: [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'x-1', namespace: 'default', uid: 'u1' },
        { apiVersion: 'batch/v1', kind: 'Job', name: 'manual', namespace: 'default', uid: 'u2' },
      ],
      lastScheduleTime: '1970-01-01T00:01:00Z',
    });
    onJobFinished(state, { name: 'x-1', succeeded: true, finishedAtMs: 120_000, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    onJobDeleted(state, 'manual');
    expect(renderCronJobStatus(state, 'default')).toEqual({ lastScheduleTime: '1970-01-01T00:01:00Z', lastSuccessfulTime: '1970-01-01T00:02:00Z' });
  });
});
