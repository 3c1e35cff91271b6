/**
 * A container's environment and its `$(VAR)` expansion, as the kubelet builds them (pkg/kubelet/kubelet_pods.go
 * makeEnvironmentVariables); what comes from ConfigMaps and Secrets is read before (pod-config/env-sources.ts).
 */
import { resolveFieldRef, type FieldRefSource } from '../src/shared/manifest/field-refs.js';
import { JOB_COMPLETION_INDEX } from '../src/shared/manifest/defaults.js';
import type { Container } from '../src/shared/kubernetes-types.js';
import type { EnvSources } from './pod-config/env-sources.js';

/**
 * Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion): `$(NAME)` becomes the variable's value
 * when defined and stays as written otherwise; `$$` is an escaped `$`.
 */
export function expandReferences(input: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === '$' && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === '$') {
        out += '$';
        i++;
        continue;
      }
      if (next === '(') {
        const close = input.indexOf(')', i + 2);
        if (close !== -1) {
          const name = input.slice(i + 2, close);
          out += Object.hasOwn(vars, name) ? vars[name] : `$(${name})`;
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

const NO_SOURCES: EnvSources = { fromObjects: {}, keyRefs: new Map() };

/**
 * The env a container sees: the envFrom variables, then the declared ones in order, overriding them (a value may
 * refer to any variable before it), with JOB_COMPLETION_INDEX added for Indexed Jobs unless declared, as the Job
 * controller adds it. An optional key ref that found nothing leaves its variable out.
 */
export function containerEnv(container: Container, pod: FieldRefSource, index: number | null, sources: EnvSources = NO_SOURCES): Record<string, string> {
  const env: Record<string, string> = { ...sources.fromObjects };
  for (const [i, variable] of (container.env ?? []).entries()) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath !== undefined) env[variable.name] = resolveFieldRef(fieldPath, pod);
    else if (sources.keyRefs.has(i)) {
      const value = sources.keyRefs.get(i);
      if (value !== undefined) env[variable.name] = value;
    } else env[variable.name] = expandReferences(variable.value ?? '', env);
  }
  if (index !== null && !Object.hasOwn(env, 'JOB_COMPLETION_INDEX')) {
    env.JOB_COMPLETION_INDEX = pod.annotations[JOB_COMPLETION_INDEX] ?? String(index);
  }
  return env;
}
