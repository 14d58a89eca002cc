import { AppError, configItems, resolveConfigName, type ConfigName } from '@ferrum/domain';
import { currentUser, operation, RawResponse, type HandlerDef } from '../handler.js';

function configName(raw: string): ConfigName {
  const name = resolveConfigName(raw);
  if (name === undefined) {
    throw AppError.invalid({
      name: `Unknown configuration name '${raw}'. Known names: ${Object.keys(configItems).sort().join(', ')}.`,
    });
  }
  return name;
}

const availableNames = Object.entries(configItems)
  .map(([name, item]) => `- ${name}: ${item.description}`)
  .join('\n');

export const maasHandlers: HandlerDef[] = [
  {
    name: 'MaasHandler',
    doc: 'Manage the MAAS server.',
    path: '/maas/',
    actions: [
      operation(
        'get_config',
        'GET',
        'user',
        `Get a config value.\n\n:param name: The name of the config item to be retrieved.\n:type name: String\n\nAvailable configuration items:\n\n${availableNames}`,
        async (ctx) => ctx.services.config.read(configName(ctx.form.required('name')), currentUser(ctx)),
      ),
      operation(
        'set_config',
        'POST',
        'admin',
        `Set a config value.\n\n:param name: The name of the config item to be set.\n:type name: String\n\n:param value: The value of the config item to be set.\n:type value: String\n\nAvailable configuration items:\n\n${availableNames}`,
        async (ctx) => {
          const name = configName(ctx.form.required('name'));
          // Required but may be empty (an empty value clears optional items), as in MAAS.
          const value = ctx.form.get('value');
          if (value === undefined) throw AppError.invalid({ value: 'This field is required.' });
          await ctx.services.config.set(name, value, currentUser(ctx).username);
          // piston's rc.ALL_OK: the text "OK".
          return new RawResponse(200, 'OK');
        },
      ),
    ],
  },
];
