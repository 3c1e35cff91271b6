/**
 * The image store's pure parts: the platform choice in an index (containerd's platforms matcher), skopeo's and
 * umoci's messages as the kubelet's events will carry them (the ones bench/image-rootfs/README.md lists), the
 * registries.conf written for mirrors, which registries are insecure, and `kjob image ls`'s SIZE column.
 */
import { describe, expect, test } from 'vitest';
import { humanSize } from '../../src/cli/format.js';
import type { ImageIndex } from '../../src/images/manifests.js';
import { imageConfigOf, parseManifest } from '../../src/images/manifests.js';
import { choosePlatform, noPlatformMessage } from '../../src/images/platform.js';
import { isInsecureRegistry, isLoopbackRegistry, registriesConf } from '../../src/images/registries-conf.js';
import { skopeoMessage } from '../../src/images/skopeo.js';
import { umociMessage } from '../../src/images/umoci.js';

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const index = (...platforms: { os: string; architecture: string; variant?: string }[]): ImageIndex => ({
  manifests: platforms.map((platform, n) => ({ digest: digest(n + 1), platform })),
});

describe('choosePlatform', () => {
  const docker = index(
    { os: 'linux', architecture: 'arm', variant: 'v6' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'unknown', architecture: 'unknown' },
    { os: 'linux', architecture: 'amd64' },
    { os: 'windows', architecture: 'amd64' },
  );
  test('the host platform, attestations and other OSes passed over', () => {
    expect(choosePlatform(docker, { os: 'linux', architecture: 'amd64' })?.digest).toBe(digest(4));
    expect(choosePlatform(docker, { os: 'linux', architecture: 'arm64' })?.digest).toBe(digest(2));
  });
  test('arm v7 runs a v6 image when there is no v7 one', () => {
    expect(choosePlatform(docker, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(digest(1));
    expect(choosePlatform(docker, { os: 'linux', architecture: 'arm', variant: 'v5' })).toBeUndefined();
  });
  test('the best variant wins over the first listed', () => {
    const both = index({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(choosePlatform(both, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(digest(2));
  });
  test('aliases: x86_64 is amd64, aarch64 is arm64', () => {
    expect(choosePlatform(index({ os: 'linux', architecture: 'x86_64' }), { os: 'linux', architecture: 'amd64' })).toBeDefined();
    expect(choosePlatform(index({ os: 'linux', architecture: 'aarch64' }), { os: 'linux', architecture: 'arm64', variant: 'v8' })).toBeDefined();
  });
  test("none: c/image's words", () => {
    expect(choosePlatform(docker, { os: 'linux', architecture: 's390x' })).toBeUndefined();
    expect(noPlatformMessage({ os: 'linux', architecture: 's390x' })).toBe('no image found in manifest list for architecture s390x, variant "", OS linux');
  });
});

describe('manifests and configs', () => {
  test('an index, an image manifest, something else', () => {
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, manifests: [] })).kind).toBe('index');
    expect(parseManifest(JSON.stringify({ schemaVersion: 2, config: { digest: digest(1) }, layers: [] })).kind).toBe('image');
    expect(parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [] })).kind).toBe('other');
  });
  test("the config's null and empty fields are absent", () => {
    expect(imageConfigOf(JSON.stringify({ config: { Entrypoint: null, Cmd: ['sh'], Env: ['A=1'], WorkingDir: '', User: '' } }))).toEqual({ cmd: ['sh'], env: ['A=1'] });
    expect(imageConfigOf(JSON.stringify({ architecture: 'amd64' }))).toEqual({});
  });
});

describe('tool messages', () => {
  const fatal = (msg: string) => `time="2026-01-01T00:00:00Z" level=fatal msg=${JSON.stringify(msg)}\n`;
  test.each([
    [
      'initializing source docker://127.0.0.1:5055/test-src:nope: reading manifest nope in 127.0.0.1:5055/test-src: manifest unknown: manifest unknown',
      'reading manifest nope in 127.0.0.1:5055/test-src: manifest unknown: manifest unknown',
    ],
    ['Error parsing image name "docker://127.0.0.1:5055/x@sha256:abc": invalid reference format', 'invalid reference format'],
    [
      'pinging container registry 127.0.0.1:5999: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      'pinging container registry 127.0.0.1:5999: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
    ],
    ['writing blob: happened during read: Digest did not match, expected sha256:a331, got sha256:1899', 'writing blob: happened during read: Digest did not match, expected sha256:a331, got sha256:1899'],
  ])('skopeo: %s', (msg, expected) => {
    expect(skopeoMessage(`Getting image source signatures\n${fatal(msg)}`)).toBe(expected);
  });
  test('skopeo without a fatal line: its last line', () => {
    expect(skopeoMessage('something odd\nthe end\n')).toBe('the end');
  });
  test('umoci: the text after ⨯', () => {
    expect(umociMessage('   • unpacking rootfs ...\n   ⨯ create rootfs: unpack layer: read next entry: flate: corrupt input before offset 4998\n')).toBe(
      'create rootfs: unpack layer: read next entry: flate: corrupt input before offset 4998',
    );
  });
});

describe('registries', () => {
  test.each([
    ['localhost', true], ['localhost:5000', true], ['127.0.0.1:5000', true], ['127.255.0.9', true], ['[::1]:5000', true],
    ['128.0.0.1:5000', false], ['docker.io', false], ['localhost.example.com', false], ['10.0.0.1:5000', false],
  ] as const)('%s is loopback: %s', (location, loopback) => {
    expect(isLoopbackRegistry(location)).toBe(loopback);
  });
  test('listed registries are insecure, by host or by location', () => {
    expect(isInsecureRegistry('registry.lan:5000', ['registry.lan:5000'])).toBe(true);
    expect(isInsecureRegistry('registry.lan:5000/team', ['registry.lan:5000'])).toBe(true);
    expect(isInsecureRegistry('registry.lan', [])).toBe(false);
  });
  test('registries.conf: each mirror under its domain, in order; listed insecure registries', () => {
    expect(registriesConf({ 'docker.io': ['127.0.0.1:5000', 'mirror.lan'] }, ['registry.lan'])).toBe(
      [
        "# Written by kjob's image store for skopeo --registries-conf.",
        '',
        '[[registry]]', 'prefix = "docker.io"', 'location = "docker.io"', 'insecure = false',
        '[[registry.mirror]]', 'location = "127.0.0.1:5000"', 'insecure = true',
        '[[registry.mirror]]', 'location = "mirror.lan"', 'insecure = false',
        '',
        '[[registry]]', 'location = "registry.lan"', 'insecure = true',
        '',
      ].join('\n'),
    );
  });
});

test.each([
  [0, '0B'], [999, '999B'], [1000, '1kB'], [2_048_000, '2.048MB'], [130_670_592, '130.7MB'], [20 * 1024 ** 3, '21.47GB'],
] as const)('humanSize(%d) is %s, as crictl shows it', (bytes, shown) => {
  expect(humanSize(bytes)).toBe(shown);
});
