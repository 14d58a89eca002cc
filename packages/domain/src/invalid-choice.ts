/**
 * MAAS's message for a value that is not one of the choices (compose_invalid_choice_text),
 * two spaces after the first full stop as MAAS writes it.
 */
export function invalidChoice(value: string, what: string, choices: readonly string[]): string {
  return `'${value}' is not a valid ${what}.  It should be one of: ${choices.map((c) => `'${c}'`).join(', ')}.`;
}
