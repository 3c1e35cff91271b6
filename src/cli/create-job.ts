/**
 * `kjob create job NAME --image=IMAGE -- [COMMAND] [args...]`, the Job `kubectl create job` makes: one container
 * named after the Job, restartPolicy Never, everything else defaulted.
 */
import type { JobManifest } from '../shared/manifest/schema.js';

export function jobFromImage(name: string, image: string, command: string[]): JobManifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name, image, ...(command.length > 0 ? { command } : {}) }],
        },
      },
    },
  };
}
