import { AppError } from '@ferrum/domain';
import type { PowerDriver } from '@ferrum/protocol';

/** The power drivers a rack runs, by power type name. */
export class PowerDriverRegistry {
  readonly #byName = new Map<string, PowerDriver>();

  constructor(drivers: readonly PowerDriver[]) {
    for (const driver of drivers) {
      // Two drivers for one type would make the answer depend on the list's order.
      if (this.#byName.has(driver.name))
        throw new Error(`Two power drivers are registered for power type '${driver.name}'.`);
      this.#byName.set(driver.name, driver);
    }
  }

  /** The drivers in the order given (the order `power.describeTypes` lists them). */
  all(): PowerDriver[] {
    return [...this.#byName.values()];
  }

  /** The power types this rack runs, sorted. */
  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  get(name: string): PowerDriver | undefined {
    return this.#byName.get(name);
  }

  /** The driver of `name`, or validation_failed on `power_type` naming the types this rack runs. */
  require(name: string): PowerDriver {
    const driver = this.#byName.get(name);
    if (driver) return driver;
    throw AppError.invalid({
      power_type: `This rack has no '${name}' power driver; it runs: ${this.names().join(', ') || 'none'}.`,
    });
  }
}
