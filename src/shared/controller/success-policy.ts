/**
 * successPolicy matching (pkg/controller/job/success_policy.go): the first rule met, in order, gives the message
 * `Matched rules at index N`. Never met while no index has succeeded.
 */
import type { SuccessPolicyRule } from '../kubernetes-types.js';
import { parseIndexIntervals } from './intervals.js';

export function matchSuccessPolicy(rules: readonly SuccessPolicyRule[], completed: ReadonlySet<number>, completions: number): string | undefined {
  if (completed.size === 0) return undefined;
  for (const [index, rule] of rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const wanted = parseIndexIntervals(rule.succeededIndexes, completions);
      if (wanted.length === 0) continue;
      const contains = wanted.filter((i) => completed.has(i)).length;
      const met = rule.succeededCount === undefined ? contains === wanted.length : contains === wanted.length || contains >= rule.succeededCount;
      if (met) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount !== undefined && completed.size >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}
