/**
 * Image references, pinned with the cases of distribution/reference's own tests (normalize_test.go:
 * TestValidateReferenceName, TestParseRepositoryInfo, TestParseReferenceWithTagAndDigest; reference_test.go's
 * digest cases) and the kubelet's pull-policy default (pkg/apis/core/v1/defaults_test.go TestSetDefaultImagePullPolicy).
 */
import { describe, expect, test } from 'vitest';
import {
  defaultPullPolicy,
  familiarName,
  fullName,
  ImageReferenceError,
  parseImageReference,
} from '../../src/shared/images/image-reference.js';

const DIGEST = 'sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa';

describe('ParseNormalizedNamed', () => {
  test.each([
    'docker/docker', 'library/debian', 'debian', 'docker.io/docker/docker', 'docker.io/library/debian', 'docker.io/debian',
    'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian', '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', '192.168.0.1', '192.168.0.1:80', '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian', 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', 'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'Docker/docker', 'a__b/c', 'a-----b/c',
  ])('valid: %s', (name) => {
    expect(() => parseImageReference(name)).not.toThrow();
  });

  test.each([
    ['', 'invalid reference format'],
    ['https://github.com/docker/docker', 'invalid reference format'],
    ['docker/Docker', 'invalid reference format: repository name must be lowercase'],
    ['-docker', 'invalid reference format'],
    ['-docker/docker', 'invalid reference format'],
    ['-docker.io/docker/docker', 'invalid reference format'],
    ['docker///docker', 'invalid reference format'],
    ['docker.io/docker/Docker', 'invalid reference format: repository name must be lowercase'],
    ['docker.io/docker///docker', 'invalid reference format'],
    ['[fc00::1]', 'invalid reference format'],
    ['[fc00::1]:5000', 'invalid reference format'],
    ['fc00::1:5000/debian', 'invalid reference format'],
    ['[fe80::1%eth0]:5000/debian', 'invalid reference format'],
    ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'invalid reference format'],
    ['Perl:5.34.0', 'invalid reference format: repository name must be lowercase'],
    ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'invalid repository name (1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a), cannot specify 64-byte hexadecimal strings'],
    [`perl@sha256:abc`, 'invalid reference format'],
    [`perl@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length'],
    [`perl@sha256:${'a'.repeat(65)}`, 'invalid checksum digest length'],
    [`perl@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
    [`perl@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    [`a/${'b'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  ])('invalid: %s', (name, message) => {
    expect(() => parseImageReference(name)).toThrow(new ImageReferenceError(message));
  });

  test.each([
    ['fooo/bar', 'docker.io', 'fooo/bar', 'fooo/bar'],
    ['library/ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['nonlibrary/ubuntu', 'docker.io', 'nonlibrary/ubuntu', 'nonlibrary/ubuntu'],
    ['ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['other/library', 'docker.io', 'other/library', 'other/library'],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000', 'private/moonbase', '127.0.0.1:8000/private/moonbase'],
    ['127.0.0.1:8000/privatebase', '127.0.0.1:8000', 'privatebase', '127.0.0.1:8000/privatebase'],
    ['[::1]:8000/private/moonbase', '[::1]:8000', 'private/moonbase', '[::1]:8000/private/moonbase'],
    ['localhost:8000/private/moonbase', 'localhost:8000', 'private/moonbase', 'localhost:8000/private/moonbase'],
    ['localhost/privatebase', 'localhost', 'privatebase', 'localhost/privatebase'],
    ['example.com:8000/privatebase', 'example.com:8000', 'privatebase', 'example.com:8000/privatebase'],
    ['example.com/private/moonbase', 'example.com', 'private/moonbase', 'example.com/private/moonbase'],
    ['index.docker.io/ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['docker.io/ubuntu', 'docker.io', 'library/ubuntu', 'ubuntu'],
    ['index.docker.io/library/ubuntu-12.04-base', 'docker.io', 'library/ubuntu-12.04-base', 'ubuntu-12.04-base'],
    ['docker.io/library/a/b', 'docker.io', 'library/a/b', 'library/a/b'],
    ['Docker/docker', 'Docker', 'docker', 'Docker/docker'],
  ])('%s is %s / %s, shown as %s', (name, domain, path, familiar) => {
    const ref = parseImageReference(name);
    expect({ domain: ref.domain, path: ref.path }).toEqual({ domain, path });
    expect(familiarName(ref)).toBe(familiar);
  });
});

describe('tags and digests', () => {
  test('the docs example: perl:5.34.0', () => {
    const ref = parseImageReference('perl:5.34.0');
    expect(ref).toEqual({ domain: 'docker.io', path: 'library/perl', tag: '5.34.0' });
    expect(fullName(ref)).toBe('docker.io/library/perl:5.34.0');
    expect(familiarName(ref)).toBe('perl:5.34.0');
  });

  test('no tag and no digest means :latest in the full name only', () => {
    const ref = parseImageReference('busybox');
    expect(ref.tag).toBeUndefined();
    expect(fullName(ref)).toBe('docker.io/library/busybox:latest');
    expect(familiarName(ref)).toBe('busybox');
  });

  test('a digest without a tag gets no :latest', () => {
    const ref = parseImageReference(`ghcr.io/a/b@${DIGEST}`);
    expect(ref).toEqual({ domain: 'ghcr.io', path: 'a/b', digest: DIGEST });
    expect(fullName(ref)).toBe(`ghcr.io/a/b@${DIGEST}`);
  });

  test('a tag and a digest are both kept', () => {
    const ref = parseImageReference(`busybox:latest@${DIGEST}`);
    expect(ref).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: DIGEST });
    expect(fullName(ref)).toBe(`docker.io/library/busybox:latest@${DIGEST}`);
    expect(familiarName(ref)).toBe(`busybox:latest@${DIGEST}`);
  });

  test('a host with a port is not a tag', () => {
    const ref = parseImageReference('localhost:5000/x');
    expect(ref).toEqual({ domain: 'localhost:5000', path: 'x' });
    expect(fullName(ref)).toBe('localhost:5000/x:latest');
    expect(fullName(parseImageReference('127.0.0.1:5000/a/b:v1'))).toBe('127.0.0.1:5000/a/b:v1');
  });

  test('the longest tag docker takes, and one over', () => {
    expect(parseImageReference(`x:${'t'.repeat(128)}`).tag).toHaveLength(128);
    expect(() => parseImageReference(`x:${'t'.repeat(129)}`)).toThrow('invalid reference format');
    expect(() => parseImageReference('x:.tag')).toThrow('invalid reference format');
  });
});

describe('the default imagePullPolicy', () => {
  test.each([
    ['busybox', 'Always'],
    ['busybox:latest', 'Always'],
    ['busybox:1', 'IfNotPresent'],
    [`busybox@${DIGEST}`, 'IfNotPresent'],
    [`busybox:latest@${DIGEST}`, 'Always'],
    ['localhost:5000/x', 'Always'],
    ['localhost:5000/x:v2', 'IfNotPresent'],
    ['Not A Reference', 'IfNotPresent'],
  ] as const)('%s: %s', (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });
});
