export { kjobJob, jobQuery, podsQuery, logsQuery, eventsQuery, podStartedSignal, patchJobUpdate } from './job.js';
export { kjobJobTtl } from './ttl.js';
