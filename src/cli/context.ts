/**
 * What the `kjob` commands share: the global flags, and how a client command runs (its clients made on first use
 * and closed after, errors printed kubectl's way, the exit code set).
 */
import type { Command } from 'commander';
import { ClientSet } from '../client/client-set.js';
import type { JobClientOptions } from '../client/job-client.js';
import { printError } from './errors.js';

export interface GlobalOptions {
  address?: string;
  namespace?: string;
  temporalNamespace?: string;
  taskQueue?: string;
}

export function clientOptions(program: Command): JobClientOptions {
  const opts = program.opts<GlobalOptions>();
  const options: JobClientOptions = { namespace: opts.namespace, taskQueue: opts.taskQueue };
  if (opts.address) options.address = opts.address;
  if (opts.temporalNamespace) options.temporalNamespace = opts.temporalNamespace;
  return options;
}

/** A command's action that uses clients; it returns its exit code (0 when it returns nothing). */
export function clientAction(program: Command, fn: (clients: ClientSet, ...args: any[]) => Promise<number | void>) {
  return async (...args: unknown[]) => {
    const clients = new ClientSet(clientOptions(program));
    try {
      process.exitCode = (await fn(clients, ...args)) ?? 0;
    } catch (error) {
      process.exitCode = printError(error);
    } finally {
      await clients.close();
    }
  };
}

/** A command's action without clients: errors printed, exit code 1. */
export function plainAction<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      process.exitCode = printError(error);
    }
  };
}
