/**
 * The `kjob` command: kubectl's grammar for Jobs on Temporal. The commands live by what they do: servers and
 * workers (commands/servers.ts, the only ones that load worker code), the verbs of every kind (objects.ts, get.ts,
 * by the kinds table in client/kinds.ts), the verbs of Jobs (jobs.ts), and the worker host's image cache (images.ts).
 */
import { Command } from 'commander';
import { registerGet } from './commands/get.js';
import { registerImageCommands } from './commands/images.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerCreateApply, registerDelete } from './commands/objects.js';
import { registerServerCommands } from './commands/servers.js';

const program = new Command('kjob')
  .description('Kubernetes batch/v1 Jobs as durable Temporal workflows')
  .option('--address <host:port>', 'Temporal frontend (default TEMPORAL_ADDRESS or localhost:7233)')
  .option('-n, --namespace <namespace>', 'Kubernetes namespace of the Jobs', 'default')
  .option('--temporal-namespace <namespace>', 'Temporal namespace (default TEMPORAL_NAMESPACE or "default")')
  .option('--task-queue <queue>', 'Temporal task queue of the kjob workers', 'kjob')
  .showHelpAfterError();

registerServerCommands(program);
registerCreateApply(program);
registerGet(program);
registerJobCommands(program);
registerDelete(program);
registerImageCommands(program);

await program.parseAsync(process.argv);
