/** Loads TypeScript-handler pods for `kjob dev` and `kjob worker` from a JavaScript module. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PodHandlers } from '../worker/handlers.js';

/** The module exports `handlers` or a default object mapping handler names to functions. */
export async function loadHandlers(modulePath: string | undefined): Promise<PodHandlers> {
  if (!modulePath) return {};
  const mod = (await import(pathToFileURL(resolve(modulePath)).href)) as { handlers?: PodHandlers; default?: PodHandlers };
  const handlers = mod.handlers ?? mod.default;
  if (!handlers || typeof handlers !== 'object') throw new Error(`${modulePath} exports no handlers (export const handlers = { name: fn })`);
  for (const [name, fn] of Object.entries(handlers)) {
    if (typeof fn !== 'function') throw new Error(`handler ${JSON.stringify(name)} in ${modulePath} is not a function`);
  }
  return handlers;
}
