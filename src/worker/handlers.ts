/** TypeScript handler pods: functions registered on the worker, referred to by `image: kjob.dev/handler/<name>`. */

export interface PodLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Appends raw text to the pod's log. */
  write(text: string): void;
}

export interface PodContext {
  jobName: string;
  namespace: string;
  podName: string;
  containerName: string;
  /** Completion index for Indexed Jobs, `null` otherwise. */
  index: number | null;
  /** In-place restarts before this run (restartPolicy OnFailure); 0 on a pod's first run. */
  attempt: number;
  /** The container's environment as Kubernetes would set it (envFrom, declared env, JOB_COMPLETION_INDEX, HOSTNAME). */
  env: Record<string, string>;
  /** The container's `args`, with `$(VAR)` references expanded. */
  args: string[];
  /**
   * The container's volumeMounts as host folders, by mountPath (emptyDir, hostPath, downwardAPI, secret,
   * configMap): a handler runs in the worker's process, so it reads its volumes there. Secret, configMap and
   * downwardAPI volumes are read-only by contract (the files are the worker's; do not change them).
   */
  mounts: Record<string, string>;
  /** The host path of a path under one of the container's mountPaths (`/etc/config/app.yaml`); throws for any other path. */
  path(containerPath: string): string;
  /** Aborted when the pod is terminated (deadline, backoff limit, delete); stop work and return. */
  signal: AbortSignal;
  /** Reports progress (kept beside kjob's own heartbeat details, up to 256 KiB); kjob heartbeats on its own, so calling it is optional. */
  heartbeat(details?: unknown): void;
  /** A fresh directory for this run, shared with the pod's init containers, removed when the pod ends. */
  scratchDir: string;
  log: PodLogger;
  /** Idempotency keys: `pod` is stable for (job uid, index) across replacements and re-runs; `attempt` is per run. */
  keys: { pod: string; attempt: string };
  /**
   * Runs `fn` once per (pod key, name): a replacement or re-run of the same index gets the stored result instead
   * of running `fn` again. Use it for side effects that must not repeat (see README, "Duplicate starts").
   */
  once<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
}

/** Returns an exit code (0 or nothing for success); a thrown error fails the container with exit code 1. */
export type PodHandler = (ctx: PodContext) => Promise<number | void> | number | void;

export type PodHandlers = Record<string, PodHandler>;
