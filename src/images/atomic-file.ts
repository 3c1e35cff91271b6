/** Files written whole or not at all: written under the store's tmp/, then renamed over their place. */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { StoreLayout } from './store-layout.js';

export async function writeFileAtomic(layout: StoreLayout, path: string, data: string): Promise<void> {
  const temp = layout.temp('file');
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A JSON file's content, or undefined when it is absent. */
export async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;
