/**
 * Connection settings follow Temporal's conventions through the SDK's envconfig: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, and profiles in the Temporal config file.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

export function temporalTargetFromEnv(overrides: { address?: string; namespace?: string } = {}): TemporalTarget {
  const config = loadClientConnectConfig();
  return {
    connectionOptions: {
      ...config.connectionOptions,
      address: overrides.address ?? config.connectionOptions.address ?? 'localhost:7233',
    },
    namespace: overrides.namespace ?? config.namespace ?? 'default',
  };
}
