/**
 * What tests read of an image store's folders (src/images/store-layout.ts) and of the host's processes: a folder's
 * entries, the refs, what is left in tmp/ and locks/, and the processes still at work in the store.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const entries = (path: string): string[] => (existsSync(path) ? readdirSync(path) : []);

/** The command lines of this host's processes (this one aside) that mention `text`, e.g. a store's root. */
export function processesMentioning(text: string): string[] {
  return entries('/proc')
    .filter((pid) => /^\d+$/.test(pid) && Number(pid) !== process.pid)
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        return '';
      }
    })
    .filter((cmdline) => cmdline.includes(text));
}

/** The store's temp folders and locks, as `tmp/<name>` and `locks/<name>`: none once every pull has ended. */
export const storeLeftovers = (root: string): string[] => ['tmp', 'locks'].flatMap((folder) => entries(join(root, folder)).map((e) => `${folder}/${e}`));

/** The store's refs (name and digest), sorted by name. */
export function storedRefs(root: string): { name: string; digest: string }[] {
  const refs = entries(join(root, 'refs')).map((file) => JSON.parse(readFileSync(join(root, 'refs', file), 'utf8')) as { name: string; digest: string });
  return refs.sort((a, b) => a.name.localeCompare(b.name));
}
