/**
 * Whether the container's command will be found in its root, checked before it runs: bubblewrap reports a
 * failed exec only as exit code 1, and a container runtime reports it as a start error. runc looks the command
 * up with Go's exec.LookPath in the container's PATH, so the messages are that function's
 * (`exec: "x": executable file not found in $PATH`, `exec: "/x": stat /x: no such file or directory`).
 */
import { statSync } from 'node:fs';
import { resolveInRoot, type ContainerRoot } from './rootfs-path.js';

/** The reason the command cannot be run, or undefined when it can. */
export function executableMissing(root: ContainerRoot, command: string, pathVar: string, workingDir: string): string | undefined {
  const quoted = JSON.stringify(command);
  if (command.includes('/')) {
    const problem = notExecutable(root, command, workingDir);
    return problem === undefined ? undefined : `exec: ${quoted}: ${problem}`;
  }
  // An empty PATH entry is the working directory, as in Go.
  const found = pathVar.split(':').some((dir) => notExecutable(root, `${dir || '.'}/${command}`, workingDir) === undefined);
  return found ? undefined : `exec: ${quoted}: executable file not found in $PATH`;
}

/** Go's findExecutable: a file (links followed) with any execute bit. */
function notExecutable(root: ContainerRoot, path: string, workingDir: string): string | undefined {
  let mode: number;
  let directory: boolean;
  try {
    const info = statSync(resolveInRoot(root, path, workingDir).hostPath);
    mode = info.mode;
    directory = info.isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? `stat ${path}: too many levels of symbolic links` : `stat ${path}: no such file or directory`;
  }
  if (directory) return 'is a directory';
  return (mode & 0o111) !== 0 ? undefined : 'permission denied';
}
