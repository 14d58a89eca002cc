import { AppError } from '@ferrum/domain';
import {
  checkPowerParameters,
  powerTypeDeclarations,
  type PowerParameters,
  type PowerTypeDeclaration,
} from '@ferrum/protocol';

/**
 * The power types the region knows (their declarations; the racks run the drivers), and the one
 * place power parameters are checked: every API that sets them goes through `validateParameters`.
 */
export class PowerTypeRegistry {
  readonly #types = new Map<string, PowerTypeDeclaration>();

  constructor(declarations: readonly PowerTypeDeclaration[] = powerTypeDeclarations) {
    for (const declaration of declarations) {
      if (this.#types.has(declaration.name))
        throw new AppError('conflict', `A power type named '${declaration.name}' is already declared.`);
      this.#types.set(declaration.name, declaration);
    }
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  /** The declaration of a power type; `not_found` when there is none. */
  get(name: string): PowerTypeDeclaration {
    const declaration = this.#types.get(name);
    if (!declaration) throw new AppError('not_found', `No power type '${name}'.`, { powerType: name });
    return declaration;
  }

  /** Every power type, sorted by name. */
  list(): readonly PowerTypeDeclaration[] {
    return [...this.#types.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Checks parameters for a power type and returns them normalised (defaults filled in, nothing
   * unknown); every problem at once under its `power_parameters_<name>` field, an unknown power
   * type under `power_type`.
   */
  validateParameters(type: string, params: Readonly<Record<string, unknown>>): PowerParameters {
    const declaration = this.#types.get(type);
    if (!declaration)
      throw AppError.invalid({
        power_type: `Select a valid choice. ${JSON.stringify(type)} is not one of the available choices: ${this.list()
          .map((d) => d.name)
          .join(', ')}.`,
      });
    const checked = checkPowerParameters(declaration, params);
    if (!checked.ok) throw AppError.invalid({ ...checked.errors });
    return checked.value;
  }

  /** Splits parameters into those stored in clear and the secrets, by the declaration's flags. */
  splitSecrets(
    type: string,
    params: Readonly<Record<string, string>>,
  ): { plain: Record<string, string>; secrets: Record<string, string> } {
    const declaration = this.#types.get(type);
    const secret = new Set(
      declaration?.settings.filter((s) => s.secret || s.kind === 'password').map((s) => s.name) ?? [],
    );
    const plain: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) (secret.has(key) ? secrets : plain)[key] = value;
    return { plain, secrets };
  }
}
