/**
 * base64 as the API server reads `data` and `binaryData`: Go's encoding/base64 StdEncoding (which encoding/json
 * uses for []byte fields), with its `illegal base64 data at input byte N`. Workflow-safe: no Buffer.
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
