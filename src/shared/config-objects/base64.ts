/**
 * base64 and UTF-8 as the API server reads `data` and `binaryData`: Go's encoding/base64 StdEncoding (which
 * encoding/json uses for []byte fields), with its `illegal base64 data at input byte N`, and UTF-8 written out by
 * hand. Workflow-safe: no Buffer, no TextEncoder.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((char, index) => [char, index]));
const isNewline = (char: string | undefined) => char === '\n' || char === '\r';

/**
 * Where Go's StdEncoding.Decode stops on `text` (the byte offset its CorruptInputError names), or undefined
 * when it decodes. Go skips CR and LF anywhere, takes `=` padding only at the end of a quantum, and refuses
 * anything after the padding.
 */
export function base64ErrorOffset(text: string): number | undefined {
  let at = 0;
  while (at < text.length) {
    let filled = 0;
    while (filled < 4) {
      if (at === text.length) {
        if (filled === 0) return undefined;
        return at - filled;
      }
      const char = text[at] as string;
      at++;
      if (VALUES.has(char)) {
        filled++;
        continue;
      }
      if (isNewline(char)) continue;
      if (char !== '=' || filled < 2) return at - 1;
      if (filled === 2) {
        while (at < text.length && isNewline(text[at])) at++;
        if (at === text.length) return text.length;
        if (text[at] !== '=') return at - 1;
        at++;
      }
      while (at < text.length && isNewline(text[at])) at++;
      return at < text.length ? at : undefined;
    }
  }
  return undefined;
}

/** Go's error text for `text` that does not decode, or undefined. */
export function base64Error(text: string): string | undefined {
  const offset = base64ErrorOffset(text);
  return offset === undefined ? undefined : `illegal base64 data at input byte ${offset}`;
}

/** The bytes of base64 `text` that decodes (see base64ErrorOffset). */
export function base64Decode(text: string): Uint8Array {
  const bytes: number[] = [];
  let bits = 0;
  let count = 0;
  for (const char of text) {
    const value = VALUES.get(char);
    if (value === undefined) continue;
    bits = (bits << 6) | value;
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes.push((bits >> count) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const triple = (a << 16) | (b << 8) | c;
    out += ALPHABET[(triple >> 18) & 63]! + ALPHABET[(triple >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(triple >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[triple & 63]! : '=';
  }
  return out;
}

/** How many bytes base64 `text` that decodes stands for. */
export function base64DecodedLength(text: string): number {
  let symbols = 0;
  for (const char of text) if (VALUES.has(char)) symbols++;
  return Math.floor((symbols * 6) / 8);
}

/** The UTF-8 bytes of a string (a lone surrogate as U+FFFD, as Go's []byte(string) of such a value would be). */
export function utf8Encode(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    let code = char.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return Uint8Array.from(bytes);
}

/** The text of UTF-8 bytes, or undefined when they are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return decodeURIComponent(Array.from(bytes, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
  } catch {
    return undefined;
  }
}

export const utf8Length = (text: string): number => utf8Encode(text).length;
