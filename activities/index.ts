/** The worker's activities: the pod runner and the controller settings a Job reads when it starts. */
import type { ControllerSettings, PodRunInput } from '../src/controller/protocol.js';
import { runPod, type PodRuntime } from './run-pod.js';

export type { PodRuntime };

export function createActivities(deps: { settings: ControllerSettings; runtime: PodRuntime }) {
  return {
    /** Read once per Job (a local activity), so the worker's settings become part of the Job's history. */
    async controllerSettings(): Promise<ControllerSettings> {
      return deps.settings;
    },
    async runPod(input: PodRunInput) {
      return runPod(deps.runtime, input);
    },
  };
}
