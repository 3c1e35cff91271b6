/** kubectl's sources for `create secret generic` and `create configmap`: literal and file sources, env files, key rules. */
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseEnvFile, parseFileSource, parseLiteralSource, readSources, SourceEntries } from '../../src/cli/config-sources.js';
import { dockerConfigJson } from '../../src/cli/commands/create-config-objects.js';

const KEY_RULE = `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`;
const text = (entries: SourceEntries) => Object.fromEntries([...entries.values].map(([key, value]) => [key, Buffer.from(value).toString('utf8')]));

describe('ParseLiteralSource and ParseFileSource', () => {
  test('a literal splits at its first =; none, or a leading one, is refused', () => {
    expect(parseLiteralSource('k=v=w')).toEqual(['k', 'v=w']);
    expect(parseLiteralSource('k=')).toEqual(['k', '']);
    expect(() => parseLiteralSource('=v')).toThrow('invalid literal source =v, expected key=value');
    expect(() => parseLiteralSource('k')).toThrow('invalid literal source k, expected key=value');
  });

  test('a file is keyed by its base name, or by the key before =', () => {
    expect(parseFileSource('dir/sub/app.conf')).toEqual(['app.conf', 'dir/sub/app.conf']);
    expect(parseFileSource('key=dir/app.conf')).toEqual(['key', 'dir/app.conf']);
    expect(() => parseFileSource('=dir/app.conf')).toThrow('key name for file path dir/app.conf missing');
    expect(() => parseFileSource('key=')).toThrow('file path for key name key missing');
    expect(() => parseFileSource('a=b=c')).toThrow(`key names or file paths cannot contain '='`);
  });
});

describe('env files', () => {
  test('comments, blank lines, leading space, CRLF, a BOM, a bare KEY from the environment (empty when unset)', () => {
    const file = '\uFEFF# comment\r\n\n   INDENTED=yes\r\nA=1=2\nTRAILING=space \nFROM_ENV\nUNSET\n  # indented comment\n';
    expect(parseEnvFile(file, 'x.env', { FROM_ENV: 'env value' })).toEqual([
      ['INDENTED', 'yes'],
      ['A', '1=2'],
      ['TRAILING', 'space '],
      ['FROM_ENV', 'env value'],
      ['UNSET', ''],
    ]);
  });

  test('a key that is no environment variable name is refused', () => {
    expect(() => parseEnvFile('1ABC=x\n', 'x.env', {})).toThrow(
      `"1ABC" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
    );
    expect(() => parseEnvFile('KEY =x\n', 'x.env', {})).toThrow('"KEY " is not a valid key name');
  });
});

describe('keys as kubectl adds them', () => {
  test("a Secret's and a ConfigMap's wording for a bad key and a repeated one", () => {
    const secret = new SourceEntries('Secret', 's');
    secret.add('a', Buffer.from('1'));
    expect(() => secret.add('a', Buffer.from('2'))).toThrow('cannot add key a, another key by that name already exists');
    expect(() => secret.add('bad key', Buffer.from('2'))).toThrow(`"bad key" is not valid key name for a Secret ${KEY_RULE}`);
    const configMap = new SourceEntries('ConfigMap', 'cm');
    configMap.add('text', Buffer.from('1'));
    configMap.add('bin', Buffer.from([0xff]));
    expect(() => configMap.add('text', Buffer.from('2'))).toThrow('cannot add key "text", another key by that name already exists in Data for ConfigMap "cm"');
    expect(() => configMap.add('bin', Buffer.from('2'))).toThrow('cannot add key "bin", another key by that name already exists in BinaryData for ConfigMap "cm"');
    expect(() => configMap.add('..x', Buffer.from('2'))).toThrow(`"..x" is not a valid key name for a ConfigMap: must not start with '..'`);
  });

  test('a folder gives each regular file by name (no subfolders, no symlinks); a key for a folder is refused; an invalid file name is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kjob-sources-'));
    await mkdir(join(dir, 'conf', 'sub'), { recursive: true });
    await writeFile(join(dir, 'conf', 'b.txt'), 'B');
    await writeFile(join(dir, 'conf', 'a.txt'), 'A');
    await writeFile(join(dir, 'conf', 'sub', 'c.txt'), 'C');
    await symlink(join(dir, 'conf', 'a.txt'), join(dir, 'conf', 'link.txt'));
    const entries = await readSources('ConfigMap', 'cm', { fromLiteral: ['lit=1'], fromFile: [join(dir, 'conf')], fromEnvFile: [] });
    expect(text(entries)).toEqual({ lit: '1', 'a.txt': 'A', 'b.txt': 'B' });
    expect([...entries.values.keys()]).toEqual(['lit', 'a.txt', 'b.txt']);
    await expect(readSources('Secret', 's', { fromLiteral: [], fromFile: [`k=${join(dir, 'conf')}`], fromEnvFile: [] })).rejects.toThrow('cannot give a key name for a directory path');
    await writeFile(join(dir, 'bad name'), 'x');
    await expect(readSources('Secret', 's', { fromLiteral: [], fromFile: [join(dir, 'bad name')], fromEnvFile: [] })).rejects.toThrow('"bad name" is not valid key name for a Secret');
    await expect(readSources('Secret', 's', { fromLiteral: [], fromFile: [], fromEnvFile: [join(dir, 'conf')] })).rejects.toThrow('env secret file cannot be a directory');
  });
});

describe('docker-registry', () => {
  test("kubectl's layout: auths, the entry's fields in order, auth base64(user:password), HTML characters escaped as Go does", () => {
    expect(JSON.parse(dockerConfigJson('r.example', 'u', 'p<&>'))).toEqual({ auths: { 'r.example': { username: 'u', password: 'p<&>', auth: Buffer.from('u:p<&>').toString('base64') } } });
    expect(dockerConfigJson('r.example', 'u', 'p<', 'e@x')).toBe(`{"auths":{"r.example":{"username":"u","password":"p\\u003c","email":"e@x","auth":"${Buffer.from('u:p<').toString('base64')}"}}}`);
  });
});
