/**
 * The cgroups driver: container `resources.limits` for command pods, enforced with cgroups as the kubelet does: a memory limit
 * makes the kernel's OOM killer end the container (reported as OOMKilled, exit code 137), a cpu limit is a
 * CFS quota. cgroup v1 (memory and cpu controllers) and the unified v2 hierarchy are both handled.
 */
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../../src/host/process-alive.js';

export interface ContainerLimits {
  memoryBytes?: number;
  cpuCores?: number;
}

/** One container's cgroup(s): join them before exec, and read whether the OOM killer struck. */
export interface ContainerCgroup {
  /** Wraps argv so the process joins the cgroup before it becomes the container's command. */
  wrap(argv: string[]): string[];
  oomKilled(): Promise<boolean>;
  remove(): Promise<void>;
}

export interface CgroupDriver {
  version: 'v1' | 'v2';
  create(name: string, limits: ContainerLimits): Promise<ContainerCgroup>;
}

export type CgroupProbe = { cgroups: CgroupDriver } | { unavailable: string };

const CGROUP_ROOT = '/sys/fs/cgroup';
const CFS_PERIOD_US = 100_000;
/** The kernel's smallest CFS quota. */
const MIN_CFS_QUOTA_US = 1000;

/** A shell that writes its own pid into each cgroup.procs file given before `--`, then execs the command. */
function joinAndExec(procsFiles: string[], argv: string[]): string[] {
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
  return ['/bin/sh', '-c', script, 'kjob-cgroup', ...procsFiles, '--', ...argv];
}

async function counter(file: string, key: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** rmdir fails while the killed processes are still exiting; try for a moment. */
async function removeDir(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const writable = (path: string) => access(path, 2).then(() => true, () => false);

class CgroupV1 implements CgroupDriver {
  readonly version = 'v1';
  constructor(private readonly base: { memory: string; cpu: string }) {}

  async create(name: string, limits: ContainerLimits): Promise<ContainerCgroup> {
    const dirs: string[] = [];
    try {
      return await this.make(name, limits, dirs);
    } catch (error) {
      // A half-made cgroup (a limit that could not be written) goes again.
      await Promise.all(dirs.map(removeDir));
      throw error;
    }
  }

  private async make(name: string, limits: ContainerLimits, dirs: string[]): Promise<ContainerCgroup> {
    if (limits.memoryBytes !== undefined) {
      const dir = join(this.base.memory, name);
      await mkdir(dir, { recursive: true });
      dirs.push(dir);
      const bytes = String(Math.max(Math.floor(limits.memoryBytes), 4096));
      await writeFile(join(dir, 'memory.limit_in_bytes'), bytes);
      // With swap on, the limit would only push the container into swap; memory+swap gets the same cap.
      await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
    }
    if (limits.cpuCores !== undefined) {
      const dir = join(this.base.cpu, name);
      await mkdir(dir, { recursive: true });
      dirs.push(dir);
      await writeFile(join(dir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      await writeFile(join(dir, 'cpu.cfs_quota_us'), String(Math.max(MIN_CFS_QUOTA_US, Math.round(limits.cpuCores * CFS_PERIOD_US))));
    }
    const memoryDir = limits.memoryBytes === undefined ? undefined : join(this.base.memory, name);
    return {
      wrap: (argv) => joinAndExec(dirs.map((d) => join(d, 'cgroup.procs')), argv),
      oomKilled: async () => memoryDir !== undefined && (await counter(join(memoryDir, 'memory.oom_control'), 'oom_kill')) > 0,
      remove: async () => {
        await Promise.all(dirs.map(removeDir));
      },
    };
  }
}

class CgroupV2 implements CgroupDriver {
  readonly version = 'v2';
  constructor(private readonly base: string) {}

  async create(name: string, limits: ContainerLimits): Promise<ContainerCgroup> {
    await this.ensureBase();
    const dir = join(this.base, name);
    await mkdir(dir, { recursive: true });
    try {
      if (limits.memoryBytes !== undefined) {
        await writeFile(join(dir, 'memory.max'), String(Math.max(Math.floor(limits.memoryBytes), 4096)));
        await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
        // The whole container goes when the OOM killer strikes, as the kubelet configures it.
        await writeFile(join(dir, 'memory.oom.group'), '1').catch(() => undefined);
      }
      if (limits.cpuCores !== undefined) {
        await writeFile(join(dir, 'cpu.max'), `${Math.max(MIN_CFS_QUOTA_US, Math.round(limits.cpuCores * CFS_PERIOD_US))} ${CFS_PERIOD_US}`);
      }
    } catch (error) {
      await removeDir(dir);
      throw error;
    }
    return {
      wrap: (argv) => joinAndExec([join(dir, 'cgroup.procs')], argv),
      oomKilled: async () => (await counter(join(dir, 'memory.events'), 'oom_kill')) > 0,
      remove: () => removeDir(dir),
    };
  }

  /**
   * The worker's own cgroup, made again with its controllers if it went while idle: a worker in another pid
   * namespace sharing this hierarchy cannot see this process and may have swept it as gone.
   */
  private async ensureBase(): Promise<void> {
    if (await writable(join(this.base, 'cgroup.subtree_control'))) return;
    await mkdir(this.base, { recursive: true });
    await writeFile(join(this.base, 'cgroup.subtree_control'), '+memory +cpu');
  }
}

/**
 * Each worker process keeps its pods' cgroups under `kjob/<pid>`, which outlives it (several workers may share a
 * process, so none removes it alone). The next worker on the host removes those of processes that are gone,
 * with any container cgroup a crash left inside. A cgroup that still holds processes cannot be removed: it stays;
 * one removed while idle by a worker that could not see its process (another pid namespace) is made again.
 */
export async function sweepGoneWorkersCgroups(parents: string[]): Promise<number> {
  let removed = 0;
  for (const parent of parents) {
    for (const entry of await readdir(parent, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory() || !/^\d+$/.test(entry.name) || processAlive(Number(entry.name))) continue;
      const dir = join(parent, entry.name);
      for (const child of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (child.isDirectory()) await rmdir(join(dir, child.name)).catch(() => undefined);
      }
      await rmdir(dir).then(() => removed++, () => undefined);
    }
  }
  return removed;
}

/** Whether this host lets the worker limit its pods; the reason when it does not. */
export async function detectCgroups(workerId: string): Promise<CgroupProbe> {
  const group = join('kjob', workerId);
  try {
    if (await writable(join(CGROUP_ROOT, 'cgroup.subtree_control'))) {
      // v2: the root cgroup may hold processes and delegate controllers, so kjob's cgroups live under it.
      const controllers = (await readFile(join(CGROUP_ROOT, 'cgroup.controllers'), 'utf8')).split(/\s+/);
      if (!controllers.includes('memory') || !controllers.includes('cpu')) return { unavailable: 'cgroup v2 lacks the memory or cpu controller' };
      await writeFile(join(CGROUP_ROOT, 'cgroup.subtree_control'), '+memory +cpu');
      await sweepGoneWorkersCgroups([join(CGROUP_ROOT, 'kjob')]);
      const base = join(CGROUP_ROOT, group);
      await mkdir(base, { recursive: true });
      await writeFile(join(CGROUP_ROOT, 'kjob', 'cgroup.subtree_control'), '+memory +cpu');
      await writeFile(join(base, 'cgroup.subtree_control'), '+memory +cpu');
      return { cgroups: new CgroupV2(base) };
    }
    const memory = join(CGROUP_ROOT, 'memory');
    const cpu = join(CGROUP_ROOT, 'cpu');
    if ((await writable(memory)) && (await writable(cpu))) {
      await sweepGoneWorkersCgroups([join(memory, 'kjob'), join(cpu, 'kjob')]);
      const base = { memory: join(memory, group), cpu: join(cpu, group) };
      await mkdir(base.memory, { recursive: true });
      await mkdir(base.cpu, { recursive: true });
      return { cgroups: new CgroupV1(base) };
    }
    return { unavailable: `no writable cgroup hierarchy at ${CGROUP_ROOT} (run the worker as root, or delegate a cgroup to it)` };
  } catch (error) {
    return { unavailable: `cgroups could not be set up: ${String(error)}` };
  }
}
