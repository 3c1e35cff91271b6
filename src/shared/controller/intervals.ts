/**
 * Kubernetes' index-interval strings (`status.completedIndexes`, pkg/controller/job/indexed_job_utils.go):
 * ascending, comma-separated; a run of three or more consecutive indexes is written `first-last`, a run of two
 * as `a,b`. Example: {1,3,4,5,7} → "1,3-5,7".
 */
export function formatIndexIntervals(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const first = sorted[i] as number;
    let last = first;
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) last = sorted[++i] as number;
    if (last - first >= 2) parts.push(`${first}-${last}`);
    else if (last === first + 1) parts.push(String(first), String(last));
    else parts.push(String(first));
    i++;
  }
  return parts.join(',');
}

/**
 * Parses an interval string as Kubernetes does: corrupt fragments are skipped, parsing stops at the first
 * interval that starts at or above `limit`, and an interval's end is cut to `limit - 1`.
 */
export function parseIndexIntervals(text: string, limit: number): number[] {
  const out: number[] = [];
  if (text === '') return out;
  for (const fragment of text.split(',')) {
    const bounds = fragment.split('-');
    if (bounds.length > 2) continue;
    const first = Number.parseInt(bounds[0] ?? '', 10);
    const last = bounds.length === 2 ? Number.parseInt(bounds[1] ?? '', 10) : first;
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first) continue;
    if (first >= limit) break;
    for (let i = first; i <= Math.min(last, limit - 1); i++) out.push(i);
  }
  return out;
}

/**
 * Kubernetes' strict check of an interval string against `completions` (validateIndexesFormat, used for
 * successPolicy.rules[].succeededIndexes): returns how many indexes it names, or the error Kubernetes gives.
 */
export function countIndexIntervals(text: string, completions: number): { total: number } | { error: string } {
  if (text === '') return { total: 0 };
  let last: number | undefined;
  let total = 0;
  const toInt = (s: string) => (/^[+-]?\d+$/.test(s) ? Number.parseInt(s, 10) : undefined);
  for (const fragment of text.split(',')) {
    const limits = fragment.split('-');
    if (limits.length > 2) {
      return { error: `the fragment ${JSON.stringify(fragment)} violates the requirement that an index interval can have at most two parts separated by '-'` };
    }
    for (const [i, part] of limits.entries()) {
      const value = toInt(part);
      if (value === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(part)}` };
      if (value >= completions) return { error: `too large index: ${JSON.stringify(part)}` };
      if (last !== undefined && last >= value) return { error: `non-increasing order, previous: ${last}, current: ${value}` };
      total += i === 0 ? 1 : value - (last as number);
      last = value;
    }
  }
  return { total };
}
