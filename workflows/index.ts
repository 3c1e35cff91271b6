export { kjobJob, jobQuery, podsQuery, logsQuery, eventsQuery, podStartedSignal } from './job.js';
export { kjobJobTtl } from './ttl.js';
