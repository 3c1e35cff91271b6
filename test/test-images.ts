/**
 * Small test images, built from Debian's static busybox with umoci (as bench/image-rootfs/build-image.sh does):
 * a first layer with busybox, its applets, /etc/passwd and /etc/group, more layers of files (whiteouts and opaque
 * folders included, crafted as OCI layer tars and added with `umoci raw add-layer`), and the config. They are pushed
 * with skopeo (one of them as a multi-platform OCI index) and exported to docker-archive and oci-archive files.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type FileSpec = string | Buffer | { content: string | Buffer; mode: number };

export interface TestLayer {
  files?: Record<string, FileSpec>;
  /** Paths this layer deletes from the layers below (an OCI whiteout, `.wh.<name>`, each). */
  remove?: string[];
  /** Folders this layer makes opaque (`.wh..wh..opq`): what the layers below had in them is gone. */
  opaque?: string[];
  /** Host files or folders copied into the layer at the same paths, as they are (`cp -a`): bulk for big images. */
  hostPaths?: string[];
}

export interface TestImageSpec {
  /** busybox and its applets, /etc/passwd, /etc/group, /tmp in the first layer (default true). */
  busybox?: boolean;
  /** Files added to the first layer. */
  files?: Record<string, FileSpec>;
  layers?: TestLayer[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  /** The config's platform (default amd64 / linux). */
  architecture?: string;
  os?: string;
}

/** An image in an OCI layout of its own: `oci:<layout>:<tag>`. */
export interface TestImage {
  layout: string;
  tag: string;
}

const temps: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Removes every folder the builders here made. */
export async function removeTestImages(): Promise<void> {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

async function writeFiles(root: string, files: Record<string, FileSpec>): Promise<void> {
  for (const [path, spec] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    const { content, mode } = typeof spec === 'string' || Buffer.isBuffer(spec) ? { content: spec, mode: 0o644 } : spec;
    await writeFile(target, content);
    await chmod(target, mode);
  }
}

async function busyboxTree(root: string): Promise<void> {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'proc', 'dev', 'sys']) await mkdir(join(root, dir), { recursive: true });
  await mkdir(join(root, 'tmp'), { mode: 0o1777 });
  await chmod(join(root, 'tmp'), 0o1777);
  await writeFile(join(root, 'bin/busybox'), await readFile('/bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const { stdout } = await run('/bin/busybox', ['--list-full']);
  for (const applet of stdout.split('\n').filter((a) => a && a !== 'bin/busybox')) {
    await mkdir(dirname(join(root, applet)), { recursive: true });
    await symlink('/bin/busybox', join(root, applet)).catch(() => undefined);
  }
  await writeFiles(root, { 'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n', 'etc/group': 'root:x:0:\nnogroup:x:65534:\n' });
}

/** One layer as a tar (what `umoci raw add-layer` takes), with whiteout entries for `remove` and `opaque`. */
async function layerTar(work: string, index: number, layer: TestLayer & { busybox?: boolean }): Promise<string> {
  const root = join(work, `layer-${index}`);
  await mkdir(root, { recursive: true });
  if (layer.busybox) await busyboxTree(root);
  await writeFiles(root, layer.files ?? {});
  for (const path of layer.hostPaths ?? []) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await run('cp', ['-a', path, join(root, path)]);
  }
  for (const path of layer.remove ?? []) await writeFiles(root, { [join(dirname(path), `.wh.${path.split('/').pop()}`)]: '' });
  for (const dir of layer.opaque ?? []) await writeFiles(root, { [join(dir, '.wh..wh..opq')]: '' });
  const tar = join(work, `layer-${index}.tar`);
  await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tar, '.']);
  await rm(root, { recursive: true, force: true });
  return tar;
}

function configArgs(spec: TestImageSpec): string[] {
  return [
    ...(spec.entrypoint ?? []).flatMap((e) => ['--config.entrypoint', e]),
    ...(spec.cmd ?? []).flatMap((c) => ['--config.cmd', c]),
    ...(spec.env ?? []).flatMap((e) => ['--config.env', e]),
    ...(spec.workingDir ? ['--config.workingdir', spec.workingDir] : []),
    ...(spec.user ? ['--config.user', spec.user] : []),
    ...(spec.architecture ? ['--architecture', spec.architecture] : []),
    ...(spec.os ? ['--os', spec.os] : []),
  ];
}

export async function buildTestImage(spec: TestImageSpec = {}): Promise<TestImage> {
  const work = await tempDir('kjob-test-image-');
  const image = { layout: join(work, 'oci'), tag: 'image' };
  const ref = `${image.layout}:${image.tag}`;
  await run('umoci', ['init', '--layout', image.layout]);
  await run('umoci', ['new', '--image', ref]);
  const layers: (TestLayer & { busybox?: boolean })[] = [{ busybox: spec.busybox ?? true, files: spec.files ?? {} }, ...(spec.layers ?? [])];
  for (const [index, layer] of layers.entries()) {
    const tar = await layerTar(work, index, layer);
    await run('umoci', ['raw', 'add-layer', '--image', ref, tar]);
    await rm(tar);
  }
  const args = configArgs(spec);
  if (args.length > 0) await run('umoci', ['config', '--image', ref, ...args]);
  await run('umoci', ['gc', '--layout', image.layout]);
  return image;
}

export interface PushOptions {
  credentials?: { username: string; password: string };
  /** The manifest format in the registry: OCI as built (default), or Docker schema 2 (`v2s2`). */
  format?: 'oci' | 'v2s2';
}

async function skopeoCopy(source: string, destination: string, options: PushOptions & { all?: boolean } = {}): Promise<string> {
  const digestFile = join(await tempDir('kjob-digest-'), 'digest');
  const creds = options.credentials ? ['--dest-creds', `${options.credentials.username}:${options.credentials.password}`] : [];
  await run('skopeo', [
    '--insecure-policy', 'copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile, ...creds,
    ...(options.format ? ['--format', options.format] : []), ...(options.all ? ['--all'] : []), source, destination,
  ]);
  return (await readFile(digestFile, 'utf8')).trim();
}

/** Pushes to `destination` (`127.0.0.1:PORT/name:tag`); resolves to the manifest digest the registry holds. */
export function pushTestImage(image: TestImage, destination: string, options: PushOptions = {}): Promise<string> {
  return skopeoCopy(`oci:${image.layout}:${image.tag}`, `docker://${destination}`, options);
}

export interface PlatformImage {
  image: TestImage;
  platform: { os: string; architecture: string; variant?: string };
}

/** Pushes an OCI index of `images` to `destination`; resolves to the index's digest and each platform's. */
export async function pushMultiPlatformImage(images: PlatformImage[], destination: string, options: PushOptions = {}): Promise<{ digest: string; manifests: string[] }> {
  const layout = join(await tempDir('kjob-test-index-'), 'oci');
  const manifests: { mediaType: string; digest: string; size: number; platform: PlatformImage['platform'] }[] = [];
  for (const [index, { image, platform }] of images.entries()) {
    await run('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci:${image.layout}:${image.tag}`, `oci:${layout}:p${index}`]);
    const entries = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string; size: number; annotations?: Record<string, string> }[] };
    const entry = entries.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === `p${index}`)!;
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: entry.digest, size: entry.size, platform });
  }
  const indexJson = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  const hex = createHash('sha256').update(indexJson).digest('hex');
  await writeFile(join(layout, 'blobs', 'sha256', hex), indexJson);
  const layoutIndex = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: unknown[] };
  layoutIndex.manifests.push({
    mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${hex}`, size: Buffer.byteLength(indexJson),
    annotations: { 'org.opencontainers.image.ref.name': 'index' },
  });
  await writeFile(join(layout, 'index.json'), JSON.stringify(layoutIndex));
  const digest = await skopeoCopy(`oci:${layout}:index`, `docker://${destination}`, { ...options, all: true });
  return { digest, manifests: manifests.map((m) => m.digest) };
}

/** Writes the image to a `docker save`-style docker-archive or an oci-archive at `path`, named `name` (`x:1`). */
export async function exportTestImage(image: TestImage, format: 'docker-archive' | 'oci-archive', path: string, name: string): Promise<void> {
  await rm(path, { force: true });
  await run('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci:${image.layout}:${image.tag}`, `${format}:${path}:${name}`]);
}
