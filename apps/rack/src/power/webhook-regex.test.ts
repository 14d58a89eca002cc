import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { compileWebhookRegex } from './webhook-regex.js';

describe(compileWebhookRegex, () => {
  const matches = (source: string, text: string): boolean =>
    compileWebhookRegex('power_on_regex', source).test(text);

  it('reads MAAS’s default patterns, with their Python escape \\:', () => {
    expect(matches(String.raw`status.*\:.*running`, '{"status": "running"}')).toBe(true);
    expect(matches(String.raw`status.*\:.*stopped`, '{"status": "running"}')).toBe(false);
  });

  it('searches anywhere in the text, as re.search does', () => {
    expect(matches('on', 'power is on now')).toBe(true);
  });

  it.each([
    [String.raw`(?i)POWER: ON`, 'power: on', true],
    [String.raw`(?s)a.b`, 'a\nb', true],
    [String.raw`a.b`, 'a\nb', false],
    [String.raw`(?m)^on$`, 'state\non\n', true],
    [String.raw`(?P<state>on|off) (?P=state)`, 'on on', true],
    [String.raw`(?P<state>on|off) (?P=state)`, 'on off', false],
    [String.raw`\Aon`, 'on', true],
    [String.raw`\Aon`, 'x on', false],
    [String.raw`on\Z`, 'is on', true],
    [String.raw`[\Z]`, 'Z', true],
    [String.raw`[]x]`, ']', true],
  ])('translates %s (against %j: %s)', (source, text, expected) => {
    expect(matches(source, text)).toBe(expected);
  });

  it('reports a pattern that does not compile, naming the parameter', () => {
    let error: unknown;
    try {
      compileWebhookRegex('power_off_regex', 'state: (on');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'power_settings_invalid',
      details: {
        fields: { power_parameters_power_off_regex: [expect.stringContaining('Unterminated group')] },
      },
    });
    expect((error as Error).message).toMatch(
      /^power_off_regex is not a usable regular expression: \/state: \(on\/: Unterminated group$/,
    );
  });

  it('refuses a Python flag it cannot honour', () => {
    expect(() => compileWebhookRegex('power_on_regex', '(?x) on # verbose')).toThrow(
      'the inline flag (?x) has no equivalent',
    );
  });
});
