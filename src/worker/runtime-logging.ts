/**
 * The process-wide Temporal runtime of a kjob worker: its log level and format (text, or one JSON object per line
 * carrying the Job's workflow id and the pod's activity), and the Prometheus endpoint for the SDK's metrics and
 * kjob's own (`kjob_pods_started`, `kjob_pods_finished`, `kjob_active_pods`, `kjob_backoff_waits`).
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

export interface RuntimeSettings {
  /** Default WARN: the SDK's state changes at INFO are chatter on a terminal. */
  logLevel?: LogLevel;
  /** `json`: one object per line (time, level, message and the SDK's context: workflowId, activityType, ...). */
  logFormat?: 'text' | 'json';
  /** Serve Prometheus metrics at this address (`0.0.0.0:9464`), under /metrics. */
  metricsAddress?: string;
}

function jsonLine(entry: LogEntry): void {
  const { level, message, meta } = entry;
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  process.stderr.write(`${JSON.stringify({ time, level, message, ...meta })}\n`);
}

/** Installs the runtime once per process; later calls (or an application's own install) leave it as it is. */
export function installTemporalRuntime(settings: RuntimeSettings = {}): void {
  const level = settings.logLevel ?? 'WARN';
  try {
    Runtime.install({
      logger: settings.logFormat === 'json' ? new DefaultLogger(level, jsonLine) : new DefaultLogger(level),
      ...(settings.metricsAddress
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: settings.metricsAddress, countersTotalSuffix: true } } } }
        : {}),
    });
  } catch {
    // The runtime exists already (installed by the application, or by an earlier call): leave it as it is.
  }
}

/** Keeps the SDK's worker chatter (state changes at INFO) off the terminal; warnings and errors still show. */
export function quietTemporalRuntime(): void {
  installTemporalRuntime();
}
