import { AppError, configItems, isConfigName } from '@ferrum/domain';
import { currentUser, operation, type HandlerDef } from '../handler.js';

function configName(raw: string): keyof typeof configItems {
  if (!isConfigName(raw)) {
    throw AppError.invalid({ name: `Unknown configuration name '${raw}'. Known names: ${Object.keys(configItems).sort().join(', ')}.` });
  }
  return raw;
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
        async (ctx) => ctx.services.config.get(configName(ctx.form.required('name'))),
      ),
      operation(
        'set_config',
        'POST',
        'admin',
        `Set a config value.\n\n:param name: The name of the config item to be set.\n:type name: String\n\n:param value: The value of the config item to be set.\n:type value: String\n\nAvailable configuration items:\n\n${availableNames}`,
        async (ctx) => {
          const name = configName(ctx.form.required('name'));
          await ctx.services.config.set(name, ctx.form.get('value') ?? '', currentUser(ctx).username);
          return 'OK';
        },
      ),
    ],
  },
];
