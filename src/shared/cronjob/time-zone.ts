/**
 * IANA time zones as Kubernetes checks them (validateTimeZone, with Go's time.LoadLocation), through the
 * runtime's Intl, and Go's RFC 3339 rendering of an instant in a zone. Pure: usable in workflow code.
 */

/** Kubernetes' per-component character rule (from the IANA naming guidelines, legacy names tolerated). */
const TIME_ZONE_COMPONENT = /^[A-Za-z.\-_0-9+]{1,14}$/;

function knownToIntl(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Canonical names, to refuse what Intl accepts but Go does not: names in the wrong case (`europe/paris`). */
let canonicalByLowerCase: Map<string, string> | undefined;
function wrongCase(zone: string): boolean {
  canonicalByLowerCase ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  const canonical = canonicalByLowerCase.get(zone.toLowerCase());
  return canonical !== undefined && canonical !== zone;
}

/** Why Go's time.LoadLocation would refuse the zone (its message), or undefined when it is known. */
export function unknownTimeZoneError(zone: string): string | undefined {
  if (zone === 'UTC' || zone === '') return undefined;
  return knownToIntl(zone) && !wrongCase(zone) && zone !== 'Local' ? undefined : `unknown time zone ${zone}`;
}

/** Kubernetes' validateTimeZone: the detail of each violation. */
export function timeZoneErrors(zone: string): string[] {
  if (zone.length === 0) return ['timeZone must be nil or non-empty string'];
  for (const part of zone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_COMPONENT.test(part)) return [`unknown time zone ${zone}`];
  }
  const errors: string[] = [];
  if (zone.toLowerCase() === 'local') errors.push('timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones');
  const unknown = unknownTimeZoneError(zone);
  if (unknown !== undefined) errors.push(unknown);
  return errors;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** Go's `t.In(zone).Format(time.RFC3339)`: whole seconds, `Z` for a zero offset. Zone undefined means UTC. */
export function rfc3339InZone(epochMs: number, zone: string | undefined): string {
  const seconds = Math.floor(epochMs / 1000) * 1000;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone ?? 'UTC',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(seconds))
      .map((p) => [p.type, p.value]),
  );
  const [y, mo, d, h, mi, s] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((k) => Number(parts[k]));
  const wallClockAsUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const offsetMinutes = Math.round((wallClockAsUtc - seconds) / 60_000);
  const offset = offsetMinutes === 0 ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
  return `${pad(y!, 4)}-${pad(mo!)}-${pad(d!)}T${pad(h!)}:${pad(mi!)}:${pad(s!)}${offset}`;
}
