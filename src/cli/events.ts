/** `kjob events`: kubectl events' table (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE), oldest first. */
import type { JobEvent } from '../shared/kubernetes-types.js';
import { humanDuration, renderTable } from './format.js';

export function eventRows(events: { job: string; event: JobEvent }[], now: number): string {
  const sorted = [...events].sort((a, b) => Date.parse(a.event.lastTimestamp) - Date.parse(b.event.lastTimestamp));
  return renderTable(
    ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    sorted.map(({ job, event }) => {
      const lastSeen = humanDuration(now - Date.parse(event.lastTimestamp));
      // kubectl: "3m (x2 over 5m)" for an event seen more than once.
      const seen = event.count > 1 ? `${lastSeen} (x${event.count} over ${humanDuration(now - Date.parse(event.firstTimestamp))})` : lastSeen;
      return [seen, event.type, event.reason, event.involvedObject ? `Pod/${event.involvedObject.name}` : `Job/${job}`, event.message];
    }),
  );
}
