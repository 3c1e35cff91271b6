/** A container's environment and its `$(VAR)` expansion, as the kubelet builds them. */
import { resolveFieldRef, type FieldRefSource } from '../src/shared/manifest/field-refs.js';
import { JOB_COMPLETION_INDEX } from '../src/shared/manifest/defaults.js';
import type { Container } from '../src/shared/kubernetes-types.js';

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

/**
 * The env a container sees: the declared variables in order (each may refer to earlier ones), with
 * JOB_COMPLETION_INDEX added for Indexed Jobs unless declared, as the Job controller adds it.
 */
export function containerEnv(container: Container, pod: FieldRefSource, index: number | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    env[variable.name] = fieldPath !== undefined ? resolveFieldRef(fieldPath, pod) : expandReferences(variable.value ?? '', env);
  }
  if (index !== null && !Object.hasOwn(env, 'JOB_COMPLETION_INDEX')) {
    env.JOB_COMPLETION_INDEX = pod.annotations[JOB_COMPLETION_INDEX] ?? String(index);
  }
  return env;
}
