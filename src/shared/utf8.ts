/** UTF-8 for workflow-safe code: the workflow sandbox has TextEncoder but no Buffer. */

/** The UTF-8 bytes of a string (a lone surrogate as U+FFFD, as Go's []byte(string) of such a value would be). */
export const utf8Encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** How many bytes a string is in UTF-8 (what Kubernetes and Temporal's payload limit count). */
export const utf8Length = (text: string): number => utf8Encode(text).length;

/** The text of UTF-8 bytes, or undefined when they are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return decodeURIComponent(Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
  } catch {
    return undefined;
  }
}
