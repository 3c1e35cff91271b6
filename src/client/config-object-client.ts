/**
 * `ConfigMapClient` and `SecretClient`: core/v1 objects kept by Temporal, one small workflow each
 * (workflows/config-object.ts, `kjob-configmap/<namespace>/<name>`, `kjob-secret/<namespace>/<name>`), with
 * JobClient's options. Create starts the workflow (a second start of a name is refused by the server:
 * AlreadyExists); replace and apply send the object to its update, whose validator runs Kubernetes' update
 * rules; delete terminates and deletes the workflow, so the name is free at once.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { deleteExecution } from './execution-deletion.js';
import { existingOrCreated } from './existing-or-created.js';
import type { JobClientOptions } from './job-client.js';
import { listById } from './list-by-id.js';
import { readConfigObject } from './config-object-read.js';
import { searchAttributesRegistered } from './search-attributes-registered.js';
import { LazyTemporalClient } from './temporal-client.js';
import { rfc3339 } from '../shared/controller/timestamps.js';
import {
  ConfigObjectAlreadyExistsError,
  ConfigObjectConflictError,
  ConfigObjectNotFoundError,
  ConfigObjectValidationError,
  type ConfigObjectResource,
} from '../shared/config-objects/errors.js';
import { CONFIGMAP_VALIDATION, SECRET_VALIDATION } from '../shared/config-objects/kind-validation.js';
import { materializeConfigMap, materializeSecret, type Identity } from '../shared/config-objects/materialize.js';
import type { ConfigMapManifest, SecretManifest } from '../shared/config-objects/schema.js';
import type { ConfigMapObject, ConfigObject, SecretObject } from '../shared/config-objects/types.js';
import { EncryptionRequiredError, UnsupportedChangeError } from '../shared/errors.js';
import { encryptionKeysFromEnv } from '../codec/encryption-keys.js';
import type { FieldError } from '../shared/manifest/field-errors.js';
import { DEFAULT_NAMESPACE } from '../shared/manifest/defaults.js';
import type { ManifestInput } from '../shared/manifest/documents.js';
import { manifestsOf, type KindValidation, type Validated } from '../shared/manifest/validated.js';
import {
  CONFIG_OBJECT_CONFLICT,
  CONFIG_OBJECT_INVALID,
  CONFIG_OBJECT_WORKFLOW_TYPE,
  CONFIGMAP_WORKFLOW_ID_PREFIX,
  configMapWorkflowId,
  DEFAULT_TASK_QUEUE,
  SECRET_WORKFLOW_ID_PREFIX,
  secretWorkflowId,
  UPDATE_REPLACE_CONFIG_OBJECT,
} from '../shared/protocol/names.js';
import { stableJson } from '../shared/stable-json.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../shared/protocol/search-attributes.js';

/** What is particular to one kind: its validation, API resource, workflow ids and how a manifest is stored. */
export interface ConfigObjectKindSpec<K extends string, M, O extends ConfigObject> {
  validation: KindValidation<K, M>;
  resource: ConfigObjectResource;
  idPrefix: string;
  workflowId(namespace: string, name: string): string;
  materialize(manifest: M, identity: Identity): O;
  /** Its values are secret: written only by a client that encrypts payloads. */
  secret?: boolean;
}

export interface ConfigObjectRef {
  /** Kubernetes namespace (default: the client's). */
  namespace?: string;
}

export interface ConfigObjectApplyResult<O> {
  object: O;
  action: 'created' | 'configured' | 'unchanged';
}

const metadataOf = (manifest: unknown) => (manifest as { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }).metadata ?? {};

export class ConfigObjectClient<K extends string, M, O extends ConfigObject> {
  private readonly temporal: LazyTemporalClient;
  private searchAttributes: Promise<boolean> | undefined;
  readonly taskQueue: string;
  readonly namespace: string;

  constructor(
    private readonly options: JobClientOptions,
    private readonly spec: ConfigObjectKindSpec<K, M, O>,
  ) {
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.temporal = new LazyTemporalClient(options);
  }

  /** The underlying Temporal client. */
  client(): Promise<Client> {
    return this.temporal.get();
  }

  /** Closes the connection this client opened (not one it was given). */
  close(): Promise<void> {
    return this.temporal.close();
  }

  private notFound(namespace: string, name: string) {
    return new ConfigObjectNotFoundError(this.spec.resource, namespace, name);
  }

  /**
   * A Secret goes to Temporal only encrypted: a client given its own Temporal client or data converter is trusted
   * to encrypt; otherwise it needs encryption keys (its own, or from the environment as the client loads them).
   */
  private refuseUnencrypted(namespace: string, name: string): void {
    if (!this.spec.secret || this.options.client || this.options.dataConverter) return;
    if ((this.options.encryptionKeys ?? encryptionKeysFromEnv()).length === 0) throw new EncryptionRequiredError(namespace, name);
  }

  /** Creates one object from a manifest (YAML, JSON, object, or validated). */
  async create(input: ManifestInput | Validated<K, M>): Promise<O> {
    const manifests = manifestsOf(input, this.spec.validation);
    if (manifests.length !== 1) throw new TypeError(`create takes one ${this.spec.validation.kind}, got ${manifests.length}`);
    return this.start(manifests[0] as M);
  }

  private identity(namespace: string, existing?: O): Identity {
    return {
      uid: existing?.metadata.uid ?? randomUUID(),
      creationTimestamp: existing?.metadata.creationTimestamp ?? rfc3339(Date.now()),
      namespace,
      resourceVersion: existing?.metadata.resourceVersion ?? '1',
      random: Math.random,
    };
  }

  private async start(manifest: M): Promise<O> {
    const client = await this.client();
    const object = this.spec.materialize(manifest, this.identity(this.namespace));
    const { namespace, name } = object.metadata;
    this.refuseUnencrypted(namespace, name);
    this.searchAttributes ??= searchAttributesRegistered(client);
    try {
      await client.workflow.start(CONFIG_OBJECT_WORKFLOW_TYPE, {
        workflowId: this.spec.workflowId(namespace, name),
        taskQueue: this.taskQueue,
        args: [object],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        // A closed workflow is a deleted object (or one being deleted): its name is free.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        ...((await this.searchAttributes)
          ? { typedSearchAttributes: [{ key: SEARCH_ATTRIBUTE_KEYS.namespace, value: namespace }, { key: SEARCH_ATTRIBUTE_KEYS.name, value: name }] }
          : {}),
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ConfigObjectAlreadyExistsError(this.spec.resource, namespace, name);
      throw error;
    }
    return object;
  }

  /** The object as stored. */
  async get(name: string, ref: ConfigObjectRef = {}): Promise<O> {
    const namespace = ref.namespace ?? this.namespace;
    const object = await readConfigObject(await this.client(), this.spec.workflowId(namespace, name));
    if (object?.kind !== this.spec.validation.kind) throw this.notFound(namespace, name);
    return object as O;
  }

  /** Objects of one namespace (default the client's), or of all with `allNamespaces`, by namespace and name. */
  async list(options: { namespace?: string; allNamespaces?: boolean } = {}): Promise<O[]> {
    const client = await this.client();
    const namespace = options.namespace ?? this.namespace;
    const prefix = options.allNamespaces ? this.spec.idPrefix : this.spec.workflowId(namespace, '');
    this.searchAttributes ??= searchAttributesRegistered(client);
    // A namespace is a DNS label; anything else is not put in a query (it can have no objects anyway).
    const inNamespace = !options.allNamespaces && (await this.searchAttributes) && /^[a-z0-9-]+$/.test(namespace) ? ` AND KjobNamespace = '${namespace}'` : '';
    const executions = client.workflow.list({ query: `WorkflowType = '${CONFIG_OBJECT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'${inNamespace}` });
    return listById(executions, (execution) => execution.workflowId, prefix, (ns, name) => this.get(name, { namespace: ns }));
  }

  /**
   * Replaces an object with the manifest's (as `kubectl replace`): Kubernetes' update rules decide (`type` and an
   * immutable object's values stay); a manifest that names a resourceVersion must name the stored one.
   */
  async replace(input: ManifestInput | Validated<K, M>): Promise<O> {
    const manifests = manifestsOf(input, this.spec.validation);
    if (manifests.length !== 1) throw new TypeError(`replace takes one ${this.spec.validation.kind}, got ${manifests.length}`);
    const manifest = manifests[0] as M;
    const namespace = metadataOf(manifest).namespace || this.namespace;
    const current = await this.get(metadataOf(manifest).name ?? '', { namespace });
    return this.send(current, this.desired(manifest, current, metadataOf(manifest).resourceVersion ?? ''));
  }

  /** The manifest as it would be stored over `current` (its identity kept). */
  private desired(manifest: M, current: O, resourceVersion: string): O {
    return this.spec.materialize(manifest, { ...this.identity(current.metadata.namespace, current), resourceVersion });
  }

  private async send(current: O, next: O): Promise<O> {
    this.refuseUnencrypted(next.metadata.namespace, next.metadata.name);
    const { namespace, name } = current.metadata;
    const handle = (await this.client()).workflow.getHandle(this.spec.workflowId(namespace, name));
    try {
      return (await handle.executeUpdate<ConfigObject, [ConfigObject]>(UPDATE_REPLACE_CONFIG_OBJECT, { args: [next] })) as O;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw this.notFound(namespace, name);
      const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === CONFIG_OBJECT_CONFLICT) throw new ConfigObjectConflictError(this.spec.resource, name);
      if (cause instanceof ApplicationFailure && cause.type === CONFIG_OBJECT_INVALID) {
        const causes = (cause.details?.[0] ?? []) as FieldError[];
        throw new ConfigObjectValidationError(current.kind, [{ jobName: name, documentIndex: 0, causes }]);
      }
      throw error;
    }
  }

  /** Creates each object that does not exist; one that exists takes the manifest's contents, or stays when they are the same. */
  async apply(input: ManifestInput | Validated<K, M>): Promise<ConfigObjectApplyResult<O>[]> {
    const results: ConfigObjectApplyResult<O>[] = [];
    for (const manifest of manifestsOf(input, this.spec.validation)) {
      const namespace = metadataOf(manifest).namespace || this.namespace;
      const name = metadataOf(manifest).name;
      if (!name) throw new UnsupportedChangeError('apply needs metadata.name (generateName only works with create)');
      const { existing, created } = await existingOrCreated(
        () => this.get(name, { namespace }),
        () => this.start(manifest),
      );
      if (created) {
        results.push({ object: created, action: 'created' });
        continue;
      }
      const current = existing as O;
      const desired = this.desired(manifest, current, current.metadata.resourceVersion);
      if (stableJson(desired) === stableJson(current)) results.push({ object: current, action: 'unchanged' });
      else results.push({ object: await this.send(current, desired), action: 'configured' });
    }
    return results;
  }

  /** Deletes an object: its workflow is terminated (so it reads as gone at once) and deleted. */
  async delete(name: string, ref: ConfigObjectRef = {}): Promise<void> {
    const namespace = ref.namespace ?? this.namespace;
    const client = await this.client();
    const workflowId = this.spec.workflowId(namespace, name);
    const handle = client.workflow.getHandle(workflowId);
    let runId: string;
    try {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') throw this.notFound(namespace, name);
      runId = description.runId;
      await client.workflow.getHandle(workflowId, runId).terminate('deleted');
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw this.notFound(namespace, name);
      throw error;
    }
    await deleteExecution(client, workflowId, { runId, marks: this.options.deletionMarks === true, taskQueue: this.taskQueue });
  }
}

const CONFIGMAPS: ConfigObjectKindSpec<'ConfigMap', ConfigMapManifest, ConfigMapObject> = {
  validation: CONFIGMAP_VALIDATION,
  resource: 'configmaps',
  idPrefix: CONFIGMAP_WORKFLOW_ID_PREFIX,
  workflowId: configMapWorkflowId,
  materialize: materializeConfigMap,
};

const SECRETS: ConfigObjectKindSpec<'Secret', SecretManifest, SecretObject> = {
  validation: SECRET_VALIDATION,
  resource: 'secrets',
  idPrefix: SECRET_WORKFLOW_ID_PREFIX,
  workflowId: secretWorkflowId,
  materialize: materializeSecret,
  secret: true,
};

export class ConfigMapClient extends ConfigObjectClient<'ConfigMap', ConfigMapManifest, ConfigMapObject> {
  constructor(options: JobClientOptions = {}) {
    super(options, CONFIGMAPS);
  }
}

export class SecretClient extends ConfigObjectClient<'Secret', SecretManifest, SecretObject> {
  constructor(options: JobClientOptions = {}) {
    super(options, SECRETS);
  }
}
