export { provisionTemporalCli, TEMPORAL_CLI_TAGS } from './temporal-cli.js';
export { provisionTestServer, TEST_SERVER_VERSION } from './test-server.js';
export { startDevServer, freePort, type DevServer, type DevServerOptions } from './dev-server.js';
export type { Provisioned, ProvisionOptions } from './types.js';
