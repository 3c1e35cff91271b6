export { kjobJob, jobQuery, podsQuery, logsQuery, podStartedSignal } from './job.js';
