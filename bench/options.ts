/**
 * `npm run bench`'s command line (bench/run.ts lists the options). `--variants` names pod variants, run in
 * rounds, and `pull`, the image store's cold and warm pulls (bench/image-pull.ts), measured once per round
 * after the pods.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { VARIANTS, type Variant } from './variants.js';
import type { SharedWorkerSettings } from './worker-child.js';

export interface Options {
  pods: number;
  parallelism: number;
  rounds: number;
  variants: Variant[];
  /** `pull` was asked for. */
  pull: boolean;
  json: string;
  profileDir: string | undefined;
  stallSeconds: number;
  settings: SharedWorkerSettings;
}

export function options(): Options {
  const { values } = parseArgs({
    options: {
      pods: { type: 'string', default: '200' },
      parallelism: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '1' },
      variants: { type: 'string', default: [...VARIANTS, 'pull'].join(',') },
      json: { type: 'string', default: 'bench-results.json' },
      profile: { type: 'string' },
      stall: { type: 'string', default: '60' },
      'max-activities': { type: 'string' },
    },
  });
  const int = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
    return n;
  };
  const pods = int('pods', values.pods, 1);
  const parallelism = int('parallelism', values.parallelism, 1);
  const named = values.variants.split(',').map((v) => v.trim());
  for (const v of named) {
    if (v !== 'pull' && !(VARIANTS as string[]).includes(v)) throw new Error(`--variants: unknown variant ${v} (${[...VARIANTS, 'pull'].join(', ')})`);
  }
  return {
    pods,
    parallelism,
    rounds: int('rounds', values.rounds, 1),
    variants: named.filter((v): v is Variant => v !== 'pull'),
    pull: named.includes('pull'),
    json: resolve(values.json),
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    stallSeconds: int('stall', values.stall, 5),
    settings: {
      maxConcurrentActivityTaskExecutions: values['max-activities'] ? int('max-activities', values['max-activities'], 1) : Math.max(100, parallelism),
      maxConcurrentWorkflowTaskExecutions: 40,
      maxCachedWorkflows: 100,
    },
  };
}
