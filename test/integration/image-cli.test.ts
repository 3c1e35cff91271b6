/**
 * `kjob image load|ls|rm` as a user runs them: the built CLI (`node bin/kjob.js`; `npm test` builds first) on a
 * docker-archive and an oci-archive made from a test image, in a state folder of the test's own.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTestImage, exportTestImage, removeTestImages } from '../test-images.js';

const KJOB = join(import.meta.dirname, '..', '..', 'bin', 'kjob.js');
let work: string;
let stateDir: string;

async function kjob(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [KJOB, ...args, '--state-dir', stateDir]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  work = await mkdtemp(join(tmpdir(), 'kjob-image-cli-'));
  stateDir = join(work, '.kjob');
  const image = await buildTestImage({ files: { 'etc/image-marker': 'cli\n' } });
  await exportTestImage(image, 'docker-archive', join(work, 'docker.tar'), 'cli-test:1');
  await exportTestImage(image, 'oci-archive', join(work, 'oci.tar'), 'v2');
});

afterAll(async () => {
  await removeTestImages();
  if (work) await rm(work, { recursive: true, force: true });
});

test('load, ls and rm', async () => {
  expect(await kjob('image', 'ls')).toEqual({ code: 0, stdout: 'IMAGE   TAG   IMAGE ID   SIZE\n', stderr: '' });
  expect(existsSync(stateDir)).toBe(false);

  expect(await kjob('image', 'load', '-i', join(work, 'docker.tar'))).toMatchObject({ code: 0, stdout: 'Loaded image: docker.io/library/cli-test:1\n' });
  const unnamed = await kjob('image', 'load', '-i', join(work, 'oci.tar'));
  expect(unnamed.code).toBe(1);
  expect(unnamed.stderr).toBe(`error: ${join(work, 'oci.tar')}: the archive does not name its image; give it a name\n`);
  expect(await kjob('image', 'load', '-i', join(work, 'oci.tar'), '--name', 'localhost:5000/team/tool:v2')).toMatchObject({
    code: 0,
    stdout: 'Loaded image: localhost:5000/team/tool:v2\n',
  });

  const listed = await kjob('image', 'ls');
  const lines = listed.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
  expect(lines.slice(1).map((line) => line.split(/\s+/))).toEqual([
    ['docker.io/library/cli-test', '1', expect.stringMatching(/^[0-9a-f]{12}$/), expect.stringMatching(/^\d+(\.\d+)?MB$/)],
    ['localhost:5000/team/tool', 'v2', expect.stringMatching(/^[0-9a-f]{12}$/), expect.stringMatching(/^\d+(\.\d+)?MB$/)],
  ]);

  expect(await kjob('image', 'rm', 'cli-test:1', 'nope:1')).toEqual({ code: 1, stdout: 'Deleted: cli-test:1\n', stderr: 'error: no such image: nope:1\n' });
  const id = lines[2]!.split(/\s+/)[2]!;
  expect(await kjob('image', 'rm', id)).toMatchObject({ code: 0, stdout: `Deleted: ${id}\n` });
  expect((await kjob('image', 'ls')).stdout).toBe('IMAGE   TAG   IMAGE ID   SIZE\n');
});
