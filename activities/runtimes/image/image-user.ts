/**
 * The user a container runs as: the image's USER (`uid`, `uid:gid`, `name`, `name:group`, `uid:group`,
 * `name:gid`) resolved against the image's /etc/passwd and /etc/group, as containerd does it
 * (containerd's oci/spec_opts.go: WithUser, WithUserID, WithUsername, WithAdditionalGIDs), with the home
 * directory runc gives HOME (libcontainer's user.GetExecUser: the passwd entry's, or `/`).
 */

export interface ImageUser {
  uid: number;
  gid: number;
  /** Supplementary groups: the groups listing the user's name, and the primary group (containerd adds it). */
  groups: number[];
  home: string;
}

/** The image's account files, as read from its root (undefined: the file is missing). */
export interface AccountFiles {
  passwd: string | undefined;
  group: string | undefined;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** containerd's messages for a user it cannot resolve (the kubelet shows them in CreateContainerError). */
export class ImageUserError extends Error {}

const NUMERIC = /^\d+$/;

/** `open …/etc/passwd: no such file or directory` names the file as containerd does, under this root. */
export function resolveImageUser(user: string | undefined, files: AccountFiles, rootfs: string): ImageUser {
  const spec = user ?? '';
  const parts = spec === '' ? ['0'] : spec.split(':');
  if (parts.length > 2) throw new ImageUserError(`invalid USER value ${spec}`);
  const [userPart, groupPart] = parts as [string, string | undefined];
  const users = () => parsePasswd(required(files.passwd, rootfs, 'passwd'));
  const groups = () => parseGroup(required(files.group, rootfs, 'group'));
  let uid: number;
  let gid: number;
  if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
    // A uid the image does not list is still run, with group 0 (WithUserID).
    gid = (files.passwd === undefined ? undefined : parsePasswd(files.passwd).find((u) => u.uid === uid))?.gid ?? 0;
  } else {
    const entry = users().find((u) => u.name === userPart);
    if (!entry) throw new ImageUserError('no users found');
    ({ uid, gid } = entry);
  }
  if (groupPart !== undefined) {
    if (NUMERIC.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = groups().find((g) => g.name === groupPart);
      if (!entry) throw new ImageUserError('no groups found');
      gid = entry.gid;
    }
  }
  const passwdEntry = files.passwd === undefined ? undefined : parsePasswd(files.passwd).find((u) => u.uid === uid);
  const name = NUMERIC.test(userPart) ? passwdEntry?.name : userPart;
  const supplementary = name === undefined || files.group === undefined ? [] : parseGroup(files.group).filter((g) => g.name !== name && g.members.includes(name));
  return { uid, gid, groups: [...new Set([...supplementary.map((g) => g.gid), gid])], home: passwdEntry?.home || '/' };
}

function required(text: string | undefined, rootfs: string, file: string): string {
  if (text === undefined) throw new ImageUserError(`open ${rootfs}/etc/${file}: no such file or directory`);
  return text;
}

/** `name:password:uid:gid:gecos:home:shell` lines; a number that does not parse counts as 0, as in runc. */
function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', uid: toId(f[2]), gid: toId(f[3]), home: f[5] ?? '' }));
}

/** `name:password:gid:member,member` lines. */
function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', gid: toId(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function toId(field: string | undefined): number {
  return field !== undefined && NUMERIC.test(field) ? Number(field) : 0;
}
