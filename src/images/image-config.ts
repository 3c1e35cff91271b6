/**
 * The part of an image's config (OCI image-spec `config.json`, its `config` object; Docker's is the same) that
 * decides how a container runs in it: the kubelet hands these to the runtime, which merges them with the
 * container's command, args, env and workingDir (pkg/kubelet/kuberuntime/kuberuntime_container.go, and the CRI
 * runtimes' WithImageConfig).
 */
export interface ImageConfig {
  /** ENTRYPOINT: kept unless the container gives `command`. */
  entrypoint?: string[];
  /** CMD: the default args, dropped when the container gives `command` or `args`. */
  cmd?: string[];
  /** `NAME=value` pairs, under the container's own env. */
  env?: string[];
  /** WORKDIR, unless the container gives `workingDir`. */
  workingDir?: string;
  /** USER: `uid`, `uid:gid`, `name` or `name:group`, resolved against the image's /etc/passwd and /etc/group. */
  user?: string;
}
