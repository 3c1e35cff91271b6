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
import type { Job, JobSpec } from '../shared/kubernetes-types.js';

/** The spec that applying `manifest` to `existing` asks for; undefined when the manifest changes nothing. */
export function specToApply(existing: Job, manifest: JobManifest): JobSpec | undefined {
  const desired = materializeJob(manifest, {
    uid: existing.metadata.uid,
    creationTimestamp: existing.metadata.creationTimestamp,
    random: Math.random,
    namespace: existing.metadata.namespace,
  });
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

/** Whether a manifest asks for what an existing Job already is (apply's no-op check). */
function sameDesiredState(existing: Job, desired: Job): boolean {
  const comparable = (job: Job) => stableJson({ spec: job.spec, labels: labelsOf(job), annotations: job.metadata.annotations });
  return comparable(desired) === comparable(existing);
}
