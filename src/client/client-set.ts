/**
 * The clients of one caller (a `kjob` command): one per client class, made on first use with the same options,
 * closed together. A kind's entry (kinds.ts) asks it for its own client.
 */
import { JobClient, type JobClientOptions } from './job-client.js';
import { DEFAULT_NAMESPACE } from '../shared/manifest/defaults.js';

interface Closable {
  close(): Promise<void>;
}

export class ClientSet {
  private readonly clients = new Map<new (options: JobClientOptions) => Closable, Closable>();

  constructor(readonly options: JobClientOptions) {}

  /** Kubernetes namespace of the objects whose manifest names none. */
  get namespace(): string {
    return this.options.namespace ?? DEFAULT_NAMESPACE;
  }

  /** The client of class `Client`, made once. */
  of<C extends Closable>(Client: new (options: JobClientOptions) => C): C {
    let client = this.clients.get(Client);
    if (!client) {
      client = new Client(this.options);
      this.clients.set(Client, client);
    }
    return client as C;
  }

  get jobs(): JobClient {
    return this.of(JobClient);
  }

  /** Closes every client made (a close that fails is ignored: the command's outcome is already decided). */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close().catch(() => undefined)));
  }
}
