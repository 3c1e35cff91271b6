/**
 * Whether a process exists on this host, for the host-side code that leaves pid-named files behind (the worker's
 * process registry and `ctx.once` locks, cgroup sweeps, the image store's locks and leases): a file naming a dead
 * pid is void. A process we may not signal still exists.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
