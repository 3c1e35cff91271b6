export { kjobJob, jobQuery, podsQuery, logsQuery, eventsQuery, podStartedSignal, podStatusSignal, patchJobUpdate } from './job.js';
export { kjobJobTtl } from './ttl.js';
export { kjobCronJobRun, kjobCronJobState, cronJobStateQuery, cronJobJobStartedSignal, cronJobJobFinishedSignal, cronJobJobDeletedSignal } from './cron.js';
export { kjobPodShard } from './shard.js';
export { kjobDeletionMark } from './deletion-mark.js';
export { kjobConfigObject, configObjectQuery, replaceConfigObjectUpdate } from './config-object.js';
