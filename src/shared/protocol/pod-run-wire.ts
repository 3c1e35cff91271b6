/**
 * A pod run as it crosses the history: what the activity can work out for itself is left out, so a pod costs
 * the history little more than a hand-written activity. The workflow sends the pod template by reference (the
 * worker asks the Job's workflow for it once, QUERY_POD_TEMPLATE, and keeps it), not its keys or hostname
 * (pod-identity.ts derives them), not its own workflow id; the worker's result leaves out what the spec says
 * (a container's image and whether it is an init container, empty logs). Both sides expand with the functions
 * here. Older workflows sent, and older workers returned, the full forms, which expand to themselves.
 */
import type { PodTemplateSpec } from '../kubernetes-types.js';
import { podHostname, podKeys } from '../controller/pod-identity.js';
import { stableJson } from '../stable-json.js';
import type { ContainerResult, PodOwner, PodOwnerRef, PodRunInput, PodRunRequest, PodRunResult, PodRunResultWire } from './pod-runs.js';

export type PodSpec = PodTemplateSpec['spec'];


export function isOwnerRef(job: PodRunRequest['job']): job is PodOwnerRef {
  return (job as PodOwnerRef).ownerRef !== undefined;
}

/** A short, stable hash of a pod owner (FNV-1a, two 32-bit lanes): equal owners, equal hashes. */
export function ownerHash(owner: PodOwner): string {
  const text = stableJson(owner);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** A request's idempotency keys (pod-identity.ts), as older workflows sent them or derived from its owner. */
export function podRunKeys(request: PodRunRequest, owner: PodOwner): { podKey: string; attemptKey: string } {
  if (request.podKey !== undefined && request.attemptKey !== undefined) return { podKey: request.podKey, attemptKey: request.attemptKey };
  return podKeys(owner, { slot: request.slot ?? request.index ?? 0, name: request.podName, restartCount: request.restartCount ?? 0 });
}

/** The worker's full input for a request, once it knows the pod's owner and its activity's workflow. */
export function expandPodRunRequest(request: PodRunRequest, context: { workflowId: string; owner: PodOwner }): PodRunInput {
  const { slot: _slot, job: _job, ...rest } = request;
  const { owner } = context;
  const keys = podRunKeys(request, owner);
  return {
    ...rest,
    restartCount: request.restartCount ?? 0,
    workflowId: request.workflowId ?? context.workflowId,
    job: owner,
    hostname: request.hostname ?? podHostname(owner, { name: request.podName, index: request.index }),
    ...keys,
  };
}

const usualReason = (exitCode: number) => (exitCode === 0 ? 'Completed' : 'Error');

function specContainer(spec: PodSpec, name: string): { image: string; init: boolean } | undefined {
  const main = spec.containers.find((c) => c.name === name);
  if (main) return { image: main.image ?? '', init: false };
  const init = spec.initContainers?.find((c) => c.name === name);
  return init ? { image: init.image ?? '', init: true } : undefined;
}

/** The worker's result for the history: the containers' images and kinds as the spec has them, empty logs, go. */
export function compactPodRunResult(spec: PodSpec, result: PodRunResult): PodRunResultWire {
  const { containers, logs, terminated, ...rest } = result;
  const kept = logs.filter((log) => log.text !== '' || log.truncatedBytes !== 0);
  return {
    ...rest,
    containers: containers.map(({ image, init, reason, ...container }) => {
      const known = specContainer(spec, container.name);
      return {
        ...container,
        ...(reason === usualReason(container.exitCode) ? {} : { reason }),
        ...(known?.image === image ? {} : { image }),
        ...(known?.init === init ? {} : { init }),
      };
    }),
    ...(kept.length > 0 ? { logs: kept } : {}),
    ...(terminated ? { terminated } : {}),
  };
}

/** The full result again (a full result, from an older worker, is returned as it is). */
export function expandPodRunResult(spec: PodSpec, wire: PodRunResultWire | PodRunResult): PodRunResult {
  const containers = wire.containers.map((container) => {
    if (container.image !== undefined && container.init !== undefined && container.reason !== undefined) return container as ContainerResult;
    const known = specContainer(spec, container.name);
    return {
      ...container,
      image: container.image ?? known?.image ?? '',
      init: container.init ?? known?.init ?? false,
      reason: container.reason ?? usualReason(container.exitCode),
    };
  });
  // In the containers' order, as the worker sent them before it left empty logs out.
  const logs = wire.logs ?? [];
  const byName = new Map(logs.map((log) => [log.container, log]));
  const ordered = containers.map((c) => byName.get(c.name) ?? { container: c.name, text: '', truncatedBytes: 0 });
  const extra = logs.filter((log) => !containers.some((c) => c.name === log.container));
  return { ...wire, containers, logs: [...ordered, ...extra], terminated: wire.terminated === true };
}
