/**
 * `kjob create secret generic|docker-registry NAME` and `kjob create configmap NAME`, as kubectl builds them
 * (k8s.io/kubectl/pkg/cmd/create create_secret.go, create_secret_docker.go, create_configmap.go), then created
 * through the clients, which validate them as any manifest.
 */
import type { Command } from 'commander';
import { ConfigMapClient, SecretClient } from '../../client/config-object-client.js';
import { clientAction } from '../context.js';
import { isUtf8, readSources, type SourceOptions } from '../config-sources.js';

const collect = (value: string, previous: string[]) => [...previous, value];
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function withSourceOptions(command: Command, what: string): Command {
  return command
    .option('--from-literal <key=value>', `a key and literal value to insert in ${what} (repeatable)`, collect, [])
    .option('--from-file <[key=]path>', `a file (keyed by its name, or by key), or a folder: each regular file in it (repeatable)`, collect, [])
    .option('--from-env-file <path>', 'a file of key=value lines (repeatable)', collect, []);
}

/** Go's json.Marshal escapes these for HTML; kubectl's dockerconfigjson has them so. */
const goJson = (value: unknown) => JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);

/** kubectl's `.dockerconfigjson`: one registry under `auths`, with `auth` = base64(user:password). */
export function dockerConfigJson(server: string, username: string, password: string, email?: string): string {
  const entry = { username, password, ...(email ? { email } : {}), auth: Buffer.from(`${username}:${password}`).toString('base64') };
  return goJson({ auths: { [server]: entry } });
}

export function registerCreateConfigObjects(program: Command, create: Command): void {
  const secret = create.command('secret').description('create a Secret: generic (from literals, files, env files) or docker-registry');
  withSourceOptions(secret.command('generic').description('a Secret from literals, files and env files').argument('<name>'), 'the secret')
    .option('--type <type>', 'the type of secret to create')
    .action(
      clientAction(program, async (clients, name: string, opts: SourceOptions & { type?: string }) => {
        const entries = await readSources('Secret', name, opts);
        const data = Object.fromEntries([...entries.values].map(([key, value]) => [key, base64(value)]));
        const created = await clients.of(SecretClient).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, ...(opts.type ? { type: opts.type } : {}), data });
        process.stdout.write(`secret/${created.metadata.name} created\n`);
      }),
    );
  secret
    .command('docker-registry')
    .description('a Secret for image pulls (kubernetes.io/dockerconfigjson)')
    .argument('<name>')
    .option('--docker-server <server>', 'server location for the registry', 'https://index.docker.io/v1/')
    .option('--docker-username <username>', 'username for registry authentication')
    .option('--docker-password <password>', 'password for registry authentication')
    .option('--docker-email <email>', 'email for the registry')
    .option('--from-file <[key=]path>', 'a docker config file (keyed .dockerconfigjson unless given a key)', collect, [])
    .action(
      clientAction(program, async (clients, name: string, opts: { dockerServer: string; dockerUsername?: string; dockerPassword?: string; dockerEmail?: string; fromFile: string[] }) => {
        let data: Record<string, string>;
        if (opts.fromFile.length > 0) {
          const entries = await readSources('Secret', name, { fromLiteral: [], fromEnvFile: [], fromFile: opts.fromFile.map((f) => (f.includes('=') ? f : `.dockerconfigjson=${f}`)) });
          data = Object.fromEntries([...entries.values].map(([key, value]) => [key, base64(value)]));
        } else {
          if (!opts.dockerUsername || !opts.dockerPassword || !opts.dockerServer) {
            throw new Error('either --from-file or the combination of --docker-username, --docker-password and --docker-server is required');
          }
          data = { '.dockerconfigjson': Buffer.from(dockerConfigJson(opts.dockerServer, opts.dockerUsername, opts.dockerPassword, opts.dockerEmail)).toString('base64') };
        }
        const created = await clients.of(SecretClient).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data });
        process.stdout.write(`secret/${created.metadata.name} created\n`);
      }),
    );
  withSourceOptions(create.command('configmap').alias('cm').description('a ConfigMap from literals, files and env files').argument('<name>'), 'the configmap').action(
    clientAction(program, async (clients, name: string, opts: SourceOptions) => {
      const entries = await readSources('ConfigMap', name, opts);
      const data: Record<string, string> = {};
      const binaryData: Record<string, string> = {};
      for (const [key, value] of entries.values) {
        if (isUtf8(value)) data[key] = Buffer.from(value).toString('utf8');
        else binaryData[key] = base64(value);
      }
      const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data, ...(Object.keys(binaryData).length > 0 ? { binaryData } : {}) };
      const created = await clients.of(ConfigMapClient).create(manifest);
      process.stdout.write(`configmap/${created.metadata.name} created\n`);
    }),
  );
}
