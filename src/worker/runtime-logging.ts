/**
 * The process-wide Temporal runtime of a kjob worker: its log level and format (text, or one JSON object per line
 * carrying the Job's workflow id and the pod's activity), and the Prometheus endpoint for the SDK's metrics and
 * kjob's own (`kjob_pods_started`, `kjob_pods_finished`, `kjob_active_pods`, `kjob_backoff_waits`).
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';
import { JOB_WORKFLOW_TYPE } from '../shared/protocol/names.js';

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

/**
 * A Failed Job ends its workflow as failed (so the Web UI shows it Failed), and the SDK logs every failed
 * workflow as a warning with a stack trace. A Job failing is the Job's outcome, not a fault of the worker: it is
 * logged at INFO, where the SDK logs a completed workflow at DEBUG.
 */
class JobOutcomeLogger implements Logger {
  constructor(private readonly inner: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // The error arrives cloned from the workflow thread, as a plain Error: its stack still names its class.
    const error = meta?.error as Error | undefined;
    const failedJob = message === 'Workflow failed' && meta?.workflowType === JOB_WORKFLOW_TYPE && String(error?.stack).startsWith('ApplicationFailure:');
    if (!failedJob) this.inner.log(level, message, meta);
    else this.inner.log('INFO', 'Job failed', { ...meta, error: error?.message });
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Installs the runtime once per process; later calls (or an application's own install) leave it as it is. */
export function installTemporalRuntime(settings: RuntimeSettings = {}): void {
  const level = settings.logLevel ?? 'WARN';
  try {
    Runtime.install({
      logger: new JobOutcomeLogger(settings.logFormat === 'json' ? new DefaultLogger(level, jsonLine) : new DefaultLogger(level)),
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
