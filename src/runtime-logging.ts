/** Keeps the SDK's worker chatter (state changes at INFO) off the terminal; warnings and errors still show. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // The runtime exists already (installed by the application, or by an earlier call): leave it as it is.
  }
}
