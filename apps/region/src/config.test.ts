import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ferrum/kit';
import { loadRegionConfig } from './config.js';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadRegionConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe(loadRegionConfig, () => {
  it('polls power every 300 s unless told otherwise, and 0 turns polling off', () => {
    expect(loadRegionConfig({}).powerPollInterval).toBe(300);
    expect(loadRegionConfig({ FERRUM_POWER_POLL_INTERVAL: '0' }).powerPollInterval).toBe(0);
    expect(loadRegionConfig({ FERRUM_POWER_POLL_INTERVAL: '60' }).powerPollInterval).toBe(60);
  });

  it.each([
    ['5', /at least 10 seconds/],
    ['ten', /whole number/],
    ['-1', /whole number/],
    ['100000', /whole number/],
  ])('refuses a power poll interval of %s, naming the variable', (value, message) => {
    const problems = problemsOf({ FERRUM_POWER_POLL_INTERVAL: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/FERRUM_POWER_POLL_INTERVAL/);
    expect(problems[0]).toMatch(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      FERRUM_POWER_POLL_INTERVAL: '5',
      FERRUM_HTTP_PORT: 'x',
      FERRUM_DB_POOL_SIZE: '0',
    });
    expect(problems).toHaveLength(3);
  });
});
