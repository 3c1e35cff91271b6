/**
 * The exact quantity model, pinned with the tables of apimachinery's own tests
 * (kubernetes/apimachinery pkg/api/resource/quantity_test.go: TestQuantityParse, TestQuantityString,
 * TestQuantityParseEmit, TestParseQuantity, TestQuantityRoundUp, TestQuantityCmp, TestJSONWhitespace).
 */
import { describe, expect, test } from 'vitest';
import {
  compareQuantities,
  parseQuantity,
  parseQuantityExact,
  quantityString,
  readQuantity,
  roundUpQuantity,
  type Quantity,
  type QuantityFormat,
} from '../../src/shared/manifest/quantity.js';

/** quantity_test.go decQuantity(i, exponent, format): an inf.Dec quantity, as the Go tables build them. */
const decQuantity = (mantissa: bigint | number, exponent: number, format: QuantityFormat): Quantity => ({
  mantissa: BigInt(mantissa),
  exponent,
  format,
  int64: false,
});
const MAX_ALLOWED = (1n << 63n) - 1n;

function parsed(text: string): Quantity {
  const quantity = parseQuantityExact(text);
  if (quantity === undefined) throw new Error(`${text} did not parse`);
  return quantity;
}

describe('ParseQuantity (TestQuantityParse)', () => {
  const table: [string, Quantity][] = [
    ['0', decQuantity(0, 0, 'DecimalSI')],
    ['0n', decQuantity(0, 0, 'DecimalSI')],
    ['0u', decQuantity(0, 0, 'DecimalSI')],
    ['0m', decQuantity(0, 0, 'DecimalSI')],
    ['0Ki', decQuantity(0, 0, 'BinarySI')],
    ['0k', decQuantity(0, 0, 'DecimalSI')],
    ['0Mi', decQuantity(0, 0, 'BinarySI')],
    ['0M', decQuantity(0, 0, 'DecimalSI')],
    ['0Gi', decQuantity(0, 0, 'BinarySI')],
    ['0G', decQuantity(0, 0, 'DecimalSI')],
    ['0Ti', decQuantity(0, 0, 'BinarySI')],
    ['0T', decQuantity(0, 0, 'DecimalSI')],
    // Quantity less numbers are allowed
    ['1', decQuantity(1, 0, 'DecimalSI')],
    // Binary suffixes
    ['1Ki', decQuantity(1024, 0, 'BinarySI')],
    ['8Ki', decQuantity(8 * 1024, 0, 'BinarySI')],
    ['7Mi', decQuantity(7 * 1024 * 1024, 0, 'BinarySI')],
    ['6Gi', decQuantity(6 * 1024 * 1024 * 1024, 0, 'BinarySI')],
    ['5Ti', decQuantity(5n * 1024n ** 4n, 0, 'BinarySI')],
    ['4Pi', decQuantity(4n * 1024n ** 5n, 0, 'BinarySI')],
    ['3Ei', decQuantity(3n * 1024n ** 6n, 0, 'BinarySI')],
    ['10Ti', decQuantity(10n * 1024n ** 4n, 0, 'BinarySI')],
    ['100Ti', decQuantity(100n * 1024n ** 4n, 0, 'BinarySI')],
    // Decimal suffixes
    ['5n', decQuantity(5, -9, 'DecimalSI')],
    ['4u', decQuantity(4, -6, 'DecimalSI')],
    ['3m', decQuantity(3, -3, 'DecimalSI')],
    ['9', decQuantity(9, 0, 'DecimalSI')],
    ['8k', decQuantity(8, 3, 'DecimalSI')],
    ['50k', decQuantity(5, 4, 'DecimalSI')],
    ['7M', decQuantity(7, 6, 'DecimalSI')],
    ['6G', decQuantity(6, 9, 'DecimalSI')],
    ['5T', decQuantity(5, 12, 'DecimalSI')],
    ['40T', decQuantity(4, 13, 'DecimalSI')],
    ['300T', decQuantity(3, 14, 'DecimalSI')],
    ['2P', decQuantity(2, 15, 'DecimalSI')],
    ['1E', decQuantity(1, 18, 'DecimalSI')],
    // Decimal exponents
    ['1E-3', decQuantity(1, -3, 'DecimalExponent')],
    ['1e3', decQuantity(1, 3, 'DecimalExponent')],
    ['1E6', decQuantity(1, 6, 'DecimalExponent')],
    ['1e9', decQuantity(1, 9, 'DecimalExponent')],
    ['1E12', decQuantity(1, 12, 'DecimalExponent')],
    ['1e15', decQuantity(1, 15, 'DecimalExponent')],
    ['1E18', decQuantity(1, 18, 'DecimalExponent')],
    // Nonstandard but still parsable
    ['1e14', decQuantity(1, 14, 'DecimalExponent')],
    ['1e13', decQuantity(1, 13, 'DecimalExponent')],
    ['100.035k', decQuantity(100035, 0, 'DecimalSI')],
    // Things that look like floating point
    ['0.001', decQuantity(1, -3, 'DecimalSI')],
    ['0.0005k', decQuantity(5, -1, 'DecimalSI')],
    ['0.005', decQuantity(5, -3, 'DecimalSI')],
    ['0.05', decQuantity(5, -2, 'DecimalSI')],
    ['0.5', decQuantity(5, -1, 'DecimalSI')],
    ['0.00050k', decQuantity(5, -1, 'DecimalSI')],
    ['0.00500', decQuantity(5, -3, 'DecimalSI')],
    ['0.05000', decQuantity(5, -2, 'DecimalSI')],
    ['0.50000', decQuantity(5, -1, 'DecimalSI')],
    ['0.5e0', decQuantity(5, -1, 'DecimalExponent')],
    ['0.5e-1', decQuantity(5, -2, 'DecimalExponent')],
    ['0.5e-2', decQuantity(5, -3, 'DecimalExponent')],
    ['10.035M', decQuantity(10035, 3, 'DecimalSI')],
    ['1.2e3', decQuantity(12, 2, 'DecimalExponent')],
    ['1.3E+6', decQuantity(13, 5, 'DecimalExponent')],
    ['1.40e9', decQuantity(14, 8, 'DecimalExponent')],
    ['1.53E12', decQuantity(153, 10, 'DecimalExponent')],
    ['1.6e15', decQuantity(16, 14, 'DecimalExponent')],
    ['1.7E18', decQuantity(17, 17, 'DecimalExponent')],
    ['9.01', decQuantity(901, -2, 'DecimalSI')],
    ['8.1k', decQuantity(81, 2, 'DecimalSI')],
    ['7.123456M', decQuantity(7123456, 0, 'DecimalSI')],
    ['6.987654321G', decQuantity(6987654321, 0, 'DecimalSI')],
    ['5.444T', decQuantity(5444, 9, 'DecimalSI')],
    ['40.1T', decQuantity(401, 11, 'DecimalSI')],
    ['300.2T', decQuantity(3002, 11, 'DecimalSI')],
    ['2.5P', decQuantity(25, 14, 'DecimalSI')],
    ['1.01E', decQuantity(101, 16, 'DecimalSI')],
    // Things that saturate/round
    ['3.001n', decQuantity(4, -9, 'DecimalSI')],
    ['1.1E-9', decQuantity(2, -9, 'DecimalExponent')],
    ['0.0000000001', decQuantity(1, -9, 'DecimalSI')],
    ['0.0000000005', decQuantity(1, -9, 'DecimalSI')],
    ['0.00000000050', decQuantity(1, -9, 'DecimalSI')],
    ['0.5e-9', decQuantity(1, -9, 'DecimalExponent')],
    ['0.9n', decQuantity(1, -9, 'DecimalSI')],
    ['0.00000012345', decQuantity(124, -9, 'DecimalSI')],
    ['0.00000012354', decQuantity(124, -9, 'DecimalSI')],
    ['9Ei', decQuantity(MAX_ALLOWED, 0, 'BinarySI')],
    ['9223372036854775807Ki', decQuantity(MAX_ALLOWED, 0, 'BinarySI')],
    ['12E', decQuantity(12, 18, 'DecimalSI')],
    // We'll accept fractional binary stuff, too.
    ['100.035Ki', decQuantity(10243584, -2, 'BinarySI')],
    ['0.5Mi', decQuantity(0.5 * 1024 * 1024, 0, 'BinarySI')],
    ['0.05Gi', decQuantity(536870912, -1, 'BinarySI')],
    ['0.025Ti', decQuantity(274877906944, -1, 'BinarySI')],
    // Things written by trolls
    ['0.000000000001Ki', decQuantity(2, -9, 'DecimalSI')], // rounds up, changes format
    ['.001', decQuantity(1, -3, 'DecimalSI')],
    ['.0001k', decQuantity(100, -3, 'DecimalSI')],
    ['1.', decQuantity(1, 0, 'DecimalSI')],
    ['1.G', decQuantity(1, 9, 'DecimalSI')],
  ];

  test.each(table)('%s', (input, expected) => {
    const got = parsed(input);
    expect(compareQuantities(got, expected)).toBe(0);
    expect(got.format).toBe(expected.format);
  });
  // "Try the negative version of everything" and "Try everything with an explicit +".
  test.each(table)('-%s and +%s', (input, expected) => {
    const negative = parsed(`-${input}`);
    expect(compareQuantities(negative, { ...expected, mantissa: -expected.mantissa })).toBe(0);
    expect(negative.format).toBe(expected.format);
    const positive = parsed(`+${input}`);
    expect(compareQuantities(positive, expected)).toBe(0);
    expect(positive.format).toBe(expected.format);
  });

  // The empty string, and the table's invalid list ("trailing whitespace is forbidden": ParseQuantity does not trim).
  test.each(['', '1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', ' 1', '1 '])('%j is refused', (input) => {
    expect(parseQuantityExact(input)).toBeUndefined();
  });
});

describe('what parseQuantityString makes of a number without digits (TestParseQuantityString)', () => {
  // ".": num "0", denom "": zero, by the int64 path. "+" and "-" stop in the leading-zero loop with num "0".
  test.each(['.', '-.', '+', '-', 'Ki', 'm'])('%j is zero', (input) => {
    expect(quantityString(parsed(input))).toBe('0');
  });
  // The inf.Dec path needs a digit (inf.Dec.SetString: "no digits read"): Pi and Ei skip the int64 path.
  test.each(['Pi', 'Ei', '.e-10'])('%j is refused', (input) => {
    expect(parseQuantityExact(input)).toBeUndefined();
  });
});

describe('Quantity.String (TestQuantityString)', () => {
  const table: [Quantity, string, string][] = [
    [decQuantity(1024 * 1024 * 1024, 0, 'BinarySI'), '1Gi', '1024Mi'],
    [decQuantity(300 * 1024 * 1024, 0, 'BinarySI'), '300Mi', '307200Ki'],
    [decQuantity(6 * 1024, 0, 'BinarySI'), '6Ki', ''],
    [decQuantity(1001 * 1024 * 1024 * 1024, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
    [decQuantity(1024n ** 4n, 0, 'BinarySI'), '1Ti', '1024Gi'],
    [decQuantity(5, 0, 'BinarySI'), '5', '5000m'],
    [decQuantity(500, -3, 'BinarySI'), '500m', '0.5'],
    [decQuantity(1, 9, 'DecimalSI'), '1G', '1000M'],
    [decQuantity(1000, 6, 'DecimalSI'), '1G', '0.001T'],
    [decQuantity(1000000, 3, 'DecimalSI'), '1G', ''],
    [decQuantity(1000000000, 0, 'DecimalSI'), '1G', ''],
    [decQuantity(1, -3, 'DecimalSI'), '1m', '1000u'],
    [decQuantity(80, -3, 'DecimalSI'), '80m', ''],
    [decQuantity(1080, -3, 'DecimalSI'), '1080m', '1.08'],
    [decQuantity(108, -2, 'DecimalSI'), '1080m', '1080000000n'],
    [decQuantity(10800, -4, 'DecimalSI'), '1080m', ''],
    [decQuantity(300, 6, 'DecimalSI'), '300M', ''],
    [decQuantity(1, 12, 'DecimalSI'), '1T', ''],
    [decQuantity(1234567, 6, 'DecimalSI'), '1234567M', ''],
    [decQuantity(1234567, -3, 'BinarySI'), '1234567m', ''],
    [decQuantity(3, 3, 'DecimalSI'), '3k', ''],
    [decQuantity(1025, 0, 'BinarySI'), '1025', ''],
    [decQuantity(0, 0, 'DecimalSI'), '0', ''],
    [decQuantity(0, 0, 'BinarySI'), '0', ''],
    [decQuantity(1, 9, 'DecimalExponent'), '1e9', '.001e12'],
    [decQuantity(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
    [decQuantity(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'],
    [decQuantity(80, -3, 'DecimalExponent'), '80e-3', ''],
    [decQuantity(300, 6, 'DecimalExponent'), '300e6', ''],
    [decQuantity(1, 12, 'DecimalExponent'), '1e12', ''],
    [decQuantity(1, 3, 'DecimalExponent'), '1e3', ''],
    [decQuantity(3, 3, 'DecimalExponent'), '3e3', ''],
    [decQuantity(3, 3, 'DecimalSI'), '3k', ''],
    [decQuantity(0, 0, 'DecimalExponent'), '0', '00'],
    [decQuantity(1, -9, 'DecimalSI'), '1n', ''],
    [decQuantity(80, -9, 'DecimalSI'), '80n', ''],
    [decQuantity(1080, -9, 'DecimalSI'), '1080n', ''],
    [decQuantity(108, -8, 'DecimalSI'), '1080n', ''],
    [decQuantity(10800, -10, 'DecimalSI'), '1080n', ''],
    [decQuantity(1, -6, 'DecimalSI'), '1u', ''],
    [decQuantity(80, -6, 'DecimalSI'), '80u', ''],
    [decQuantity(1080, -6, 'DecimalSI'), '1080u', ''],
  ];

  test.each(table)('%o prints %s (alternate %j)', (quantity, expected, alternate) => {
    expect(quantityString(quantity)).toBe(expected);
    // "did not copy canonical string on parse": a canonical input is kept as it is.
    expect(parsed(expected).text).toBe(expected);
    if (alternate !== '') {
      expect(parsed(alternate).text).toBeUndefined();
      expect(quantityString(parsed(alternate))).toBe(expected);
    }
    // "Don't expect it to print "-0" ever".
    if (quantity.mantissa !== 0n) expect(quantityString({ ...quantity, mantissa: -quantity.mantissa })).toBe(`-${expected}`);
  });
});

describe('parse, then String (TestQuantityParseEmit)', () => {
  const table: [string, string][] = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
  ];
  test.each(table)('%s is %s, and negated', (input, expected) => {
    expect(quantityString(parsed(input))).toBe(expected);
    expect(quantityString(parsed(`-${input}`))).toBe(`-${expected}`);
  });
});

describe('the int64 and inf.Dec representations print alike (TestParseQuantity)', () => {
  // [input, canonical]: the canonical string when it differs from the input.
  const table: [string, string?][] = [
    ['-999999999999999999'],
    ['999999999999999999'],
    ['-999999999999999999.0', '-999999999999999999'],
    ['999999999999999999.0', '999999999999999999'],
    ['-999999999999999999.1', '-999999999999999999100m'],
    ['999999999999999999.1', '999999999999999999100m'],
    ['-9999999999999999999'],
    ['9999999999999999999'],
    ['-1E'],
    ['1E'],
    ['-1000000000000000000', '-1E'],
    ['1000000000000000000', '1E'],
    ['-9999999999999999999.0', '-9999999999999999999'],
    ['9999999999999999999.0', '9999999999999999999'],
    ['-1.0E', '-1E'],
    ['1.0E', '1E'],
    ['-1000000000000000000.0', '-1E'],
    ['1000000000000000000.0', '1E'],
    ['-9999999999999999999000m', '-9999999999999999999'],
    ['9999999999999999999000m', '9999999999999999999'],
    ['-9999999999999999999.1', '-9999999999999999999100m'],
    ['9999999999999999999.1', '9999999999999999999100m'],
    ['-1.0000000000000000001E', '-1000000000000000000100m'],
    ['1.0000000000000000001E', '1000000000000000000100m'],
    ['-1000000000000000000.1', '-1000000000000000000100m'],
    ['1000000000000000000.1', '1000000000000000000100m'],
    ['-1.000000000000000001E', '-1000000000000000001'],
    ['1.000000000000000001E', '1000000000000000001'],
    ['-1000000000000000001'],
    ['1000000000000000001'],
    ['-10E'],
    ['10E'],
    ['-10000000000000000000', '-10E'],
    ['10000000000000000000', '10E'],
    ['-10.0E', '-10E'],
    ['10.0E', '10E'],
    ['-10000000000000000000.0', '-10E'],
    ['10000000000000000000.0', '10E'],
    ['-10000000000000000000000m', '-10E'],
    ['10000000000000000000000m', '10E'],
    ['-10.0000000000000000001E', '-10000000000000000000100m'],
    ['10.0000000000000000001E', '10000000000000000000100m'],
    ['-10000000000000000000.1', '-10000000000000000000100m'],
    ['10000000000000000000.1', '10000000000000000000100m'],
    ['-10.000000000000000001E', '-10000000000000000001'],
    ['10.000000000000000001E', '10000000000000000001'],
    ['-10000000000000000001'],
    ['10000000000000000001'],
    ['-9223372036854775809'],
    ['9223372036854775806'],
    ['-9223372036854775809.0', '-9223372036854775809'],
    ['9223372036854775806.0', '9223372036854775806'],
    ['-9223372036854775809000m', '-9223372036854775809'],
    ['9223372036854775806000m', '9223372036854775806'],
    ['-9223372036854775809.1', '-9223372036854775809100m'],
    ['9223372036854775806.1', '9223372036854775806100m'],
    ['-9223372036854775808'],
    ['9223372036854775807'],
    ['-9223372036854775808.0', '-9223372036854775808'],
    ['9223372036854775807.0', '9223372036854775807'],
    ['-9223372036854775808000m', '-9223372036854775808'],
    ['9223372036854775807000m', '9223372036854775807'],
    ['-9223372036854775808.1', '-9223372036854775808100m'],
    ['9223372036854775807.1', '9223372036854775807100m'],
    ['-9223372036854775807'],
    ['9223372036854775808'],
    ['-9223372036854775807.0', '-9223372036854775807'],
    ['9223372036854775808.0', '9223372036854775808'],
    ['-9223372036854775807000m', '-9223372036854775807'],
    ['9223372036854775808000m', '9223372036854775808'],
    ['-9223372036854775807.1', '-9223372036854775807100m'],
    ['9223372036854775808.1', '9223372036854775808100m'],
  ];
  test.each(table)('%s', (input, canonical) => {
    expect(quantityString(parsed(input))).toBe(canonical ?? input);
  });
});

describe('Quantity.RoundUp (TestQuantityRoundUp)', () => {
  const table: [string, number, Quantity][] = [
    ['9.01', -3, decQuantity(901, -2, 'DecimalSI')],
    ['9.01', -2, decQuantity(901, -2, 'DecimalSI')],
    ['9.01', -1, decQuantity(91, -1, 'DecimalSI')],
    ['9.01', 0, decQuantity(10, 0, 'DecimalSI')],
    ['9.01', 1, decQuantity(10, 0, 'DecimalSI')],
    ['9.01', 2, decQuantity(100, 0, 'DecimalSI')],
    ['-9.01', -3, decQuantity(-901, -2, 'DecimalSI')],
    ['-9.01', -2, decQuantity(-901, -2, 'DecimalSI')],
    ['-9.01', -1, decQuantity(-91, -1, 'DecimalSI')],
    ['-9.01', 0, decQuantity(-10, 0, 'DecimalSI')],
    ['-9.01', 1, decQuantity(-10, 0, 'DecimalSI')],
    ['-9.01', 2, decQuantity(-100, 0, 'DecimalSI')],
  ];
  test.each(table)('%s to 10^%d', (input, scale, expected) => {
    expect(compareQuantities(roundUpQuantity(parsed(input), scale), expected)).toBe(0);
  });
  // RoundUp keeps the int64 form's string when it is already that coarse (SetDefaults_ResourceList rounds to milli).
  test('the kept string survives a round to milli when nothing is finer', () => {
    expect(quantityString(roundUpQuantity(parsed('1.500'), -3))).toBe('1.500');
    expect(quantityString(roundUpQuantity(parsed('1500n'), -3))).toBe('1m');
    expect(quantityString(roundUpQuantity(parsed('-1n'), -3))).toBe('-1m');
  });
});

describe('Quantity.Cmp (TestQuantityCmp)', () => {
  test.each([
    ['0', '0', 0],
    ['100m', '50m', 1],
    ['50m', '100m', -1],
    ['10000T', '100Gi', 1],
  ] as const)('%s against %s', (x, y, expected) => {
    expect(compareQuantities(parsed(x), parsed(y))).toBe(expected);
  });
});

describe('manifest values, as UnmarshalJSON reads them (TestJSONWhitespace)', () => {
  test.each([
    [' 1', '1'],
    ['1 ', '1'],
    [1, '1'],
    [10, '10'],
    [-1, '-1'],
    [' -1', '-1'],
  ] as const)('%j is %s', (raw, expected) => {
    const quantity = readQuantity(raw);
    expect(quantity && quantityString(quantity)).toBe(expected);
  });
  // strings.TrimSpace trims unicode.IsSpace: NEL and NBSP too, not the byte order mark.
  test('Go’s white space, not JavaScript’s', () => {
    expect(readQuantity('\u00851\u00a0')).toBeDefined();
    expect(readQuantity('\ufeff1')).toBeUndefined();
  });
});

describe('parseQuantity: the approximate value the cgroup limits use', () => {
  test.each([
    ['128Mi', 128 * 2 ** 20],
    ['0.5Mi', 524288],
    ['1.5', 1.5],
    ['100m', 0.1],
    ['1e3', 1000],
    [' 2 ', 2],
  ] as const)('%j is %d', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });
});
