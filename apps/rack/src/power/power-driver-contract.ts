// The contract every power driver passes: its own test file calls runPowerDriverContract.
// It lives beside the drivers (not in test/) so that a driver's unit test can import it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPowerParameters,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
} from '@ferrum/protocol';

/** A driver under test, with parameters that reach a real (or simulated) machine. */
export interface PowerDriverFixture {
  readonly driver: PowerDriver;
  readonly parameters: PowerParameters;
  /** Stops whatever the fixture started (a BMC simulator, say). */
  close?(): Promise<void>;
}

const powerStates: readonly PowerState[] = ['on', 'off', 'unknown', 'error'];
const identifier = /^[a-z][a-z0-9_]*$/;
// Names that hold credentials in MAAS's drivers: power_pass, power_password, power_token_secret…
const secretLooking = /(^|_)(pass|password|passphrase|secret|token)(_|$)/;

export function runPowerDriverContract(
  name: string,
  makeDriver: () => PowerDriverFixture | Promise<PowerDriverFixture>,
): void {
  describe(`${name} (power driver contract)`, () => {
    let fixture: PowerDriverFixture | undefined;
    const current = (): PowerDriverFixture => {
      if (!fixture) throw new Error('the power driver fixture is used before beforeAll made it');
      return fixture;
    };
    beforeAll(async () => {
      fixture = await makeDriver();
    });
    afterAll(async () => {
      await fixture?.close?.();
    });

    it('names itself as a MAAS power type and describes itself', () => {
      const { driver } = current();
      expect(driver.name).toMatch(identifier);
      expect(driver.description.trim()).not.toBe('');
    });

    it('declares well-formed settings with unique names', () => {
      const { settings } = current().driver;
      const names = settings.map((s) => s.name);
      expect(new Set(names).size).toBe(names.length);
      for (const setting of settings) {
        expect(setting.name, 'setting name').toMatch(identifier);
        expect(setting.label.trim(), `label of ${setting.name}`).not.toBe('');
        expect(typeof setting.required, `required of ${setting.name}`).toBe('boolean');
        expect(typeof setting.secret, `secret of ${setting.name}`).toBe('boolean');
        if (setting.default !== undefined) expect(typeof setting.default).toBe('string');
        if (setting.kind === 'choice') {
          expect(setting.choices.length, `choices of ${setting.name}`).toBeGreaterThan(0);
          const values = setting.choices.map((c) => c.value);
          expect(new Set(values).size, `choice values of ${setting.name}`).toBe(values.length);
          for (const choice of setting.choices) expect(choice.label.trim()).not.toBe('');
          if (setting.default !== undefined && setting.default !== '')
            expect(values, `default of ${setting.name}`).toContain(setting.default);
        }
      }
    });

    it('marks every password and credential setting secret', () => {
      for (const setting of current().driver.settings) {
        if (setting.kind === 'password' || secretLooking.test(setting.name))
          expect(setting.secret, `${setting.name} must be secret`).toBe(true);
      }
    });

    it('lists the programs it needs by bare name', () => {
      const tools = current().driver.requiredTools;
      expect(new Set(tools).size).toBe(tools.length);
      for (const tool of tools) expect(tool).toMatch(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/);
    });

    it('accepts its fixture parameters unchanged', () => {
      const { driver, parameters } = current();
      expect(checkPowerParameters(driver, parameters)).toEqual({
        ok: true,
        value: Object.fromEntries(
          driver.settings.map((s) => [s.name, parameters[s.name] ?? s.default ?? '']),
        ),
      });
    });

    it('answers a query with a valid power state', async () => {
      const { driver, parameters } = current();
      const state = await driver.query(parameters, { signal: new AbortController().signal });
      expect(powerStates).toContain(state);
    });

    it('powers on and off', async () => {
      const { driver, parameters } = current();
      const signal = new AbortController().signal;
      await expect(driver.on(parameters, { signal })).resolves.toBeUndefined();
      await expect(driver.off(parameters, { signal })).resolves.toBeUndefined();
    });

    for (const action of ['on', 'off', 'query'] as const) {
      it(`rejects ${action} when its signal is already aborted`, async () => {
        const { driver, parameters } = current();
        const controller = new AbortController();
        const reason = new Error('caller gave up');
        controller.abort(reason);
        let pending: Promise<unknown>;
        try {
          pending = driver[action](parameters, { signal: controller.signal });
        } catch (thrown) {
          // Callers chain on the promise; a synchronous throw escapes their .catch().
          expect.fail(`${action} threw at the call instead of rejecting: ${String(thrown)}`);
        }
        const error = await pending.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `${action} resolved despite the aborted signal`).toBeDefined();
        // The abort reason itself, or Node's AbortError wrapping it (what execFile rejects with).
        const abortError = error as { name?: unknown; cause?: unknown };
        expect(error === reason || (abortError.name === 'AbortError' && abortError.cause === reason)).toBe(
          true,
        );
      });
    }
  });
}
