/**
 * Kubernetes resource quantities (apimachinery's resource.Quantity): `128Mi`, `1G`, `500m`, `1e3`. kjob needs
 * their values (memory in bytes, cpu in cores) and apimachinery's refusal of anything else.
 */

/** apimachinery's own pattern, quoted in its parse error. */
export const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The quantity's value in base units, or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number = '', suffix = ''] = match;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(number)) return undefined;
  const base = Number(number);
  let multiplier: number | undefined;
  if (Object.hasOwn(BINARY, suffix)) multiplier = BINARY[suffix];
  else if (Object.hasOwn(DECIMAL, suffix)) multiplier = DECIMAL[suffix];
  else {
    const exponent = /^[eE]([-+]?\d+)$/.exec(suffix);
    if (exponent) multiplier = 10 ** Number(exponent[1]);
  }
  return multiplier === undefined ? undefined : base * multiplier;
}

/** The error message apimachinery gives a string that is not a quantity. */
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${QUANTITY_PATTERN}'`;
