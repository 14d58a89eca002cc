import { AppError, readHardwareType, readScriptType, splitScriptList } from '@ferrum/domain';
import { crud, operation, RawResponse, type ActionContext, type HandlerDef } from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderScript } from '../render-script.js';
import type { ScriptInput } from '../../../services/script-service.js';

/** The settings fields of MAAS's ScriptForm, by their form names. */
const settingKeys = [
  'name',
  'title',
  'description',
  'type',
  'hardware_type',
  'parallel',
  'timeout',
  'destructive',
  'may_reboot',
  'recommission',
  'packages',
  'parameters',
  'results',
  'apply_configured_networking',
] as const;

const scriptDoc =
  ':param name: The name of the script. Required for a script without embedded metadata.\n:type name: String\n\n' +
  ':param title: The title of the script.\n:type title: String\n\n' +
  ':param description: A description of what the script does.\n:type description: String\n\n' +
  ':param tags: A comma separated list of tags for this script.\n:type tags: String\n\n' +
  ':param type: The script_type defines when the script should be used: testing, commissioning or release.\n:type type: String\n\n' +
  ':param hardware_type: The hardware_type defines what type of hardware the script is associated with: node, cpu, memory, storage, network or gpu.\n:type hardware_type: String\n\n' +
  ':param parallel: Whether the script may run in parallel with other scripts: disabled, instance or any.\n:type parallel: String\n\n' +
  ':param timeout: How long the script is allowed to run before failing (seconds or HH:MM:SS). 0 gives unlimited time.\n:type timeout: Int\n\n' +
  ':param destructive: Whether or not the script overwrites data on any drive.\n:type destructive: Boolean\n\n' +
  ':param script: The content of the script to be uploaded in binary form. Embedded YAML metadata sets its fields; the fields given here override them.\n:type script: String\n\n' +
  ':param comment: A comment about what this change does.\n:type comment: String\n\n' +
  ':param for_hardware: A list of modalias, PCI IDs and/or USB IDs the script will automatically run on.\n:type for_hardware: String\n\n' +
  ':param may_reboot: Whether or not the script may reboot the system while running.\n:type may_reboot: Boolean\n\n' +
  ':param recommission: Whether built-in commissioning scripts should be rerun after successfully running this script.\n:type recommission: Boolean\n\n' +
  ':param apply_configured_networking: Whether to apply the provided network configuration before the script runs.\n:type apply_configured_networking: Boolean';

const nameDoc = ':param name: The name (or id) of the script.\n:type name: String';

/** The script's text: an uploaded `script` file, or `script`/`data` as a form value. */
function scriptText(form: FormParams): string | undefined {
  const file = form.files.find((f) => f.field === 'script' || f.field === 'data');
  return file ? file.data.toString('utf8') : (form.get('script') ?? form.get('data'));
}

function scriptInput(form: FormParams): ScriptInput {
  const values: Record<string, unknown> = {};
  for (const key of settingKeys) if (form.has(key)) values[key] = form.get(key);
  // The scripts JSON calls it script_type; the form MAAS reads calls it type.
  if (!form.has('type') && form.has('script_type')) values['type'] = form.get('script_type');
  for (const key of ['tags', 'for_hardware'])
    if (form.has(key)) values[key] = splitScriptList(form.getAll(key)).join(',');
  const data = scriptText(form);
  if (data?.includes('\0')) throw AppError.invalid({ script: 'Null characters are not allowed.' });
  return { values, data, comment: form.get('comment') };
}

const scriptName = (ctx: ActionContext) => ctx.params['name'] ?? '';

function intParam(form: FormParams, key: string, allowNegative = false): number | undefined {
  const raw = form.get(key);
  if (raw === undefined || raw === '') return undefined;
  if (!(allowNegative ? /^-?\d{1,9}$/ : /^\d{1,9}$/).test(raw.trim()))
    throw AppError.invalid({ [key]: `'${raw}' is not a whole number.` });
  return Number(raw.trim());
}

export const scriptsHandlers: HandlerDef[] = [
  {
    name: 'NodeScriptsHandler',
    doc: 'Manage custom scripts.',
    path: '/scripts/',
    actions: [
      crud(
        'read',
        'user',
        'Return a list of stored scripts.\n\n:param type: Only return scripts with the given type: testing, commissioning or release.\n:type type: String\n\n:param hardware_type: Only return scripts for the given hardware type.\n:type hardware_type: String\n\n:param include_script: Include the base64 encoded script content.\n:type include_script: Boolean\n\n:param filters: A comma separated list to show only results with a script name or tag.\n:type filters: String',
        async (ctx) => {
          const type = ctx.form.get('type');
          const hardware = ctx.form.get('hardware_type');
          const readType = type === undefined || type === '' ? undefined : readScriptType(type);
          if (readType && !readType.ok) throw AppError.invalid({ type: readType.error });
          const readHardware =
            hardware === undefined || hardware === '' ? undefined : readHardwareType(hardware);
          if (readHardware && !readHardware.ok) throw AppError.invalid({ hardware_type: readHardware.error });
          const views = await ctx.services.scripts.list({
            type: readType?.ok === true ? readType.value : undefined,
            hardwareType: readHardware?.ok === true ? readHardware.value : undefined,
            filters: splitScriptList(ctx.form.getAll('filters')),
          });
          const includeScript = ctx.form.bool('include_script', false);
          return views.map((v) => renderScript(v, { includeScript }));
        },
      ),
      crud('create', 'admin', `Create a new script.\n\n${scriptDoc}`, async (ctx) =>
        renderScript(await ctx.services.scripts.create(scriptInput(ctx.form))),
      ),
    ],
  },
  {
    name: 'NodeScriptHandler',
    doc: 'Manage or view a custom script.',
    path: '/scripts/{name}/',
    actions: [
      crud(
        'read',
        'user',
        `Return a script's metadata.\n\n${nameDoc}\n\n:param include_script: Include the base64 encoded script content.\n:type include_script: Boolean`,
        async (ctx) =>
          renderScript(await ctx.services.scripts.get(scriptName(ctx)), {
            includeScript: ctx.form.bool('include_script', false),
          }),
      ),
      crud('update', 'admin', `Update a script.\n\n${nameDoc}\n\n${scriptDoc}`, async (ctx) =>
        renderScript(await ctx.services.scripts.update(scriptName(ctx), scriptInput(ctx.form))),
      ),
      crud(
        'delete',
        'admin',
        `Deletes a script (built-in scripts cannot be deleted).\n\n${nameDoc}`,
        async (ctx) => {
          await ctx.services.scripts.delete(scriptName(ctx));
        },
      ),
      operation(
        'download',
        'GET',
        'user',
        `Download a script.\n\n${nameDoc}\n\n:param revision: What revision to download (a version id of its history), latest by default.\n:type revision: Int`,
        async (ctx) =>
          new RawResponse(
            200,
            await ctx.services.scripts.download(scriptName(ctx), intParam(ctx.form, 'revision')),
            'application/binary',
          ),
      ),
      operation(
        'revert',
        'POST',
        'admin',
        `Revert a script to an earlier version (not built-in scripts).\n\n${nameDoc}\n\n:param to: What revision in the script's history to revert to: a version id, or a negative number of versions back.\n:type to: Int`,
        async (ctx) => {
          const to = intParam(ctx.form, 'to', true);
          if (to === undefined || to === 0)
            throw AppError.invalid({ to: 'This field is required: a version id or a negative number.' });
          return renderScript(await ctx.services.scripts.revert(scriptName(ctx), to));
        },
      ),
      operation(
        'add_tag',
        'POST',
        'admin',
        `Add a single tag to a script.\n\n${nameDoc}\n\n:param tag: The tag being added.\n:type tag: String`,
        async (ctx) =>
          renderScript(await ctx.services.scripts.addTag(scriptName(ctx), ctx.form.get('tag') ?? '')),
      ),
      operation(
        'remove_tag',
        'POST',
        'admin',
        `Remove a tag from a script.\n\n${nameDoc}\n\n:param tag: The tag being removed.\n:type tag: String`,
        async (ctx) =>
          renderScript(await ctx.services.scripts.removeTag(scriptName(ctx), ctx.form.get('tag') ?? '')),
      ),
    ],
  },
];
