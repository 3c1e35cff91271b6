/**
 * Registry credentials for skopeo's `--authfile`, from the places containers tools and Docker look, in this order
 * (the first file that exists): $REGISTRY_AUTH_FILE, containers' ${XDG_RUNTIME_DIR}/containers/auth.json (without
 * XDG_RUNTIME_DIR, /run/containers/<uid>/auth.json, as c/image has it), then Docker's $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json (both formats share `auths`). Credentials
 * given for one pull (imagePullSecrets) go into a file of their own, not on skopeo's command line where any user
 * of the host could read them.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PullCredentials {
  username: string;
  password: string;
}

export function defaultAuthFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    env.REGISTRY_AUTH_FILE,
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json') : `/run/containers/${process.getuid?.() ?? 0}/auth.json`,
    env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(homedir(), '.docker', 'config.json'),
  ];
  return candidates.find((path): path is string => !!path && existsSync(path));
}

/** An auth.json (mode 0600) giving `credentials` for each of `registries`; returns its path. */
export async function writeCredentialsFile(path: string, registries: readonly string[], credentials: PullCredentials): Promise<string> {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  const auths = Object.fromEntries(registries.map((registry) => [registry, { auth }]));
  await writeFile(path, JSON.stringify({ auths }), { mode: 0o600 });
  return path;
}
