// The contract every power driver passes: its own test file calls runPowerDriverContract.
// It lives beside the drivers (not in test/) so that a driver's unit test can import it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import {
  checkPowerParameters,
  type PowerContext,
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
  /**
   * The machine's power as the peer itself holds it (the simulator's chassis, not the
   * driver's query), so the contract sees that on and off really switched it.
   */
  readonly peerState?: () => Promise<'on' | 'off'>;
  /**
   * Parameters the peer refuses (a wrong password or token): the contract expects
   * power_auth_failed, with no secret value of either set of parameters in the message.
   */
  readonly wrongCredentials?: PowerParameters;
  /** How long the peer may take to report a new state (default 5 s). */
  readonly settleMs?: number;
  /**
   * The driver can only switch machines on (Wake-on-LAN): the contract expects off to reject
   * with power_settings_invalid, and checks everything else without switching off.
   */
  readonly onOnly?: boolean;
}

const powerStates: readonly PowerState[] = ['on', 'off', 'unknown', 'error'];

const live = (): PowerContext => ({ signal: new AbortController().signal, systemId: 'contract' });

/** Queries until the driver reports `expected` or `ms` pass; answers the last state read. */
async function queryUntil(
  driver: PowerDriver,
  parameters: PowerParameters,
  expected: PowerState,
  ms: number,
): Promise<PowerState> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = await driver.query(parameters, live());
    if (state === expected || Date.now() >= deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The parameters as the runner hands them to a driver: checked, with the defaults filled in. */
function asRun(driver: PowerDriver, parameters: PowerParameters): PowerParameters {
  const checked = checkPowerParameters(driver, parameters);
  if (!checked.ok) throw new Error(`fixture parameters refused: ${JSON.stringify(checked.errors)}`);
  return checked.value;
}

/** The secret values of `parameters` (by the driver's declaration), non-empty ones only. */
function secretValues(driver: PowerDriver, parameters: PowerParameters): string[] {
  return driver.settings
    .filter((s) => s.secret || s.kind === 'password')
    .map((s) => parameters[s.name] ?? '')
    .filter((v) => v !== '');
}
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
    /** The fixture with its parameters as the runner passes them (the actions' tests use these). */
    const running = (): PowerDriverFixture => {
      const f = current();
      return { ...f, parameters: asRun(f.driver, f.parameters) };
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
      const { driver, parameters } = running();
      const state = await driver.query(parameters, { signal: new AbortController().signal });
      expect(powerStates).toContain(state);
    });

    it('powers on and off', async () => {
      const { driver, parameters, onOnly } = running();
      const signal = new AbortController().signal;
      await expect(driver.on(parameters, { signal })).resolves.toBeUndefined();
      if (onOnly) {
        const error = await driver.off(parameters, { signal }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, 'off of an on-only driver').toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: 'power_settings_invalid' });
        return;
      }
      await expect(driver.off(parameters, { signal })).resolves.toBeUndefined();
    });

    it('names its BMC address setting among its settings, as a plain string', () => {
      const { driver } = current();
      if (driver.addressSetting === undefined) return;
      const setting = driver.settings.find((s) => s.name === driver.addressSetting);
      expect(setting, `addressSetting ${driver.addressSetting}`).toBeDefined();
      expect(setting?.kind).toBe('string');
      expect(setting?.secret).toBe(false);
    });

    it('reports the state it switched to (queryable), or unknown (not queryable)', async () => {
      const { driver, parameters, peerState, settleMs = 5000, onOnly } = running();
      await driver.on(parameters, live());
      if (!driver.queryable) {
        expect(await driver.query(parameters, live())).toBe('unknown');
      } else {
        expect(await queryUntil(driver, parameters, 'on', settleMs), 'query after on').toBe('on');
      }
      if (peerState) expect(await peerState(), 'the peer after on').toBe('on');
      if (onOnly) return;
      await driver.off(parameters, live());
      if (!driver.queryable) {
        expect(await driver.query(parameters, live())).toBe('unknown');
      } else {
        expect(await queryUntil(driver, parameters, 'off', settleMs), 'query after off').toBe('off');
      }
      if (peerState) expect(await peerState(), 'the peer after off').toBe('off');
    }, 30_000);

    it('leaves a machine on after a cycle, when it can cycle', async () => {
      const { driver, parameters, peerState, settleMs = 5000 } = running();
      if (!driver.cycle) return;
      await driver.on(parameters, live());
      if (driver.queryable) await queryUntil(driver, parameters, 'on', settleMs);
      await expect(driver.cycle(parameters, live())).resolves.toBeUndefined();
      if (driver.queryable)
        expect(await queryUntil(driver, parameters, 'on', settleMs), 'query after cycle').toBe('on');
      if (peerState) expect(await peerState(), 'the peer after cycle').toBe('on');
      await driver.off(parameters, live());
    }, 30_000);

    it('sets a one-time network boot, when it can', async () => {
      const { driver, parameters } = running();
      if (!driver.setNextBootPxe) return;
      await expect(driver.setNextBootPxe(parameters, live())).resolves.toBeUndefined();
    });

    it('reports credentials the peer refuses as power_auth_failed, naming no secret', async () => {
      const { driver, parameters, wrongCredentials } = running();
      if (!wrongCredentials) return;
      const act = driver.queryable ? driver.query.bind(driver) : driver.on.bind(driver);
      const error = await act(asRun(driver, wrongCredentials), live()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, 'the refused credentials were accepted').toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'power_auth_failed' });
      const text = `${(error as AppError).message} ${JSON.stringify((error as AppError).details)}`;
      for (const secret of [...secretValues(driver, parameters), ...secretValues(driver, wrongCredentials)])
        expect(text, 'a secret in the error').not.toContain(secret);
    });

    for (const action of ['on', 'off', 'query'] as const) {
      it(`rejects ${action} when its signal is already aborted`, async () => {
        const { driver, parameters } = running();
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
