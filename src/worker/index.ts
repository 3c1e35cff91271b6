/**
 * `kjob/worker`: the worker side. A Temporal worker that runs Job workflows and their pods, the process-wide
 * runtime (logs, metrics), the once-store, and the local Temporal servers (`kjob dev`'s dev server).
 */
export { createJobWorker, jobWorkflowBundle, type JobWorkerOptions } from './create-worker.js';
export { installTemporalRuntime, quietTemporalRuntime, type RuntimeSettings } from './runtime-logging.js';
export type { PodContext, PodHandler, PodHandlers, PodLogger } from './handlers.js';
export { FileOnceStore, type OncePodRun, type OnceStore } from './once-store.js';
export { TemporalOnceStore, type TemporalOnceStoreOptions } from './temporal-once-store.js';
export { provisionTemporalCli, provisionTestServer, startDevServer, type DevServer, type DevServerOptions } from '../provision/index.js';
