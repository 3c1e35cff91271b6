/**
 * Kubernetes resource quantities, modelled exactly as apimachinery's resource.Quantity (pkg/api/resource:
 * quantity.go, amount.go, math.go, suffix.go, scale_int.go): `128Mi`, `1.5`, `500m`, `1e3`. Validation messages
 * print quantities as Quantity.String() does, so the value is kept as an integer and a power of ten (never a
 * float), together with what Go keeps beside it: the format its suffix chose, whether ParseQuantity took its
 * int64 path, and the text it kept when that text was already canonical.
 */

/** apimachinery's own pattern, quoted in its parse error. */
export const QUANTITY_PATTERN = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** The error message apimachinery gives a string that is not a quantity. */
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${QUANTITY_PATTERN}'`;

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The value is mantissa × 10^exponent, as Go holds it: int64Amount{value, scale} or inf.Dec{unscaled, -scale}. */
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  /** ParseQuantity's int64 path (int64Amount) rather than inf.Dec: RoundUp and ScaledValue differ between them. */
  readonly int64: boolean;
  /** Quantity.s: the text String() returns as it is; ParseQuantity keeps the input when it is already canonical. */
  readonly text?: string;
}

const NANO = -9;
const MILLI = -3;
const INT64_MAX = (1n << 63n) - 1n;
/** maxInt64Factors: the decimal digits an int64 always holds. */
const MAX_INT64_DIGITS = 18;
/** Past this many digits a power of ten is not built: such values keep a compact form (see rescale). */
const MAX_POWER_DIGITS = 10_000;

const DIGITS = /^[0-9]$/;
const SUFFIX_LETTERS = 'eEinumkKMGTP';

const toInt32 = (n: number): number => Number(BigInt.asIntN(32, BigInt(n)));
const toInt64 = (n: bigint): bigint => BigInt.asIntN(64, n);
const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const pow10 = (n: number): bigint => 10n ** BigInt(n);
const digitCount = (n: bigint): number => (n === 0n ? 0 : abs(n).toString().length);
const signOf = (n: bigint): number => (n === 0n ? 0 : n < 0n ? -1 : 1);

interface ScannedQuantity {
  positive: boolean;
  /** The signed number as written (Go's `value`), for inf.Dec.SetString. */
  value: string;
  /** Digits before the point, leading zeros dropped ("0" when none are left). */
  num: string;
  /** Digits after the point. */
  denom: string;
  suffix: string;
}

/** parseQuantityString: splits sign, number and suffix; only a malformed exponent is an error here. */
function scanQuantity(str: string): ScannedQuantity | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;

  while (str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };

  const numStart = pos;
  while (pos < end && DIGITS.test(str[pos] ?? '')) pos++;
  const num = str.slice(numStart, pos) || '0';
  if (pos >= end) return { positive, value: str, num, denom: '', suffix: '' };

  let denom = '';
  if (str[pos] === '.') {
    const denomStart = ++pos;
    while (pos < end && DIGITS.test(str[pos] ?? '')) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, value: str, num, denom, suffix: '' };
  }
  const value = str.slice(0, pos);

  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTERS.includes(str[pos] ?? '')) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && DIGITS.test(str[pos] ?? '')) pos++;
  // A character past the exponent's digits: ErrFormatWrong.
  return pos >= end ? { positive, value, num, denom, suffix: str.slice(suffixStart) } : undefined;
}

interface SuffixMeaning {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

/** suffix.go's decimal and binary suffix tables (listSuffixer). */
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_OF = new Map(Object.entries(DECIMAL_SUFFIXES).map(([suffix, exponent]) => [exponent, suffix]));
const BINARY_SUFFIX_OF = new Map(Object.entries(BINARY_SUFFIXES).map(([suffix, exponent]) => [exponent / 10, suffix]));

/** suffixHandler.interpret: the tables, then `e`/`E` and a strconv.ParseInt exponent, truncated to int32 as Go does. */
function interpretSuffix(suffix: string): SuffixMeaning | undefined {
  if (Object.hasOwn(DECIMAL_SUFFIXES, suffix)) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix] ?? 0, format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SUFFIXES, suffix)) return { base: 2, exponent: BINARY_SUFFIXES[suffix] ?? 0, format: 'BinarySI' };
  const exponent = /^[eE]([+-]?[0-9]+)$/.exec(suffix)?.[1];
  if (exponent === undefined) return undefined;
  const parsed = BigInt(exponent);
  if (parsed > INT64_MAX || parsed < -INT64_MAX - 1n) return undefined;
  return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
}

/**
 * ParseQuantity, for a string without surrounding space (UnmarshalJSON trims it first: use readQuantity for
 * manifest values). Undefined when Go returns an error.
 */
export function parseQuantityExact(str: string): Quantity | undefined {
  if (str.length === 0) return undefined;
  if (str === '0') return { mantissa: 0n, exponent: 0, format: 'DecimalSI', int64: true, text: str };
  const scanned = scanQuantity(str);
  if (scanned === undefined) return undefined;
  const meaning = interpretSuffix(scanned.suffix);
  if (meaning === undefined) return undefined;
  return parseAsInt64(str, scanned, meaning) ?? parseAsDecimal(scanned, meaning);
}

/** ParseQuantity's fast path: few enough digits for an int64, and no finer than nano. */
function parseAsInt64(str: string, scanned: ScannedQuantity, meaning: SuffixMeaning): Quantity | undefined {
  const { num, denom, positive } = scanned;
  const { exponent, format } = meaning;
  let precision: number;
  let scale = 0;
  let multiplier = 1n;
  if (format === 'BinarySI') {
    if (exponent < 0 || denom.length > 0) return undefined;
    multiplier = 1n << BigInt(exponent);
    // 1Mi (2^20) has ~6 digits of decimal precision, so Go takes exponent*3/10 as the digits the suffix uses.
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    scale = exponent;
    precision = MAX_INT64_DIGITS - (num.length + denom.length);
  }
  if (precision < 0) return undefined;
  scale = toInt32(scale - denom.length);
  if (scale < NANO) return undefined;
  const shifted = num + denom;
  const digits = BigInt(shifted);
  const product = digits * multiplier;
  if (product > INT64_MAX) return undefined;
  // Go keeps the input as the quantity's string when it is already in canonical form.
  const canonical =
    format === 'BinarySI'
      ? exponent % 10 === 0 && (digits & 7n) !== 0n
      : scale % 3 === 0 && !shifted.endsWith('000') && !shifted.startsWith('0');
  const quantity = { mantissa: positive ? product : -product, exponent: scale, format, int64: true };
  return canonical ? { ...quantity, text: str } : quantity;
}

/** inf.Dec.SetString: a sign, digits and at most one point; it fails when there is no digit at all. */
function parseDecimalText(value: string): { unscaled: bigint; exponent: number } | undefined {
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(value);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  if (whole.length + fraction.length === 0) return undefined;
  const unscaled = BigInt(whole + fraction || '0');
  return { unscaled: sign === '-' ? -unscaled : unscaled, exponent: -fraction.length };
}

/** ParseQuantity's inf.Dec path: exact, rounded up to nano, BinarySI capped at int64 and below 1 shown as DecimalSI. */
function parseAsDecimal(scanned: ScannedQuantity, meaning: SuffixMeaning): Quantity | undefined {
  const parsed = parseDecimalText(scanned.value);
  if (parsed === undefined) return undefined;
  let { unscaled, exponent } = parsed;
  if (meaning.base === 10) exponent = -toInt32(-exponent - meaning.exponent);
  else unscaled *= 1n << BigInt(meaning.exponent);

  let magnitude: Scaled = { mantissa: abs(unscaled), exponent };
  // Non-zero values are rounded up to the smallest representable one: "if you want some resources, you get some".
  if (magnitude.mantissa !== 0n) magnitude = rescale(magnitude, NANO).value;
  let { format } = meaning;
  if (format === 'BinarySI' && compareScaled(magnitude, { mantissa: INT64_MAX, exponent: 0 }) > 0) {
    magnitude = { mantissa: INT64_MAX, exponent: 0 };
  }
  if (format === 'BinarySI' && magnitude.mantissa !== 0n && compareScaled(magnitude, { mantissa: 1n, exponent: 0 }) < 0) {
    format = 'DecimalSI';
  }
  const mantissa = unscaled < 0n ? -magnitude.mantissa : magnitude.mantissa;
  return { mantissa, exponent: magnitude.exponent, format, int64: false };
}

interface Scaled {
  mantissa: bigint;
  exponent: number;
}

/**
 * The value at exponent `target`, rounded away from zero (inf.RoundUp, negativeScaleInt64), and whether that was
 * exact. Reaching a finer exponent multiplies; when that would build a number of absurd size the value is kept
 * as it is, equal but not in Go's layout (only ScaledValue of such a value can then differ).
 */
function rescale(value: Scaled, target: number): { value: Scaled; exact: boolean } {
  const shift = value.exponent - target;
  if (shift >= 0) {
    if (shift > MAX_POWER_DIGITS) return { value, exact: true };
    return { value: { mantissa: value.mantissa * pow10(shift), exponent: target }, exact: true };
  }
  const places = -shift;
  if (value.mantissa === 0n) return { value: { mantissa: 0n, exponent: target }, exact: true };
  // Every digit is below the target: what is left rounds away from zero to one unit.
  if (places > digitCount(value.mantissa)) return { value: { mantissa: BigInt(signOf(value.mantissa)), exponent: target }, exact: false };
  const divisor = pow10(places);
  const quotient = value.mantissa / divisor;
  const exact = value.mantissa % divisor === 0n;
  const rounded = exact ? quotient : quotient + (value.mantissa < 0n ? -1n : 1n);
  return { value: { mantissa: rounded, exponent: target }, exact };
}

/** The exact order of two values, without building powers of ten beyond the digits they have. */
function compareScaled(a: Scaled, b: Scaled): number {
  const signA = signOf(a.mantissa);
  const signB = signOf(b.mantissa);
  if (signA !== signB || signA === 0) return Math.sign(signA - signB);
  // Same sign: compare magnitudes by their order first, then digit by digit.
  const orderA = digitCount(a.mantissa) + a.exponent;
  const orderB = digitCount(b.mantissa) + b.exponent;
  if (orderA !== orderB) return orderA > orderB ? signA : -signA;
  const common = Math.min(a.exponent, b.exponent);
  const left = abs(a.mantissa) * pow10(a.exponent - common);
  const right = abs(b.mantissa) * pow10(b.exponent - common);
  if (left === right) return 0;
  return left > right ? signA : -signA;
}

/** Quantity.Cmp. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return compareScaled(a, b);
}

/** Quantity.Sign. */
export function quantitySign(q: Quantity): number {
  return signOf(q.mantissa);
}

/** Quantity.String: the kept text, else CanonicalizeBytes. */
export function quantityString(q: Quantity): string {
  if (q.text !== undefined) return q.text;
  if (q.mantissa === 0n) return '0';
  if (q.format === 'BinarySI') {
    const binary = canonicalBinary(q);
    if (binary !== undefined) return binary;
    return canonicalDecimal(q, 'DecimalSI');
  }
  return canonicalDecimal(q, q.format);
}

/**
 * CanonicalizeBytes for BinarySI: a value within (-1024, 1024), or with a fraction, is shown as DecimalSI instead
 * (undefined here); otherwise AsCanonicalBase1024Bytes takes out factors of 1024 for the suffix.
 */
function canonicalBinary(q: Quantity): string | undefined {
  const belowKi = compareScaled(q, { mantissa: -1024n, exponent: 0 }) > 0 && compareScaled(q, { mantissa: 1024n, exponent: 0 }) < 0;
  if (belowKi) return undefined;
  const whole = rescale(q, 0);
  if (!whole.exact) return undefined;
  let amount = whole.value.mantissa;
  let times = 0;
  while (abs(amount) >= 1024n && amount % 1024n === 0n) {
    amount /= 1024n;
    times++;
  }
  // constructBytes finds no suffix for 1024^0 (or past Ei) and Go prints the bare number.
  return `${amount}${BINARY_SUFFIX_OF.get(times) ?? ''}`;
}

/**
 * AsCanonicalBytes: trailing zeros move into the exponent, which is then lowered to a multiple of 3. DecimalSI
 * has no suffix past E (10^18) and Go prints the bare mantissa then, as constructBytes fails silently.
 */
function canonicalDecimal(q: Scaled, format: QuantityFormat): string {
  const digits = abs(q.mantissa).toString();
  const significant = digits.replace(/0+$/, '');
  let mantissa = BigInt(significant) * BigInt(signOf(q.mantissa));
  let exponent = q.exponent + (digits.length - significant.length);
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  return `${mantissa}${DECIMAL_SUFFIX_OF.get(exponent) ?? ''}`;
}

/**
 * Quantity.RoundUp(scale): the int64 form keeps its text when it is already that coarse; otherwise the value is
 * rounded away from zero to 10^scale and shown canonically. SetDefaults_ResourceList does this with Milli to
 * every container request and limit before validation.
 */
export function roundUpQuantity(q: Quantity, scale: number): Quantity {
  if (q.int64 && q.exponent >= scale) return q;
  const { value } = rescale(q, scale);
  return { mantissa: value.mantissa, exponent: value.exponent, format: q.format, int64: q.int64 };
}

/** roundUpQuantity(q, Milli), as SetDefaults_ResourceList applies it. */
export const roundUpToMilli = (q: Quantity): Quantity => roundUpQuantity(q, MILLI);

/**
 * Quantity.ScaledValue: ceil(q / 10^scale) as an int64, with Go's own roundings: the int64 form rounds away from
 * zero (and gives 0 on overflow); the inf.Dec form (scale_int.go scaledValue) truncates and adds one, or floors
 * and adds one once past int64, and wraps on overflow.
 */
export function scaledValue(q: Quantity, scale: number): bigint {
  if (q.int64) {
    if (q.exponent < scale) return rescale(q, scale).value.mantissa;
    return positiveScaleInt64(q.mantissa, toInt32(q.exponent - scale));
  }
  const dif = scale - q.exponent;
  if (dif === 0) return toInt64(q.mantissa);
  if (dif < 0) return -dif > MAX_POWER_DIGITS ? 0n : toInt64(toInt64(q.mantissa) * pow10(-dif));
  if (dif > MAX_POWER_DIGITS) return q.mantissa === 0n ? 0n : 1n;
  const divisor = pow10(dif);
  if (q.mantissa < INT64_MAX && dif < 19) {
    const unscaled = toInt64(q.mantissa);
    return toInt64(unscaled / divisor + (unscaled % divisor === 0n ? 0n : 1n));
  }
  const remainder = ((q.mantissa % divisor) + divisor) % divisor;
  return toInt64((q.mantissa - remainder) / divisor + (remainder === 0n ? 0n : 1n));
}

/**
 * math.go positiveScaleInt64, overflow included: scales 1, 2, 3, 6 and 9 are one multiplication whose wrapped
 * result Go returns anyway; the others multiply by ten in a loop that gives 0 on overflow; a negative scale (an
 * int32 that wrapped) multiplies by nothing.
 */
function positiveScaleInt64(base: bigint, scale: number): bigint {
  if (scale <= 0) return base;
  if ([1, 2, 3, 6, 9].includes(scale)) {
    if (base === 0n || base === 1n) return base * pow10(scale);
    return base === -INT64_MAX - 1n ? 0n : toInt64(base * pow10(scale));
  }
  if (scale > MAX_POWER_DIGITS) return 0n;
  const result = base * pow10(scale);
  return toInt64(result) === result ? result : 0n;
}

/** Quantity.Value and Quantity.MilliValue. */
export const quantityValue = (q: Quantity): bigint => scaledValue(q, 0);
export const quantityMilliValue = (q: Quantity): bigint => scaledValue(q, MILLI);

/** Go's unicode.IsSpace, which strings.TrimSpace uses (JavaScript's trim differs: it trims U+FEFF, not U+0085). */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]';
const SURROUNDING_GO_SPACE = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/**
 * A manifest's quantity as Quantity.UnmarshalJSON reads it: a string without its surrounding space, or a JSON
 * number's text. Undefined when Kubernetes would refuse it.
 */
export function readQuantity(raw: unknown): Quantity | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? parseQuantityExact(String(raw)) : undefined;
  if (typeof raw !== 'string') return undefined;
  return parseQuantityExact(raw.replace(SURROUNDING_GO_SPACE, ''));
}

/** Quantity.AsApproximateFloat64. */
export function quantityToNumber(q: Quantity): number {
  const mantissa = Number(q.mantissa);
  return q.exponent >= 0 ? mantissa * 10 ** q.exponent : mantissa / 10 ** -q.exponent;
}

/** The quantity's value in base units (memory in bytes, cpu in cores), or undefined when it is not a quantity. */
export function parseQuantity(text: string): number | undefined {
  const quantity = readQuantity(text);
  return quantity === undefined ? undefined : quantityToNumber(quantity);
}
