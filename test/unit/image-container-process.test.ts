/**
 * The process a container runs in its image (activities/runtimes/image/container-process.ts, image-user.ts):
 * Kubernetes' command/args against ENTRYPOINT/CMD, the env's order, the working dir, and USER resolved as
 * containerd resolves it.
 */
import { describe, expect, test } from 'vitest';
import { imageArgv, imageEnv, imageWorkingDir } from '../../activities/runtimes/image/container-process.js';
import { ImageUserError, resolveImageUser, type AccountFiles } from '../../activities/runtimes/image/image-user.js';
import type { ImageConfig } from '../../src/images/image-config.js';

const image: ImageConfig = { entrypoint: ['/docker-entrypoint.sh'], cmd: ['serve', '--port', '80'] };

describe('command and args against ENTRYPOINT and CMD', () => {
  test.each([
    ['neither: ENTRYPOINT then CMD', undefined, [], ['/docker-entrypoint.sh', 'serve', '--port', '80']],
    ['command only: it replaces ENTRYPOINT, CMD is dropped', ['/bin/app'], [], ['/bin/app']],
    ['args only: they replace CMD, ENTRYPOINT is kept', undefined, ['migrate'], ['/docker-entrypoint.sh', 'migrate']],
    ['both: the image is ignored', ['/bin/app'], ['--verbose'], ['/bin/app', '--verbose']],
    ['an empty command counts as none', [], [], ['/docker-entrypoint.sh', 'serve', '--port', '80']],
    ['an empty command with args', [], ['migrate'], ['/docker-entrypoint.sh', 'migrate']],
  ])('%s', (_name, command, args, expected) => {
    expect(imageArgv(command, args, image)).toEqual(expected);
  });

  test('an image without ENTRYPOINT runs CMD; ENTRYPOINT [""] is none; nothing at all is an empty argv', () => {
    expect(imageArgv(undefined, [], { cmd: ['sh'] })).toEqual(['sh']);
    expect(imageArgv(undefined, ['ls'], { entrypoint: [''], cmd: ['sh'] })).toEqual(['ls']);
    expect(imageArgv(undefined, [], {})).toEqual([]);
    expect(imageArgv([], [], { entrypoint: [] })).toEqual([]);
  });
});

describe('env', () => {
  test("PATH's default and HOSTNAME, then the image's Env, then the container's; HOME last unless set", () => {
    const env = imageEnv({ env: ['PATH=/opt/bin:/bin', 'LANG=C.UTF-8', 'MODE=image', 'HOSTNAME=from-image'] }, { MODE: 'container', OWN: '1' }, 'pod-1', '/home/app');
    expect(Object.entries(env)).toEqual([
      ['PATH', '/opt/bin:/bin'],
      ['HOSTNAME', 'from-image'],
      ['LANG', 'C.UTF-8'],
      ['MODE', 'container'],
      ['OWN', '1'],
      ['HOME', '/home/app'],
    ]);
  });

  test("the default PATH without the image's; HOME from the image or the container wins; `NAME` alone unsets", () => {
    expect(imageEnv({}, {}, 'pod-1', '/')).toEqual({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: 'pod-1', HOME: '/' });
    expect(imageEnv({ env: ['HOME=/data'] }, {}, 'p', '/root').HOME).toBe('/data');
    expect(imageEnv({ env: ['HOME=/data'] }, { HOME: '/mine' }, 'p', '/root').HOME).toBe('/mine');
    expect(imageEnv({ env: ['PATH'] }, {}, 'p', '/')).not.toHaveProperty('PATH');
  });
});

test('working dir: the container’s, else WORKDIR, else /', () => {
  expect(imageWorkingDir('/srv', { workingDir: '/app' })).toBe('/srv');
  expect(imageWorkingDir(undefined, { workingDir: '/app' })).toBe('/app');
  expect(imageWorkingDir('', {})).toBe('/');
});

describe('USER against the image’s /etc/passwd and /etc/group', () => {
  const files: AccountFiles = {
    passwd: '# users\nroot:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:App:/home/app:/bin/sh\nnohome:x:1002:1002::\n',
    group: 'root:x:0:\napp:x:1001:\nstaff:x:50:app,other\nwheel:x:10:other\n',
  };
  const resolve = (user: string | undefined, f: AccountFiles = files) => resolveImageUser(user, f, '/images/x/rootfs');

  test('no USER is root, with root’s home', () => {
    expect(resolve(undefined)).toEqual({ uid: 0, gid: 0, groups: [0], home: '/root' });
    expect(resolve('')).toEqual({ uid: 0, gid: 0, groups: [0], home: '/root' });
  });

  test('numeric: the listed user’s group and home; an unlisted uid runs with group 0 and home /', () => {
    expect(resolve('1000')).toEqual({ uid: 1000, gid: 1001, groups: [50, 1001], home: '/home/app' });
    expect(resolve('4242')).toEqual({ uid: 4242, gid: 0, groups: [0], home: '/' });
    expect(resolve('4242', { passwd: undefined, group: undefined })).toEqual({ uid: 4242, gid: 0, groups: [0], home: '/' });
    expect(resolve('1000:7')).toEqual({ uid: 1000, gid: 7, groups: [50, 7], home: '/home/app' });
  });

  test('names: name, name:group, uid:group, name:gid; an empty home is /', () => {
    expect(resolve('app')).toEqual({ uid: 1000, gid: 1001, groups: [50, 1001], home: '/home/app' });
    expect(resolve('app:staff')).toMatchObject({ uid: 1000, gid: 50, groups: [50] });
    expect(resolve('1000:wheel')).toMatchObject({ uid: 1000, gid: 10 });
    expect(resolve('app:0')).toMatchObject({ uid: 1000, gid: 0 });
    expect(resolve('nohome')).toMatchObject({ uid: 1002, home: '/' });
  });

  test('a missing name, group or file is containerd’s error', () => {
    expect(() => resolve('ghost')).toThrow(new ImageUserError('no users found'));
    expect(() => resolve('app:ghosts')).toThrow(new ImageUserError('no groups found'));
    expect(() => resolve('app', { passwd: undefined, group: undefined })).toThrow('open /images/x/rootfs/etc/passwd: no such file or directory');
    expect(() => resolve('0:staff', { passwd: files.passwd, group: undefined })).toThrow('open /images/x/rootfs/etc/group: no such file or directory');
    expect(() => resolve('a:b:c')).toThrow('invalid USER value a:b:c');
  });
});
