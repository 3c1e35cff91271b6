/**
 * The image sandbox on a worker that is not root: test/integration/image-sandbox-rootless-main.ts runs as
 * nobody (setpriv), where overlays are mounted in a user namespace (`unshare -Urm`) and only the image's root
 * user can be run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { testFolder } from './image-sandbox-fixture.js';

describe('a worker that is not root', () => {
  test('runs images as their root user in a user namespace; a non-root USER is a start error', () => {
    // vite-node runs the TypeScript as nobody; HOME for its cache.
    const vite = join(process.cwd(), 'node_modules/.bin/vite-node');
    const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', `HOME=${testFolder('kjob-image-rootless-home-')}`, vite, 'test/integration/image-sandbox-rootless-main.ts'], { encoding: 'utf8', timeout: 60_000 });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    expect(line.startsWith('{'), `${child.stdout}${child.stderr}`).toBe(true);
    const result = JSON.parse(line);
    expect(result).toMatchObject({ rootless: true, imageUnchanged: true });
    expect(result.root).toMatchObject({ exitCode: 0, text: '0\n/work\nwrote\n', left: [] });
    expect(result.next).toMatchObject({ exitCode: 0, text: 'unchanged\n', left: [] });
    expect(result.user).toMatchObject({ exitCode: 128, reason: 'StartError' });
    expect(result.user.message).toMatch(/^running containers as a non-root user \(uid 1000\) in their images needs root on worker rootless-node: /);
  });
});

