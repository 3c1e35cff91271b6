/**
 * The files the kubelet and the CRI runtime manage in every container rather than taking them from the image:
 * /etc/hosts (pkg/kubelet/kubelet_pods.go, managedHostsFileContent and nodeHostsFileContent), /etc/hostname
 * (containerd writes the pod's hostname), and, on the host's network, the host's /etc/resolv.conf (containerd
 * copies it). They are written beside the container's root and bound over the image's.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerMount } from '../../pod-volumes.js';

/**
 * The kubelet's hosts file. A pod without a network of its own has only loopback, so its hostname is there;
 * on the host's network it is the host's file under the kubelet's header.
 */
export async function hostsFileContent(network: 'none' | 'host', hostname: string): Promise<string> {
  if (network === 'host') {
    const hostFile = await readFile('/etc/hosts', 'utf8').catch(() => '');
    return `# Kubernetes-managed hosts file (host network).\n${hostFile}`;
  }
  return [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `127.0.0.1\t${hostname}`,
    '',
  ].join('\n');
}

/** Writes the files into `dir` and returns them as binds, after the volumes (a volume cannot hide them). */
export async function writeEtcFiles(dir: string, network: 'none' | 'host', hostname: string): Promise<ContainerMount[]> {
  const files: Array<[name: string, target: string, content: string]> = [
    ['hosts', '/etc/hosts', await hostsFileContent(network, hostname)],
    ['hostname', '/etc/hostname', `${hostname}\n`],
  ];
  if (network === 'host') {
    const resolvConf = await readFile('/etc/resolv.conf', 'utf8').catch(() => undefined);
    if (resolvConf !== undefined) files.push(['resolv.conf', '/etc/resolv.conf', resolvConf]);
  }
  const mounts: ContainerMount[] = [];
  for (const [name, target, content] of files) {
    const source = join(dir, name);
    await writeFile(source, content, { mode: 0o644 });
    mounts.push({ source, target, readOnly: false });
  }
  return mounts;
}
