/**
 * Thousands of generated invalid and hostile manifests against parsing and validation: each is accepted as a
 * valid Job or refused with Kubernetes-style field errors; nothing else is ever thrown, and nothing hangs.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JobValidationError, ManifestParseError } from '../../src/shared/errors.js';
import { parseJobManifests } from '../../src/shared/manifest/parse.js';
import { FIELD_ERROR_LINE, hostileJob } from '../fuzz-manifests.js';

function outcome(input: unknown): { valid: true } | { valid: false; violations: string[] } {
  try {
    parseJobManifests(input as object);
    return { valid: true };
  } catch (error) {
    if (error instanceof JobValidationError) return { valid: false, violations: error.violations };
    if (error instanceof ManifestParseError) return { valid: false, violations: [error.message] };
    throw error;
  }
}

describe('fuzzing the manifest validation', () => {
  test('5000 hostile Job objects: a valid Job or field errors, never a crash', () => {
    fc.assert(
      fc.property(hostileJob, (job) => {
        const result = outcome(job);
        if (!result.valid) {
          expect(result.violations.length).toBeGreaterThan(0);
          for (const line of result.violations) expect(line).toMatch(FIELD_ERROR_LINE);
          // A message quotes a value, but never a huge one whole.
          for (const line of result.violations) expect(line.length).toBeLessThan(2000);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test('random and hostile YAML text: parsed or refused with a parse or field error', () => {
    const billionLaughs = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const started = Date.now();
    expect(outcome(billionLaughs).valid).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(() => outcome(text)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
