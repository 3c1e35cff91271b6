/**
 * apply's step for a Job that exists (after src/client/existing-or-created.ts): the manifest is materialized as
 * that Job (its uid and creationTimestamp) and compared with it. The same desired state is left alone; a change
 * to labels or annotations is refused (kjob cannot make it yet); otherwise the new spec goes on to the update
 * rules (`JobClient.changeSpec`).
 */
import { stableJson } from '../shared/stable-json.js';
import { UnsupportedChangeError } from '../shared/errors.js';
import { materializeJob } from '../shared/manifest/defaults.js';
import type { JobManifest } from '../shared/manifest/schema.js';
import { defaultPullPolicy } from '../shared/images/image-reference.js';
import type { Container, Job, JobSpec } from '../shared/kubernetes-types.js';

/** The spec that applying `manifest` to `existing` asks for; undefined when the manifest changes nothing. */
export function specToApply(existing: Job, manifest: JobManifest): JobSpec | undefined {
  const desired = materializeJob(manifest, {
    uid: existing.metadata.uid,
    creationTimestamp: existing.metadata.creationTimestamp,
    random: Math.random,
    namespace: existing.metadata.namespace,
  });
  desired.spec = withoutNewerDefaults(existing.spec, desired.spec);
  if (sameDesiredState(existing, desired)) return undefined;
  if (stableJson([labelsOf(existing), existing.metadata.annotations]) !== stableJson([labelsOf(desired), desired.metadata.annotations])) {
    throw new UnsupportedChangeError(`jobs.batch ${JSON.stringify(manifest.metadata?.name)}: changing a Job's labels or annotations is not supported yet by kjob`);
  }
  return desired.spec;
}

/**
 * A Job's labels as Kubernetes defaults them (the template's when it has none): Jobs made by older kjob versions
 * stored none, and must not look changed when the same manifest is applied again.
 */
function labelsOf(job: Job): Record<string, string> {
  const own = job.metadata.labels;
  return own && Object.keys(own).length > 0 ? own : (job.spec.template.metadata?.labels ?? {});
}

/**
 * The desired spec without the defaults a Job made by an older kjob never had: a container's imagePullPolicy
 * (defaulted since images are pulled) is left out where the stored container has none and the manifest gave none,
 * so applying the same manifest again changes nothing (and is not refused as a template change).
 */
function withoutNewerDefaults(stored: JobSpec, desired: JobSpec): JobSpec {
  const align = (had: readonly Container[] | undefined, wanted: Container[] | undefined) =>
    wanted?.map((container, i) => {
      const before = had?.[i];
      if (!before || before.name !== container.name || before.imagePullPolicy !== undefined || container.image === undefined) return container;
      if (container.imagePullPolicy !== defaultPullPolicy(container.image)) return container;
      const { imagePullPolicy: _defaulted, ...rest } = container;
      return rest;
    });
  const template = desired.template.spec;
  const containers = align(stored.template.spec.containers, template.containers) ?? [];
  const initContainers = align(stored.template.spec.initContainers, template.initContainers);
  return { ...desired, template: { ...desired.template, spec: { ...template, containers, ...(initContainers ? { initContainers } : {}) } } };
}

/** Whether a manifest asks for what an existing Job already is (apply's no-op check). */
function sameDesiredState(existing: Job, desired: Job): boolean {
  const comparable = (job: Job) => stableJson({ spec: job.spec, labels: labelsOf(job), annotations: job.metadata.annotations });
  return comparable(desired) === comparable(existing);
}
