/**
 * The manifests a registry serves, read with zod (they are input from outside): OCI image indexes and Docker
 * manifest lists (`manifests[]` with platforms), OCI and Docker schema 2 image manifests (`config` and `layers`),
 * and the image config's `config` object (OCI image-spec config.md; Docker's is the same).
 */
import { z } from 'zod';
import type { ImageConfig } from './image-config.js';

const descriptor = z.object({
  mediaType: z.string().optional(),
  digest: z.string().regex(/^sha(256|384|512):[a-f0-9]+$/),
  size: z.number().optional(),
  platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
});
export type Descriptor = z.infer<typeof descriptor>;

const imageIndex = z.object({ mediaType: z.string().optional(), manifests: z.array(descriptor) });
export type ImageIndex = z.infer<typeof imageIndex>;

const imageManifest = z.object({ mediaType: z.string().optional(), config: descriptor, layers: z.array(descriptor) });
export type ImageManifest = z.infer<typeof imageManifest>;

export type ParsedManifest = { kind: 'index'; index: ImageIndex } | { kind: 'image'; manifest: ImageManifest } | { kind: 'other' };

/** An index, an image manifest, or something else skopeo still copies (Docker schema 1). */
export function parseManifest(raw: Buffer | string): ParsedManifest {
  const json = JSON.parse(raw.toString()) as unknown;
  const index = imageIndex.safeParse(json);
  if (index.success) return { kind: 'index', index: index.data };
  const manifest = imageManifest.safeParse(json);
  if (manifest.success) return { kind: 'image', manifest: manifest.data };
  return { kind: 'other' };
}

const strings = z.array(z.string()).nullish();
const configBlob = z.object({
  config: z
    .object({ Entrypoint: strings, Cmd: strings, Env: strings, WorkingDir: z.string().nullish(), User: z.string().nullish() })
    .nullish(),
});

/** The ImageConfig of a config blob: unset and empty fields are left out, as the runtime treats them as absent. */
export function imageConfigOf(raw: Buffer | string): ImageConfig {
  const config = configBlob.parse(JSON.parse(raw.toString())).config ?? {};
  const result: ImageConfig = {};
  if (config.Entrypoint) result.entrypoint = config.Entrypoint;
  if (config.Cmd) result.cmd = config.Cmd;
  if (config.Env) result.env = config.Env;
  if (config.WorkingDir) result.workingDir = config.WorkingDir;
  if (config.User) result.user = config.User;
  return result;
}
