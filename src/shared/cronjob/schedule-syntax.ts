/**
 * The schedule grammar Kubernetes accepts: robfig/cron v3's `ParseStandard` (five fields, or a descriptor),
 * ported so that `kjob` accepts and refuses the same schedules and says why in the same words
 * (`expected exactly 5 fields, found 1: [bad]`). Pure: the workflow bundle and the client both use it.
 */

interface Bounds {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAY_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELD_BOUNDS: readonly Bounds[] = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DAY_NAMES },
];

/** The descriptors robfig/cron knows besides `@every <duration>`. */
export const SCHEDULE_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

export type ParsedSchedule =
  | { kind: 'fields'; fields: string[] }
  | { kind: 'descriptor'; descriptor: (typeof SCHEDULE_DESCRIPTORS)[number] }
  | { kind: 'every'; duration: string };

class ScheduleSyntaxError extends Error {}

/** Go's `%s` of a string slice: `[a b c]`. */
const goSlice = (values: readonly string[]) => `[${values.join(' ')}]`;

/** strconv.Atoi with robfig's checks on top. */
function parseInt32(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new ScheduleSyntaxError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const num = Number(expr);
  if (!Number.isSafeInteger(num)) throw new ScheduleSyntaxError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  if (num < 0) throw new ScheduleSyntaxError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? parseInt32(expr);
}

function checkRange(expr: string, bounds: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const low = lowAndHigh[0] ?? '';
  let start: number;
  let end: number;
  if (low === '*' || low === '?') {
    start = bounds.min;
    end = bounds.max;
  } else {
    start = parseIntOrName(low, bounds.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', bounds.names);
    else throw new ScheduleSyntaxError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt32(rangeAndStep[1] ?? '');
    // `N/step` means "from N to the end".
    if (lowAndHigh.length === 1) end = bounds.max;
  } else if (rangeAndStep.length > 2) {
    throw new ScheduleSyntaxError(`too many slashes: ${expr}`);
  }
  if (start < bounds.min) throw new ScheduleSyntaxError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new ScheduleSyntaxError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new ScheduleSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleSyntaxError(`step of range should be a positive number: ${expr}`);
}

/** A `TZ=`/`CRON_TZ=` prefix as robfig reads it; the zone is checked by the caller's time zone rules. */
function stripTimeZonePrefix(spec: string, zoneError: (zone: string) => string | undefined): string {
  if (!spec.startsWith('TZ=') && !spec.startsWith('CRON_TZ=')) return spec;
  const space = spec.indexOf(' ');
  const zone = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
  const error = zoneError(zone);
  if (error !== undefined) throw new ScheduleSyntaxError(`provided bad location ${zone}: ${error}`);
  return space < 0 ? '' : spec.slice(space).trim();
}

/**
 * Parses a schedule as robfig/cron's ParseStandard does; returns the parse or its error message.
 * `zoneError` says why a `TZ=` zone is unknown (undefined when it is known).
 */
export function parseSchedule(schedule: string, zoneError: (zone: string) => string | undefined): ParsedSchedule | { error: string } {
  try {
    if (schedule.length === 0) return { error: 'empty spec string' };
    const spec = stripTimeZonePrefix(schedule, zoneError);
    if (spec.startsWith('@')) {
      const descriptor = SCHEDULE_DESCRIPTORS.find((d) => d === spec);
      if (descriptor) return { kind: 'descriptor', descriptor };
      if (spec.startsWith('@every ')) {
        const duration = spec.slice('@every '.length);
        if (!isGoDuration(duration)) return { error: `failed to parse duration ${spec}: time: invalid duration ${JSON.stringify(duration)}` };
        return { kind: 'every', duration };
      }
      return { error: `unrecognized descriptor: ${spec}` };
    }
    const fields = spec.split(/\s+/).filter((f) => f !== '');
    if (fields.length !== 5) return { error: `expected exactly 5 fields, found ${fields.length}: ${goSlice(fields)}` };
    fields.forEach((field, i) => {
      for (const expr of field.split(',')) checkRange(expr, FIELD_BOUNDS[i]!);
    });
    return { kind: 'fields', fields };
  } catch (error) {
    if (error instanceof ScheduleSyntaxError) return { error: error.message };
    throw error;
  }
}

/** Go's time.ParseDuration grammar (sign, then one or more decimal numbers with a unit). */
function isGoDuration(value: string): boolean {
  return value === '0' || /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(value);
}
