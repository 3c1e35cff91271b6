/**
 * podFailurePolicy matching (pkg/controller/job/pod_failure_policy.go): rules in order, first match wins.
 * onExitCodes looks at the containers, then the init containers, skipping exit code 0; onPodConditions matches
 * a pod condition of the same type and status.
 */
import type { PodFailurePolicyAction, PodFailurePolicyRule } from '../kubernetes-types.js';
import type { ContainerResult } from '../protocol/pod-runs.js';

export interface FailedPodView {
  namespace: string;
  name: string;
  containers: ContainerResult[];
  conditions: { type: string; status: 'True' | 'False' | 'Unknown' }[];
}

export interface PolicyMatch {
  action: PodFailurePolicyAction;
  /** For FailJob: the Job's condition message, as Kubernetes writes it. */
  message: string;
}

export function matchPodFailurePolicy(rules: readonly PodFailurePolicyRule[], pod: FailedPodView): PolicyMatch | undefined {
  for (const [index, rule] of rules.entries()) {
    if (rule.onExitCodes) {
      const { containerName, operator, values } = rule.onExitCodes;
      const ordered = [...pod.containers.filter((c) => !c.init), ...pod.containers.filter((c) => c.init)];
      const container = ordered.find(
        (c) =>
          c.exitCode !== 0 &&
          (containerName === undefined || c.name === containerName) &&
          (operator === 'In' ? values.includes(c.exitCode) : !values.includes(c.exitCode)),
      );
      if (container) {
        return {
          action: rule.action,
          message: `Container ${container.name} for pod ${pod.namespace}/${pod.name} failed with exit code ${container.exitCode} matching ${rule.action} rule at index ${index}`,
        };
      }
    } else if (rule.onPodConditions) {
      const condition = rule.onPodConditions.find((pattern) => pod.conditions.some((c) => c.type === pattern.type && c.status === pattern.status));
      if (condition) {
        return { action: rule.action, message: `Pod ${pod.namespace}/${pod.name} has condition ${condition.type} matching ${rule.action} rule at index ${index}` };
      }
    }
  }
  return undefined;
}
