import { gzipSync } from 'node:zlib';
import { AppError, readHardwareType, readResultType, splitScriptList, type ResultType } from '@ferrum/domain';
import {
  crud,
  currentUser,
  operation,
  RawResponse,
  type ActionContext,
  type HandlerDef,
} from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderScriptSet } from '../render-script-result.js';
import { tarArchive, type TarEntry } from '../../../services/metadata-tar.js';
import type { ResultFilters, ScriptResultView } from '../../../services/script-result-service.js';
import type { MachineRow } from '../../../db/schema.js';

const idDoc =
  ":param system_id: The machine's system_id.\n:type system_id: String\n\n" +
  ':param id: The id of the result set, or current-commissioning, current-testing, current-installation, current-release.\n:type id: String';
const filterDoc =
  ':param hardware_type: Only return results of scripts for this hardware type: node, cpu, memory, storage, network or gpu.\n:type hardware_type: String\n\n' +
  ':param filters: A comma separated list to show only results of the script names or tags given.\n:type filters: String';

function resultFilters(form: FormParams): ResultFilters {
  const hardware = form.get('hardware_type');
  let hardwareType: ResultFilters['hardwareType'];
  if (hardware !== undefined && hardware !== '') {
    const read = readHardwareType(hardware);
    if (!read.ok) throw AppError.invalid({ hardware_type: read.error });
    hardwareType = read.value;
  }
  return { hardwareType, filters: splitScriptList(form.getAll('filters')) };
}

async function machineOf(ctx: ActionContext): Promise<MachineRow> {
  return ctx.services.machines.row(ctx.params['system_id'] ?? '', currentUser(ctx));
}

const setId = (ctx: ActionContext) => ctx.params['id'] ?? '';

/** Which output `op=download` sends, and the file name it has in a tar. */
const outputs = {
  all: { column: 'output', suffix: '' },
  combined: { column: 'output', suffix: '' },
  stdout: { column: 'stdout', suffix: '.out' },
  stderr: { column: 'stderr', suffix: '.err' },
  result: { column: 'result', suffix: '.yaml' },
} as const;
type OutputName = keyof typeof outputs;

function download(
  systemId: string,
  results: readonly ScriptResultView[],
  form: FormParams,
  now: number,
): RawResponse {
  const output = form.get('output') ?? 'all';
  if (!Object.hasOwn(outputs, output))
    throw AppError.invalid({ output: `'${output}' is not an output: use all, stdout, stderr or result.` });
  const filetype = form.get('filetype') ?? 'txt';
  if (filetype === 'tar.xz')
    throw AppError.invalid({ filetype: 'tar.xz is not supported by this region: use txt or tar.gz.' });
  if (filetype !== 'txt' && filetype !== 'tar.gz')
    throw AppError.invalid({ filetype: `'${filetype}' is not a file type: use txt or tar.gz.` });
  const chosen = outputs[output as OutputName];
  if (filetype === 'tar.gz') {
    // output=all is every file of each result, as the runner uploaded them.
    const kinds = output === 'all' ? Object.values(outputs).slice(1) : [chosen];
    const entries: TarEntry[] = results.flatMap((r) =>
      kinds
        .map((k) => ({
          path: `${systemId}/${r.script_name.replace(/^\/+/, '')}${k.suffix}`,
          data: r[k.column],
          mode: 0o644,
        }))
        .filter((e) => e.data.length > 0 || output !== 'all'),
    );
    return new RawResponse(200, gzipSync(tarArchive(entries, now)), 'application/x-tar', {
      'content-disposition': `attachment; filename=${systemId}-results.tar.gz`,
    });
  }
  if (results.length === 1 && results[0])
    return new RawResponse(200, results[0][chosen.column], 'application/binary');
  // Several results in one text: each under a line naming it.
  const parts = results.flatMap((r) => [
    Buffer.from(`${r.script_name}${chosen.suffix}:\n`),
    r[chosen.column],
    Buffer.from('\n'),
  ]);
  return new RawResponse(200, Buffer.concat(parts), 'application/binary');
}

export const nodeScriptResultsHandlers: HandlerDef[] = [
  {
    name: 'NodeScriptResultsHandler',
    doc: 'Manage node script results.',
    path: '/nodes/{system_id}/results/',
    actions: [
      crud(
        'read',
        'user',
        `Return a list of script results grouped by run.\n\n:param system_id: The machine's system_id.\n:type system_id: String\n\n:param type: Only return scripts with the given type: commissioning, testing, installation or release.\n:type type: String\n\n:param include_output: Include base64 encoded output from the script.\n:type include_output: Boolean\n\n${filterDoc}`,
        async (ctx) => {
          const machine = await machineOf(ctx);
          const raw = ctx.form.get('type');
          let type: ResultType | undefined;
          if (raw !== undefined && raw !== '') {
            const read = readResultType(raw);
            if (!read.ok) throw AppError.invalid({ type: read.error });
            type = read.value;
          }
          const includeOutput = ctx.form.bool('include_output', false);
          const sets = await ctx.services.scriptResults.list(machine, type, resultFilters(ctx.form));
          return sets.map((s) => renderScriptSet(s, includeOutput));
        },
      ),
    ],
  },
  {
    name: 'NodeScriptResultHandler',
    doc: 'Manage a set of results.',
    path: '/nodes/{system_id}/results/{id}/',
    actions: [
      crud(
        'read',
        'user',
        `View a set of test results.\n\n${idDoc}\n\n:param include_output: Include the base64 encoded output from the script.\n:type include_output: Boolean\n\n${filterDoc}`,
        async (ctx) => {
          const machine = await machineOf(ctx);
          const view = await ctx.services.scriptResults.get(machine, setId(ctx), resultFilters(ctx.form));
          return renderScriptSet(view, ctx.form.bool('include_output', false));
        },
      ),
      crud(
        'update',
        'admin',
        `Update a set of test results.\n\n${idDoc}\n\n${filterDoc}\n\n:param suppressed: Set whether or not the failures of these results are suppressed.\n:type suppressed: Boolean`,
        async (ctx) => {
          const machine = await machineOf(ctx);
          const filters = resultFilters(ctx.form);
          if (!ctx.form.has('suppressed')) {
            const view = await ctx.services.scriptResults.get(machine, setId(ctx), filters);
            return renderScriptSet(view, false);
          }
          const suppressed = ctx.form.bool('suppressed', false);
          return renderScriptSet(
            await ctx.services.scriptResults.suppress(machine, setId(ctx), suppressed, filters),
            false,
          );
        },
      ),
      crud('delete', 'admin', `Delete a set of test results.\n\n${idDoc}`, async (ctx) => {
        await ctx.services.scriptResults.delete(await machineOf(ctx), setId(ctx));
      }),
      operation(
        'download',
        'GET',
        'user',
        `Download a compressed tar containing all results, or the text of one.\n\n${idDoc}\n\n:param output: all (the combined output), stdout, stderr or result.\n:type output: String\n\n:param filetype: txt or tar.gz (tar.xz is not supported).\n:type filetype: String\n\n${filterDoc}`,
        async (ctx) => {
          const machine = await machineOf(ctx);
          const view = await ctx.services.scriptResults.get(machine, setId(ctx), resultFilters(ctx.form));
          return download(machine.system_id, view.results, ctx.form, Math.floor(Date.now() / 1000));
        },
      ),
    ],
  },
];
