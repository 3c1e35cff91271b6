/**
 * The platform an image is pulled for, and its choice among a manifest list's or OCI index's entries, as
 * containerd's platforms matcher does it (containerd/platforms: `Normalize`, `Only`): the host's OS and
 * architecture, and for variants the host's or a compatible older one (arm v7 runs v6 and v5; arm64 is v8
 * unless said otherwise).
 */
import type { Descriptor, ImageIndex } from './manifests.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Node's process.arch in GOARCH's words. */
const GOARCH: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle',
};

export function hostPlatform(): Platform {
  const architecture = GOARCH[process.arch] ?? process.arch;
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
  return {
    os: process.platform,
    architecture,
    ...(architecture === 'arm' && armVersion ? { variant: `v${String(armVersion)}` } : {}),
  };
}

/** containerd's Normalize: the aliases images use for the same architecture. */
function normalize({ os, architecture, variant }: Platform): Platform {
  const arch = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386' }[architecture] ?? architecture;
  let v = variant ?? '';
  if (arch === 'arm64' && v === 'v8') v = '';
  if (arch === 'amd64' && v === 'v1') v = '';
  if (arch === 'arm' && v === '') v = 'v7';
  return { os: os.toLowerCase(), architecture: arch, variant: v };
}

/** The variants a wanted platform runs, best first. */
function compatibleVariants({ architecture, variant }: Platform): string[] {
  const v = variant ?? '';
  const arm = ['v8', 'v7', 'v6', 'v5'];
  if (architecture === 'arm' && arm.includes(v)) return arm.slice(arm.indexOf(v));
  return [v, ...(v === '' ? [] : [''])];
}

/** The index entry to pull for `wanted`, or undefined when the index has none for it. */
export function choosePlatform(index: ImageIndex, wanted: Platform): Descriptor | undefined {
  const want = normalize(wanted);
  const variants = compatibleVariants(want);
  let best: { entry: Descriptor; rank: number } | undefined;
  for (const entry of index.manifests) {
    if (!entry.platform) continue;
    const have = normalize(entry.platform);
    if (have.os !== want.os || have.architecture !== want.architecture) continue;
    const rank = variants.indexOf(have.variant ?? '');
    if (rank !== -1 && (!best || rank < best.rank)) best = { entry, rank };
  }
  return best?.entry;
}

/** c/image's words when a list has nothing for the platform. */
export const noPlatformMessage = (wanted: Platform) =>
  `no image found in manifest list for architecture ${wanted.architecture}, variant ${JSON.stringify(wanted.variant ?? '')}, OS ${wanted.os}`;
