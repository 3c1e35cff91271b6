/**
 * Type guards for raw input (parsed YAML, JSON, objects a caller passed): validation reads a manifest before the
 * schema has typed it, so each rule first asks what a value is.
 */
export type Obj = Record<string, unknown>;

/** A plain object or any non-array object (JSON's objects, not its arrays). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isStr = (v: unknown): v is string => typeof v === 'string';
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
