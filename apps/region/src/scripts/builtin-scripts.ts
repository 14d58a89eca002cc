import { builtinCommissioningScripts } from './builtin-commissioning-scripts.js';
import { builtinReleaseScripts } from './builtin-release-scripts.js';
import { builtinTestingScripts } from './builtin-testing-scripts.js';

/** Every built-in script's text (MAAS's BUILTIN_SCRIPTS), its settings in its embedded metadata. */
export const builtinScriptTexts: readonly string[] = [
  ...builtinCommissioningScripts,
  ...builtinTestingScripts,
  ...builtinReleaseScripts,
];
