import { AppError } from '@ferrum/domain';
import type { PowerDriver, PowerParameters } from '@ferrum/protocol';

/** The API field a power parameter arrives in (MAAS's form prefix). */
export function powerParameterField(name: string): string {
  return `power_parameters_${name}`;
}

/**
 * The power drivers this region knows, by power type, and the one place their parameters are
 * checked: every API that sets power parameters goes through `validateParameters`.
 */
export class PowerDriverRegistry {
  readonly #drivers = new Map<string, PowerDriver>();

  constructor(drivers: readonly PowerDriver[] = []) {
    for (const driver of drivers) this.register(driver);
  }

  register(driver: PowerDriver): void {
    if (this.#drivers.has(driver.name))
      throw new AppError('conflict', `A power driver named '${driver.name}' is already registered.`);
    this.#drivers.set(driver.name, driver);
  }

  has(name: string): boolean {
    return this.#drivers.has(name);
  }

  /** The driver for a power type; `not_found` when there is none. */
  get(name: string): PowerDriver {
    const driver = this.#drivers.get(name);
    if (!driver)
      throw new AppError('not_found', `No power driver for power type '${name}'.`, { powerType: name });
    return driver;
  }

  /** Every driver, sorted by name (the order `describe_power_types` lists them in). */
  list(): readonly PowerDriver[] {
    return [...this.#drivers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Checks parameters for a power type and returns them normalised: every setting present
   * (defaults filled in), nothing else. Unknown names, non-string values, missing required
   * values and values outside a choice list are all reported at once, each under its
   * `power_parameters_<name>` field; an unknown power type under `power_type`.
   */
  validateParameters(type: string, params: Readonly<Record<string, unknown>>): PowerParameters {
    const driver = this.#drivers.get(type);
    if (!driver)
      throw AppError.invalid({
        power_type: `Select a valid choice. ${JSON.stringify(type)} is not one of the available choices: ${this.list()
          .map((d) => d.name)
          .join(', ')}.`,
      });
    const errors: Record<string, string> = {};
    const known = new Set(driver.settings.map((s) => s.name));
    for (const name of Object.keys(params))
      if (!known.has(name)) errors[powerParameterField(name)] = `Unknown parameter for power type '${type}'.`;
    const result: Record<string, string> = {};
    for (const setting of driver.settings) {
      const raw = Object.hasOwn(params, setting.name) ? params[setting.name] : undefined;
      if (raw !== undefined && typeof raw !== 'string') {
        errors[powerParameterField(setting.name)] = 'Expected a string.';
        continue;
      }
      const value = raw === undefined || raw === '' ? (setting.default ?? '') : raw;
      if (setting.required && value === '') {
        errors[powerParameterField(setting.name)] = 'This field is required.';
        continue;
      }
      if (setting.kind === 'choice' && value !== '' && !setting.choices.some((c) => c.value === value)) {
        errors[powerParameterField(setting.name)] =
          `Select a valid choice. ${JSON.stringify(value)} is not one of the available choices: ${setting.choices
            .map((c) => c.value)
            .join(', ')}.`;
        continue;
      }
      result[setting.name] = value;
    }
    if (Object.keys(errors).length > 0) throw AppError.invalid(errors);
    return result;
  }
}
