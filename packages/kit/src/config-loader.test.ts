import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  choiceSetting,
  intSetting,
  loadConfig,
  optionalStringSetting,
  portSetting,
  stringSetting,
} from './config-loader.js';

const dir = mkdtempSync(join(tmpdir(), 'ferrum-config-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const schema = {
  port: { env: 'T_PORT', description: 'Port.', default: 5240, parse: portSetting },
  name: { env: 'T_NAME', description: 'Name.', default: () => 'region', parse: stringSetting },
  level: {
    env: 'T_LEVEL',
    description: 'Level.',
    default: 'info',
    parse: choiceSetting(['info', 'debug'] as const),
  },
  pool: { env: 'T_POOL', description: 'Pool size.', default: 20, parse: intSetting(1, 500) },
  password: {
    env: 'T_PASSWORD',
    description: 'Secret.',
    default: undefined,
    secret: true,
    parse: optionalStringSetting,
  },
};

/** The problems of the ConfigError that loading throws. */
function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is set, calling default functions', () => {
    expect(loadConfig(schema, { env: {} })).toEqual({
      port: 5240,
      name: 'region',
      level: 'info',
      pool: 20,
      password: undefined,
    });
  });

  it('returns a frozen object', () => {
    const config = loadConfig(schema, { env: {} });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses values from the environment', () => {
    expect(
      loadConfig(schema, { env: { T_PORT: '8080', T_NAME: ' lab ', T_LEVEL: 'debug', T_POOL: '5' } }),
    ).toMatchObject({
      port: 8080,
      name: 'lab',
      level: 'debug',
      pool: 5,
    });
  });

  it('treats an empty environment variable as unset', () => {
    expect(loadConfig(schema, { env: { T_PORT: '' } }).port).toBe(5240);
  });

  it('reports every problem at once, each naming its source', () => {
    const problems = problemsOf(() =>
      loadConfig(schema, { env: { T_PORT: '70000', T_LEVEL: 'loud', T_POOL: '0' } }),
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^T_PORT: expected a port number 0-65535, got "70000"$/);
    expect(problems[1]).toMatch(/^T_LEVEL: expected one of info, debug, got "loud"$/);
    expect(problems[2]).toMatch(/^T_POOL: expected a whole number 1-500, got "0"$/);
    expect(() => loadConfig(schema, { env: { T_PORT: 'x' } })).toThrow(
      /Invalid configuration:\n {2}- T_PORT/,
    );
  });

  it('reads values from a JSON file', () => {
    const path = file('values.json', JSON.stringify({ port: 9000, name: 'from-file' }));
    expect(loadConfig(schema, { env: {}, file: path })).toMatchObject({ port: 9000, name: 'from-file' });
  });

  it('lets the environment win over the file', () => {
    const path = file('both.json', JSON.stringify({ port: 9000, name: 'from-file' }));
    expect(loadConfig(schema, { env: { T_PORT: '9001' }, file: path })).toMatchObject({
      port: 9001,
      name: 'from-file',
    });
  });

  it('reports unknown keys in the file together with bad values', () => {
    const path = file('unknown.json', JSON.stringify({ prot: 1, pool: 'many' }));
    const problems = problemsOf(() => loadConfig(schema, { env: {}, file: path }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/unknown setting "prot" \(known: port, name, level, pool, password\)/);
    expect(problems[1]).toMatch(/unknown\.json: pool: expected a whole number 1-500, got "many"/);
  });

  it('reports a file that is not JSON, or not a JSON object, and still checks the environment', () => {
    const broken = file('broken.json', '{ port: ');
    const brokenProblems = problemsOf(() => loadConfig(schema, { env: { T_LEVEL: 'loud' }, file: broken }));
    expect(brokenProblems).toHaveLength(2);
    expect(brokenProblems[0]).toMatch(/broken\.json: .*JSON/);
    expect(brokenProblems[1]).toMatch(/T_LEVEL/);
    const list = file('list.json', '[1, 2]');
    expect(problemsOf(() => loadConfig(schema, { env: {}, file: list }))).toEqual([
      `${list}: must contain a JSON object`,
    ]);
  });

  it('reports a missing file', () => {
    expect(problemsOf(() => loadConfig(schema, { env: {}, file: join(dir, 'absent.json') }))[0]).toMatch(
      /absent\.json: .*ENOENT/,
    );
  });

  it('reads a secret from the file named by <ENV>_FILE, without its trailing newline', () => {
    const path = file('password', 's3cret\n');
    expect(loadConfig(schema, { env: { T_PASSWORD_FILE: path } }).password).toBe('s3cret');
  });

  it('prefers the variable itself over <ENV>_FILE, and <ENV>_FILE over the JSON file', () => {
    const secret = file('password2', 'from-secret-file');
    const json = file('secret.json', JSON.stringify({ password: 'from-json' }));
    expect(
      loadConfig(schema, { env: { T_PASSWORD: 'direct', T_PASSWORD_FILE: secret }, file: json }).password,
    ).toBe('direct');
    expect(loadConfig(schema, { env: { T_PASSWORD_FILE: secret }, file: json }).password).toBe(
      'from-secret-file',
    );
  });

  it('reports an unreadable <ENV>_FILE naming the variable and the path', () => {
    const missing = join(dir, 'no-such-secret');
    expect(problemsOf(() => loadConfig(schema, { env: { T_PASSWORD_FILE: missing } }))).toEqual([
      expect.stringMatching(new RegExp(`^T_PASSWORD_FILE: cannot read ${missing}: .*ENOENT`)) as string,
    ]);
  });

  it('never repeats a secret value in a problem message', () => {
    const strict = {
      token: {
        env: 'T_TOKEN',
        description: 'Token.',
        default: 'x',
        secret: true,
        parse: choiceSetting(['a', 'b'] as const),
      },
    };
    const problems = problemsOf(() => loadConfig(strict, { env: { T_TOKEN: 'hunter2-very-secret' } }));
    expect(problems).toEqual(['T_TOKEN: expected one of a, b, got [redacted]']);
  });
});

describe('setting parsers', () => {
  it('take numbers from JSON and strings from the environment', () => {
    expect(portSetting(80)).toEqual({ ok: true, value: 80 });
    expect(portSetting(' 80 ')).toEqual({ ok: true, value: 80 });
    expect(portSetting(80.5).ok).toBe(false);
    expect(intSetting(-5, 5)('-5')).toEqual({ ok: true, value: -5 });
    expect(intSetting(-5, 5)(6).ok).toBe(false);
  });

  it('reject empty and non-string values where a string is needed', () => {
    expect(stringSetting('  ').ok).toBe(false);
    expect(stringSetting(5).ok).toBe(false);
    expect(optionalStringSetting(null)).toEqual({ ok: true, value: undefined });
    expect(optionalStringSetting('x')).toEqual({ ok: true, value: 'x' });
  });
});
