/** `kjob get cronjobs`: kubectl's columns NAME, SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE, AGE. */
import type { CronJob } from '../shared/cronjob/types.js';
import { humanDuration, renderTable } from './format.js';

export function cronJobRows(cronJobs: CronJob[], now: number, options: { allNamespaces?: boolean } = {}): string {
  const head = [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'];
  const rows = cronJobs.map((cronJob) => {
    const last = cronJob.status?.lastScheduleTime;
    return [
      ...(options.allNamespaces ? [cronJob.metadata.namespace] : []),
      cronJob.metadata.name,
      cronJob.spec.schedule,
      cronJob.spec.timeZone ?? '<none>',
      cronJob.spec.suspend ? 'True' : 'False',
      String(cronJob.status?.active?.length ?? 0),
      last ? humanDuration(now - Date.parse(last)) : '<none>',
      humanDuration(now - Date.parse(cronJob.metadata.creationTimestamp)),
    ];
  });
  return renderTable(head, rows);
}
