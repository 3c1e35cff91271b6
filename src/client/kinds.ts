/**
 * The kinds of objects kjob serves, in one table: each kind's validation (workflow-safe, in src/shared/), its
 * client, and the names kubectl knows its resource by (`kubectl api-resources`: NAME, SHORTNAMES, APIVERSION). A
 * new kind is one entry here plus its own code (schema and rules, client); the CLI's verbs find it by these names.
 */
import type { CronJobManifest } from '../shared/cronjob/schema.js';
import { CRONJOB_VALIDATION } from '../shared/cronjob/validate.js';
import type { ObjectMeta } from '../shared/kubernetes-types.js';
import { JOB_VALIDATION } from '../shared/manifest/parse.js';
import type { JobManifest } from '../shared/manifest/schema.js';
import type { KindValidation, Validated } from '../shared/manifest/validated.js';
import type { ClientSet } from './client-set.js';
import { CronJobClient } from './cronjob-client.js';
import { ConfigMapClient, SecretClient, type ConfigObjectClient } from './config-object-client.js';
import type { ConfigObject } from '../shared/config-objects/types.js';
import { CONFIGMAP_VALIDATION, SECRET_VALIDATION } from '../shared/config-objects/kind-validation.js';
import type { ConfigMapManifest, SecretManifest } from '../shared/config-objects/schema.js';
import type { PropagationPolicy } from './job-client.js';

/** What every kind's objects have, as the API returns them. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

/** The verbs every kind takes, on objects of the client's namespace. */
export interface KindClient {
  create(manifest: Validated): Promise<KubeObject>;
  apply(manifest: Validated): Promise<{ object: KubeObject; action: ApplyAction }[]>;
  get(name: string): Promise<KubeObject>;
  list(options: { allNamespaces: boolean }): Promise<KubeObject[]>;
  delete(name: string, options: { propagationPolicy: PropagationPolicy }): Promise<void>;
}

export interface ResourceNames {
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly group: string;
  readonly version: string;
}

export interface ObjectKind<K extends string = string, M = unknown> {
  readonly validation: KindValidation<K, M>;
  readonly resource: ResourceNames;
  /** This kind's verbs, on its client among `clients`. */
  client(clients: ClientSet): KindClient;
}

export const JOBS: ObjectKind<'Job', JobManifest> = {
  validation: JOB_VALIDATION,
  resource: { plural: 'jobs', singular: 'job', shortNames: [], group: 'batch', version: 'v1' },
  client: ({ jobs }) => ({
    create: (manifest) => jobs.create(manifest),
    apply: async (manifest) => (await jobs.apply(manifest)).map(({ job, action }) => ({ object: job, action })),
    get: (name) => jobs.get(name),
    list: (options) => jobs.list(options),
    delete: (name, options) => jobs.delete(name, options),
  }),
};

export const CRONJOBS: ObjectKind<'CronJob', CronJobManifest> = {
  validation: CRONJOB_VALIDATION,
  resource: { plural: 'cronjobs', singular: 'cronjob', shortNames: ['cj'], group: 'batch', version: 'v1' },
  client: (clients) => {
    const cronJobs = clients.of(CronJobClient);
    return {
      create: (manifest) => cronJobs.create(manifest),
      apply: async (manifest) => (await cronJobs.apply(manifest)).map(({ cronJob, action }) => ({ object: cronJob, action })),
      get: (name) => cronJobs.get(name),
      list: (options) => cronJobs.list(options),
      delete: (name, options) => cronJobs.delete(name, options),
    };
  },
};

/** The verbs of a ConfigMap's or Secret's client, as every kind has them. */
function configObjectVerbs<K extends string, M, O extends ConfigObject>(objects: ConfigObjectClient<K, M, O>): KindClient {
  return {
    // The table hands each kind's client only manifests its own validation passed.
    create: (manifest) => objects.create(manifest as Validated<K, M>),
    apply: (manifest) => objects.apply(manifest as Validated<K, M>),
    get: (name) => objects.get(name),
    list: (options) => objects.list(options),
    delete: (name) => objects.delete(name),
  };
}

export const CONFIGMAPS: ObjectKind<'ConfigMap', ConfigMapManifest> = {
  validation: CONFIGMAP_VALIDATION,
  resource: { plural: 'configmaps', singular: 'configmap', shortNames: ['cm'], group: '', version: 'v1' },
  client: (clients) => configObjectVerbs(clients.of(ConfigMapClient)),
};

export const SECRETS: ObjectKind<'Secret', SecretManifest> = {
  validation: SECRET_VALIDATION,
  resource: { plural: 'secrets', singular: 'secret', shortNames: [], group: '', version: 'v1' },
  client: (clients) => configObjectVerbs(clients.of(SecretClient)),
};

/** Every kind; the first takes documents of a kind not listed, and its validation refuses them. */
export const OBJECT_KINDS: readonly [ObjectKind, ...ObjectKind[]] = [JOBS, CRONJOBS, CONFIGMAPS, SECRETS];

/** Each kind's validation, in the table's order (what `validateAll` takes). */
export const KIND_VALIDATIONS = OBJECT_KINDS.map((kind) => kind.validation) as [KindValidation, ...KindValidation[]];

/**
 * The kind a resource word names, as kubectl reads one: its plural, singular, a short name or the kind, alone or
 * with `.group` or `.version.group`, in any case (`jobs`, `job.batch`, `cj`, `CronJob`).
 */
export function kindOfResource(word: string): ObjectKind | undefined {
  const wanted = word.toLowerCase();
  // The core group has no name: its resources are `configmaps` or `configmaps.v1`.
  const qualified = (name: string, resource: ResourceNames) =>
    resource.group ? [`${name}.${resource.group}`, `${name}.${resource.version}.${resource.group}`] : [`${name}.${resource.version}`];
  return OBJECT_KINDS.find(({ validation, resource }) =>
    [resource.plural, resource.singular, ...resource.shortNames, validation.kind.toLowerCase()].some(
      (name) => wanted === name || qualified(name, resource).includes(wanted),
    ),
  );
}

/** The kind of a validated manifest or a document (by its `kind`); any other is the first kind's. */
export function kindNamed(kind: unknown): ObjectKind {
  return OBJECT_KINDS.find(({ validation }) => validation.kind === kind) ?? OBJECT_KINDS[0];
}

/**
 * How kubectl names a kind's objects in its output: `job.batch` (`job.batch/pi created`, `job.batch "pi"
 * deleted`), and for the core group the resource alone (`configmap/x created`, `secret "x" deleted`).
 */
export function qualifiedResource(kind: ObjectKind): string {
  return kind.resource.group ? `${kind.resource.singular}.${kind.resource.group}` : kind.resource.singular;
}
