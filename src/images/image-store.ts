/**
 * kjob's image store: a content-addressed cache of images on this host, shared by the workers (and `kjob image`)
 * that use one root. The kubelet's image service, roughly (pkg/kubelet/images, and the CRI's ImageService:
 * PullImage, ImageStatus, ListImages, RemoveImage), on skopeo and umoci. How it keeps what is in store-layout.ts;
 * pulls in pull.ts, loads in load.ts, garbage collection in gc.ts.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fullName, parseImageReference } from '../shared/images/image-reference.js';
import { defaultAuthFile, writeCredentialsFile, type PullCredentials } from './auth-file.js';
import { collectGarbage, type GcResult } from './gc.js';
import type { ImageConfig } from './image-config.js';
import { loadArchive } from './load.js';
import { removeLease, writeLease } from './leases.js';
import { listRefs, readImageRecord, readLastUsed, readRef, writeLastUsed } from './metadata.js';
import { hostPlatform, type Platform } from './platform.js';
import { pullImage, type PullContext } from './pull.js';
import { isTagName, lookupName } from './ref-names.js';
import { isInsecureRegistry, writeRegistriesConf } from './registries-conf.js';
import { removeImage } from './remove.js';
import { SharedPulls } from './shared-pulls.js';
import type { SkopeoSettings, SourceAccess } from './skopeo.js';
import { StoreLayout } from './store-layout.js';
import { withStoreLock } from './store-locks.js';

export interface ImageStoreOptions {
  /** The cache folder; the worker passes `<stateDir>/images`. */
  root: string;
  /** Registry domain -> mirror locations, tried in order before it: `{ 'docker.io': ['127.0.0.1:5000'] }`. */
  mirrors?: Record<string, string[]>;
  /** Registries reached over plain HTTP / without TLS verification; localhost and 127.0.0.0/8 always are. */
  insecureRegistries?: string[];
  /** Default: $REGISTRY_AUTH_FILE, containers' auth.json, Docker's config.json (the first that exists). */
  authFile?: string;
  /** Disk budget of unpacked images and blobs; default 20 GiB. */
  maxBytes?: number;
  /** Images used more recently than this are never collected (the kubelet's ImageMinimumGCAge); default 2 min. */
  minAgeMs?: number;
  /** Default: this host's. */
  platform?: Platform;
}

export interface StoredImage {
  /** The full name (fullName()) it was found or pulled by, or one of its names. */
  reference: string;
  /** The platform manifest's digest. */
  digest: string;
  /** The config blob's digest: the image ID. */
  id: string;
  /** The unpacked root filesystem; containers get an overlay on it and never write it. */
  rootfs: string;
  config: ImageConfig;
  sizeBytes: number;
  lastUsedAt: number;
}

export type { PullCredentials };

const GiB = 1024 ** 3;

export class ImageStore {
  private readonly layout: StoreLayout;
  private readonly platform: Platform;
  private readonly maxBytes: number;
  private readonly minAgeMs: number;
  private readonly pulls = new SharedPulls<{ image: StoredImage; downloaded: boolean }>();
  /** The leases this process holds, one per image, shared by its users. */
  private readonly held = new Map<string, { users: number; lease: Promise<string> }>();
  private prepared?: Promise<SkopeoSettings>;

  constructor(private readonly options: ImageStoreOptions) {
    this.layout = new StoreLayout(resolve(options.root));
    this.platform = options.platform ?? hostPlatform();
    this.maxBytes = options.maxBytes ?? 20 * GiB;
    this.minAgeMs = options.minAgeMs ?? 120_000;
  }

  /** The store's folders, and the registries.conf its skopeo calls share. */
  private prepare(): Promise<SkopeoSettings> {
    this.prepared ??= (async () => {
      for (const folder of this.layout.folders) await mkdir(folder, { recursive: true });
      const registriesConf = await writeRegistriesConf(this.layout, this.options.mirrors ?? {}, this.options.insecureRegistries ?? []);
      return registriesConf ? { registriesConf } : {};
    })();
    return this.prepared;
  }

  private async stored(reference: string, digest: string): Promise<StoredImage | undefined> {
    const record = await readImageRecord(this.layout, digest);
    if (!record) return undefined;
    const { id, config, sizeBytes } = record;
    const lastUsedAt = await readLastUsed(this.layout, digest);
    return { reference, digest, id, rootfs: join(this.layout.image(digest), 'rootfs'), config, sizeBytes, lastUsedAt };
  }

  /** The stored image `image` names, without asking any registry. */
  async find(image: string): Promise<StoredImage | undefined> {
    const ref = parseImageReference(image);
    await this.prepare();
    const found = await readRef(this.layout, lookupName(ref));
    return found ? this.stored(fullName(ref), found.digest) : undefined;
  }

  private pullContext(credentials?: PullCredentials): PullContext {
    return {
      layout: this.layout,
      platform: this.platform,
      skopeo: () => this.prepare(),
      sourceAccess: async (domain: string, workDir: string): Promise<SourceAccess> => {
        const registries = [domain, ...(this.options.mirrors?.[domain] ?? [])];
        const authFile = credentials
          ? await writeCredentialsFile(join(workDir, 'auth.json'), registries, credentials)
          : (this.options.authFile ?? defaultAuthFile());
        return { ...(authFile ? { authFile } : {}), insecure: isInsecureRegistry(domain, this.options.insecureRegistries ?? []), tmpDir: workDir };
      },
    };
  }

  /** Asks the registry what `image` names now and downloads and unpacks it unless it is stored already. */
  async pull(image: string, options: { signal?: AbortSignal; credentials?: PullCredentials } = {}): Promise<{ image: StoredImage; downloaded: boolean }> {
    const ref = parseImageReference(image);
    const credentialsKey = options.credentials ? createHash('sha256').update(JSON.stringify(options.credentials)).digest('hex') : '';
    return this.pulls.run(`${fullName(ref)}\n${credentialsKey}`, options.signal, async (signal) => {
      await this.prepare();
      const { record, downloaded } = await pullImage(this.pullContext(options.credentials), ref, signal);
      if (downloaded) await this.collect(new Set([record.digest])).catch(() => undefined);
      const stored = await this.stored(fullName(ref), record.digest);
      if (!stored) throw new Error(`${fullName(ref)} was removed from the image store as soon as it was pulled`);
      return { image: stored, downloaded };
    });
  }

  /**
   * A lease on the image: until its release no garbage collection or `remove` takes it (in any process). The
   * pods of one process share one lease file per image, taken under the store's lock by the first and dropped
   * by the last, so that pods starting together do not queue on that lock.
   */
  async use(image: StoredImage): Promise<{ release(): Promise<void> }> {
    let held = this.held.get(image.digest);
    if (held) held.users++;
    else {
      const taken = this.takeLease(image);
      this.held.set(image.digest, (held = { users: 1, lease: taken }));
      taken.catch(() => this.held.delete(image.digest));
    }
    const shared = held;
    await shared.lease;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        if (--shared.users > 0) return;
        if (this.held.get(image.digest) === shared) this.held.delete(image.digest);
        const path = await shared.lease;
        await writeLastUsed(this.layout, this.layout.image(image.digest)).catch(() => undefined);
        await removeLease(path);
      },
    };
  }

  private async takeLease(image: StoredImage): Promise<string> {
    await this.prepare();
    return withStoreLock(this.layout, async () => {
      if (!(await readImageRecord(this.layout, image.digest))) throw new Error(`image ${image.reference} is no longer in the image store`);
      const path = await writeLease(this.layout, image.digest);
      await writeLastUsed(this.layout, this.layout.image(image.digest));
      return path;
    });
  }

  /** Loads a docker-archive or oci-archive: one StoredImage per name it gives. */
  async load(archivePath: string, options: { name?: string } = {}): Promise<StoredImage[]> {
    const settings = await this.prepare();
    const loaded = await loadArchive(this.layout, settings, resolve(archivePath), options.name);
    await this.collect(new Set(loaded.map((l) => l.record.digest))).catch(() => undefined);
    const images = await Promise.all(loaded.flatMap((l) => l.names.map((name) => this.stored(name, l.record.digest))));
    return images.filter((i): i is StoredImage => i !== undefined);
  }

  /** Every stored image, once per tag (an image with no tag once, by digest), sorted by name. */
  async list(): Promise<StoredImage[]> {
    await this.prepare();
    const byDigest = new Map<string, string[]>();
    for (const ref of await listRefs(this.layout)) byDigest.set(ref.digest, [...(byDigest.get(ref.digest) ?? []), ref.name]);
    const images: StoredImage[] = [];
    for (const [digest, names] of byDigest) {
      const tags = names.filter(isTagName);
      for (const name of tags.length > 0 ? tags : names.slice(0, 1)) {
        const image = await this.stored(name, digest);
        if (image) images.push(image);
      }
    }
    return images.sort((a, b) => a.reference.localeCompare(b.reference));
  }

  /** Removes a name (and the image once no tag names it), or an image by ID; throws ImageInUseError for a leased one. */
  async remove(image: string): Promise<boolean> {
    await this.prepare();
    return removeImage(this.layout, image);
  }

  collectGarbage(): Promise<GcResult> {
    return this.collect();
  }

  private async collect(spare?: ReadonlySet<string>): Promise<GcResult> {
    await this.prepare();
    return collectGarbage(this.layout, { maxBytes: this.maxBytes, minAgeMs: this.minAgeMs, ...(spare ? { spare } : {}) });
  }
}
