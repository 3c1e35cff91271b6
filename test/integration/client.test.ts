/** JobClient semantics on the time-skipping server: duplicate creates, apply, invalid input, the backoff cap. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AlreadyExistsError, JobValidationError, NotFoundError } from '../../src/shared/errors.js';
import { createJobTestEnvironment, type JobTestEnvironment } from '../../src/testing/index.js';
import { conditions, creationGaps, handlerContainer, jobManifest } from '../helpers.js';

let t: JobTestEnvironment;
let runs = 0;
beforeAll(async () => {
  t = await createJobTestEnvironment({
    handlers: {
      slow: async () => {
        runs++;
        await new Promise((r) => setTimeout(r, 200));
      },
      quick: async () => {
        await new Promise((r) => setTimeout(r, Math.random() * 30));
      },
    },
  });
});
afterAll(async () => t?.teardown());

describe('duplicate starts', () => {
  test('creating a name that exists gives AlreadyExists and never a second workflow, even when racing', async () => {
    const manifest = jobManifest('dup', {}, handlerContainer('slow'));
    const results = await Promise.allSettled([t.jobs.create(manifest), t.jobs.create(manifest), t.jobs.create(manifest)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyExistsError);
      expect(((r as PromiseRejectedResult).reason as Error).message).toBe('jobs.batch "dup" already exists');
    }
    await t.jobs.wait('dup');
    expect(runs).toBe(1);
    // A finished Job keeps its name, as in Kubernetes.
    await expect(t.jobs.create(manifest)).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  test('apply: creates, then an identical manifest is a no-op; a change to an immutable field is refused', async () => {
    const manifest = jobManifest('applied', { completions: 2 }, handlerContainer('slow'));
    expect((await t.jobs.apply(manifest)).map((r) => r.action)).toEqual(['created']);
    const again = await t.jobs.apply(manifest);
    expect(again.map((r) => r.action)).toEqual(['unchanged']);
    const uid = again[0]!.job.metadata.uid;
    await expect(t.jobs.apply(jobManifest('applied', { completions: 3 }, handlerContainer('slow')))).rejects.toThrow(
      'Job.batch "applied" is invalid: spec.completions: Invalid value: 3: field is immutable',
    );
    const job = await t.jobs.wait('applied');
    expect(job.metadata.uid).toBe(uid);
    expect(job.status).toMatchObject({ succeeded: 2 });
  });

  test('an invalid manifest starts nothing, and lists every violation', async () => {
    const bad = [jobManifest('fine', {}, handlerContainer('slow')), jobManifest('broken', { parallelism: -1, backoffLimit: -1 }, handlerContainer('slow'))];
    const error = await t.jobs.createAll(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as JobValidationError).violations).toEqual([
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ]);
    await expect(t.jobs.get('fine')).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.jobs.get('broken')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('get, pods and wait on an unknown Job give NotFound', async () => {
    await expect(t.jobs.get('nope')).rejects.toThrow('jobs.batch "nope" not found');
    await expect(t.jobs.pods('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('kjob/testing', () => {
  test('waiting for several Jobs at once keeps time skipping sound', async () => {
    const names = ['w1', 'w2', 'w3'];
    for (const name of names) await t.jobs.create(jobManifest(name, { backoffLimit: 1 }, handlerContainer(name === 'w2' ? 'slow' : 'nothing-here')));
    const done = await Promise.all(names.map((name) => t.jobs.wait(name)));
    expect(done.map(conditions)).toEqual([
      ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded'],
      ['SuccessCriteriaMet=True:CompletionsReached', 'Complete=True:CompletionsReached'],
      ['FailureTarget=True:BackoffLimitExceeded', 'Failed=True:BackoffLimitExceeded'],
    ]);
    // The replacement of w1's failed pod waited its 10 s backoff in simulated time.
    expect(creationGaps(await t.jobs.pods('w1'))[0]).toBeCloseTo(10, -0.5);
  });
});

describe('reading running Jobs', () => {
  test('gets racing the end of their Jobs all answer, though the test server drops some queries at a workflow’s end', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `read-race-${i}`);
    for (const name of names) {
      await t.jobs.create(jobManifest(name, { completions: 4, parallelism: 2, completionMode: 'Indexed' }, handlerContainer('quick')));
      const readers = [0, 1, 2, 3, 4].map(async () => {
        const seen: number[] = [];
        for (let i = 0; i < 8; i++) seen.push((await t.jobs.get(name)).status?.succeeded ?? 0);
        return seen;
      });
      for (const seen of await Promise.all(readers)) {
        // Each reader sees the Job's progress, never going back.
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
        expect(seen.at(-1)).toBeLessThanOrEqual(4);
      }
      expect((await t.jobs.wait(name)).status?.succeeded).toBe(4);
    }
    // A bound on liveness, not speed: an unanswered query used to hang its get() for good.
  }, 120_000);
});

describe('worker settings', () => {
  test('the backoff cap is a worker option', async () => {
    const capped = await createJobTestEnvironment({ podBackoffCapSeconds: 30, handlers: { fail: () => 1 } });
    try {
      await capped.jobs.create(jobManifest('capped', {}, handlerContainer('fail')));
      const job = await capped.jobs.wait('capped');
      expect(conditions(job)).toContain('Failed=True:BackoffLimitExceeded');
      const gaps = creationGaps(await capped.jobs.pods('capped'));
      [10, 20, 30, 30, 30, 30].forEach((expected, i) => expect(gaps[i]).toBeCloseTo(expected, -0.5));
    } finally {
      await capped.teardown();
    }
  });
});


describe('hostile input through create', () => {
  test('300 generated invalid manifests: each refused with field errors, and no workflow starts for any', async () => {
    const fc = (await import('fast-check')).default;
    const { hostileJob } = await import('../fuzz-manifests.js');
    const { parseJobManifests } = await import('../../src/shared/manifest/parse.js');
    const { ManifestParseError } = await import('../../src/shared/errors.js');
    const invalid = fc.sample(hostileJob, { numRuns: 1000, seed: 42 }).filter((job) => {
      try {
        parseJobManifests(job);
        return false;
      } catch {
        return true;
      }
    }).slice(0, 300);
    expect(invalid.length).toBe(300);
    const names = new Set<string>();
    for (const job of invalid) {
      const error = await t.jobs.create(job).then(() => undefined, (e: unknown) => e);
      expect(error instanceof JobValidationError || error instanceof ManifestParseError).toBe(true);
      const name = (job.metadata as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && name.length < 64) names.add(name);
    }
    for (const name of names) await expect(t.jobs.get(name)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('the front door and validated manifests', () => {
  test('a 30 MB manifest and one nested 3,000 deep are refused before any connection or workflow, fast', async () => {
    const { ManifestParseError, RequestEntityTooLargeError } = await import('../../src/shared/errors.js');
    const huge = jobManifest('huge', {}, handlerContainer('quick', { args: ['x'.repeat(30_000_000)] }));
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = { a: deep };
    const started = performance.now();
    for (const input of [huge, JSON.stringify(huge)]) {
      await expect(t.jobs.create(input)).rejects.toThrow(new RequestEntityTooLargeError(3145728));
      await expect(t.jobs.apply(input)).rejects.toBeInstanceOf(RequestEntityTooLargeError);
    }
    const deepJob = { ...jobManifest('deep', {}, handlerContainer('quick')), status: deep };
    await expect(t.jobs.create(deepJob)).rejects.toThrow(new ManifestParseError('error parsing manifest: exceeded max depth of 256'));
    await expect(t.jobs.create(JSON.stringify(deepJob))).rejects.toThrow(new ManifestParseError('error parsing manifest: exceeded max depth of 256 at line 1'));
    expect(performance.now() - started).toBeLessThan(5000);
    await expect(t.jobs.get('huge')).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.jobs.get('deep')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('create and apply take a validated manifest as it is', async () => {
    const { readDocuments } = await import('../../src/shared/manifest/documents.js');
    const { validateAll } = await import('../../src/shared/manifest/validated.js');
    const { JOB_VALIDATION } = await import('../../src/shared/manifest/parse.js');
    const [validated] = validateAll(readDocuments(jobManifest('prevalidated', {}, handlerContainer('quick'))), [JOB_VALIDATION]);
    expect((await t.jobs.create(validated!)).metadata.name).toBe('prevalidated');
    expect((await t.jobs.apply(validated!)).map((r) => r.action)).toEqual(['unchanged']);
    expect((await t.jobs.wait('prevalidated')).status?.succeeded).toBe(1);
  });
});
