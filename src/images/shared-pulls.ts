/**
 * Concurrent pulls of one reference in one process share one pull. Each caller may abort its own wait; the pull
 * itself is aborted (its skopeo or umoci killed) only once every caller waiting on it has aborted, and that last
 * caller's rejection waits for the pull to have cleaned up after itself.
 */
interface Running<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
}

export class SharedPulls<T> {
  private readonly running = new Map<string, Running<T>>();

  run(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    let entry = this.running.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise = start(controller.signal).finally(() => {
        if (this.running.get(key) === entry) this.running.delete(key);
      });
      promise.catch(() => undefined); // each waiter handles it; this keeps an all-aborted pull from going unhandled
      entry = { promise, controller, waiters: 0 };
      this.running.set(key, entry);
    }
    const shared = entry;
    shared.waiters += 1;
    if (!signal) return shared.promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        shared.waiters -= 1;
        if (shared.waiters > 0) return reject(signal.reason);
        if (this.running.get(key) === shared) this.running.delete(key);
        shared.controller.abort(signal.reason);
        shared.promise.catch(() => undefined).finally(() => reject(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
