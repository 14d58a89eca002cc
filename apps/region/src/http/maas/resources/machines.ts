import { AppError, type MachineAction } from '@ferrum/domain';
import {
  JsonArrayStream,
  crud,
  currentUser,
  operation,
  RawResponse,
  type ActionContext,
  type ActionDef,
  type HandlerDef,
} from '../handler.js';
import type { FormParams } from '../form-params.js';
import { renderAnonymousMachine, renderMachine } from '../render-machine.js';
import { MACHINE_PAGE_SIZE, machineListPages, machinePageJson } from '../machine-pages.js';
import type { MachineInput } from '../../../services/machine-service.js';
import type { ParamLists } from '../../../services/machine-filters.js';
import { bootTokenOps } from '../../metadata/boot-token-ops.js';
import { deployUserData } from '../../metadata/deploy-user-data.js';
import { commissionOptions, commissionParamsDoc, testOptions, testParamsDoc } from '../script-run-options.js';
import { commissioningRun } from '../../../services/machine-lifecycle.js';

const filterDoc =
  'List machines visible to the user, optionally filtered by criteria.\n\n' +
  ':param hostname: Only nodes relating to the node with the matching hostname.\n:type hostname: String\n\n' +
  ':param cpu_count: Only nodes with the specified minimum number of CPUs.\n:type cpu_count: Int\n\n' +
  ':param mem: Only nodes with the specified minimum amount of RAM (in MiB).\n:type mem: Int\n\n' +
  ':param mac_address: Only nodes relating to the node owning the specified MAC address.\n:type mac_address: String\n\n' +
  ':param id: Only nodes relating to the nodes with matching system ids.\n:type id: String\n\n' +
  ':param domain: Only nodes relating to the nodes in the domain.\n:type domain: String\n\n' +
  ':param zone: Only nodes relating to the nodes in the zone.\n:type zone: String\n\n' +
  ':param pool: Only nodes belonging to the pool.\n:type pool: String\n\n' +
  ':param agent_name: Only nodes relating to the nodes with matching agent names.\n:type agent_name: String\n\n' +
  ':param status: Only nodes with the specified status.\n:type status: String\n\n' +
  ':param arch: Only nodes with the specified architecture.\n:type arch: String\n\n' +
  ':param tags: Only nodes with all the specified tags.\n:type tags: String\n\n' +
  ':param not_tags: Only nodes without any of the specified tags.\n:type not_tags: String\n\n' +
  ':param owner: Only nodes owned by the specified user.\n:type owner: String\n\n' +
  ':param power_state: Only nodes with the specified power state.\n:type power_state: String';

const createDoc =
  'Create a new machine.\n\n' +
  ':param architecture: A string containing the architecture type of the machine.\n:type architecture: String\n\n' +
  ':param mac_addresses: One or more MAC addresses for the machine.\n:type mac_addresses: String\n\n' +
  ':param hostname: A hostname. If not given, one will be generated.\n:type hostname: String\n\n' +
  ':param description: A optional description.\n:type description: String\n\n' +
  ':param domain: The domain of the machine.\n:type domain: String\n\n' +
  ':param power_type: A power management type, if applicable (e.g. "manual").\n:type power_type: String\n\n' +
  ':param power_parameters_{param}: The parameter(s) for the power_type.\n:type power_parameters_{param}: String\n\n' +
  ':param commission: Request the newly created machine to be commissioned (admin only; default true).\n:type commission: Boolean';

/** A request parameter that is data: not `op`, and not OAuth's (which may come in the query). */
function isDataKey(key: string): boolean {
  return key !== 'op' && !key.startsWith('oauth_');
}

/** Every request parameter, for filters and constraints. */
function paramLists(form: FormParams): ParamLists {
  const out: Record<string, string[]> = {};
  for (const key of form.keys()) if (isDataKey(key)) out[key] = form.getAll(key);
  return out;
}

function intField(form: FormParams, key: string): number | undefined {
  const raw = form.get(key);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw AppError.invalid({ [key]: 'Enter a whole number.' });
  return value;
}

/** `power_parameters_<name>=value` fields, or a JSON object in `power_parameters`. */
function powerParameters(form: FormParams): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let any = false;
  const json = form.get('power_parameters');
  if (json !== undefined && json !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw AppError.invalid({ power_parameters: 'Enter a JSON object of power parameters.' });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw AppError.invalid({ power_parameters: 'Enter a JSON object of power parameters.' });
    for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    any = true;
  }
  for (const key of form.keys())
    if (key.startsWith('power_parameters_') && key !== 'power_parameters_skip_check') {
      out[key.slice('power_parameters_'.length)] = form.get(key) ?? '';
      any = true;
    }
  return any ? out : undefined;
}

function machineInput(form: FormParams): MachineInput {
  return {
    hostname: form.get('hostname'),
    description: form.get('description'),
    domain: form.get('domain'),
    architecture: form.get('architecture'),
    minHweKernel: form.get('min_hwe_kernel'),
    macAddresses: form.has('mac_addresses') ? form.getAll('mac_addresses') : undefined,
    powerType: form.get('power_type'),
    powerParameters: powerParameters(form),
    powerParametersSkipCheck: form.bool('power_parameters_skip_check', false),
    zone: form.get('zone'),
    pool: form.get('pool'),
    cpuCount: intField(form, 'cpu_count'),
    memory: intField(form, 'memory'),
    swapSize: form.has('swap_size') ? (intField(form, 'swap_size') ?? null) : undefined,
  };
}

/** The map of `key=value` pairs of set_owner_data / set_workload_annotations (op excluded). */
function keyValues(form: FormParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of form.keys()) if (isDataKey(key)) out[key] = form.get(key) ?? '';
  return out;
}

const systemId = (ctx: ActionContext) => ctx.params['system_id'] ?? '';

/** A POST op on one machine that runs a lifecycle action and answers the machine. */
function lifecycleOp(
  op: string,
  action: MachineAction,
  doc: string,
  extra?: (form: FormParams) => object,
): ActionDef {
  return operation(op, 'POST', 'user', doc, async (ctx) => {
    const view = await ctx.services.lifecycle.act(systemId(ctx), action, currentUser(ctx), {
      comment: ctx.form.get('comment'),
      ...(extra ? extra(ctx.form) : {}),
    });
    return renderMachine(view);
  });
}

/**
 * MAAS's `details` document: BSON with `lshw` and `lldp`, each the bytes of the commissioning
 * output (binary, subtype 0) or null before commissioning has it.
 */
function detailsBson(details: { readonly lshw: Buffer | null; readonly lldp: Buffer | null }): Buffer {
  const element = (name: string, value: Buffer | null) => {
    const key = Buffer.from(`${name}\0`, 'latin1');
    if (value === null) return Buffer.concat([Buffer.from([0x0a]), key]);
    const length = Buffer.alloc(4);
    length.writeInt32LE(value.length);
    return Buffer.concat([Buffer.from([0x05]), key, length, Buffer.from([0x00]), value]);
  };
  const body = Buffer.concat([
    element('lshw', details.lshw),
    element('lldp', details.lldp),
    Buffer.from([0]),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 4);
  return Buffer.concat([size, body]);
}

function commonNodeOps(): ActionDef[] {
  return [
    operation(
      'details',
      'GET',
      'user',
      'Obtain various system details (lshw, lldp) as BSON.',
      async (ctx) => {
        const machine = await ctx.services.machines.row(systemId(ctx), currentUser(ctx));
        const details = await ctx.services.scriptResults.probedDetails(machine);
        return new RawResponse(200, detailsBson(details), 'application/bson');
      },
    ),
    operation(
      'power_parameters',
      'GET',
      'admin',
      'Get power parameters (secrets included: admins only).',
      async (ctx) => ctx.services.machines.powerParameters(await ctx.services.machines.row(systemId(ctx))),
    ),
  ];
}

/** The `comment` parameter many machine operations take, as their docs declare it to the maas CLI. */
const commentParam = '\n\n:param comment: Comment for the event log.\n:type comment: String';

/** release's erase parameters (MAAS's ReleaseForm); those not given come from the configuration. */
function releaseOptions(form: FormParams) {
  const flag = (name: string) => (form.has(name) ? form.bool(name, false) : undefined);
  // MAAS's `force` deletes a KVM host's virtual machines; Ferrum has no KVM hosts.
  flag('force');
  return { erase: flag('erase'), secureErase: flag('secure_erase'), quickErase: flag('quick_erase') };
}

const releaseParamsDoc =
  '\n\n:param erase: Erase the disks when releasing (always when enable_disk_erasing_on_release is set).\n:type erase: Boolean' +
  "\n\n:param secure_erase: Use the drive's secure erase feature if available (default: disk_erase_with_secure_erase).\n:type secure_erase: Boolean" +
  '\n\n:param quick_erase: Wipe only the first and last MiB of each disk (default: disk_erase_with_quick_erase).\n:type quick_erase: Boolean' +
  '\n\n:param force: Accepted for MAAS clients; Ferrum has no KVM hosts to delete.\n:type force: Boolean' +
  commentParam;

/**
 * A machine list as the caller may see it, streamed: its first page read and serialised here
 * (bad filters answer 400 before anything is sent; most lists end there), the rest read by id
 * and serialised a page at a time on the list workers.
 */
async function streamMachines(ctx: ActionContext, params: ParamLists): Promise<JsonArrayStream> {
  const viewer = currentUser(ctx);
  const { first, restIds } = await ctx.services.machines.listStart(viewer, params, MACHINE_PAGE_SIZE);
  const scope = { viewer: { id: viewer.id, is_superuser: viewer.is_superuser }, params };
  return JsonArrayStream.ofSlices(
    (async function* () {
      yield machinePageJson(first);
      yield* machineListPages(ctx.machinePages, await restIds(), scope, LIST_READ_AHEAD);
    })(),
  );
}

/** Pages of a list being read and serialised at once, ahead of the socket. */
const LIST_READ_AHEAD = 4;

/**
 * The anonymous MAC lookups every node collection has (MAAS's AnonNodesHandler): they ask about
 * every node, whichever collection is asked (machines/, nodes/, rackcontrollers/, regioncontrollers/).
 */
export function macLookupOps(): ActionDef[] {
  return [
    operation(
      'is_registered',
      'GET',
      'anonymous',
      'Returns whether or not the given MAC address is registered within this MAAS (and attached to a non-retired node).\n\n:param mac_address: The MAC address to be checked.\n:type mac_address: String',
      async (ctx) => ctx.services.machines.isRegistered(ctx.form.required('mac_address')),
    ),
    operation(
      'is_action_in_progress',
      'GET',
      'anonymous',
      "Returns whether or not the given MAC address is a machine that's either 'deploying' or 'commissioning'.\n\n:param mac_address: The MAC address to be checked.\n:type mac_address: String",
      async (ctx) => ctx.services.machines.isActionInProgress(ctx.form.required('mac_address')),
    ),
  ];
}

/** The operations machines/ and nodes/ share: MAC lookups for enlistment, and set_zone. */
function nodeCollectionOps(): ActionDef[] {
  return [
    ...macLookupOps(),
    operation(
      'set_zone',
      'POST',
      'admin',
      'Assign multiple nodes to a physical zone at once.\n\n:param zone: Zone name.\n:type zone: String\n\n:param nodes: system_ids of the nodes.\n:type nodes: String',
      async (ctx) => {
        await ctx.services.machines.setZone(
          ctx.form.getAll('nodes'),
          ctx.form.required('zone'),
          currentUser(ctx).username,
        );
      },
    ),
  ];
}

const systemIdDoc = ':param system_id: The system_id of the node.\n:type system_id: String';

/** Documents the `{system_id}` placeholder on every action of a one-node handler. */
function oneNode(handler: HandlerDef): HandlerDef {
  return { ...handler, actions: handler.actions.map((a) => ({ ...a, doc: `${a.doc}\n\n${systemIdDoc}` })) };
}

export const machinesHandlers: HandlerDef[] = [
  {
    name: 'MachinesHandler',
    doc: 'Manage the collection of all the machines in the MAAS.',
    path: '/machines/',
    actions: [
      ...nodeCollectionOps(),
      crud('read', 'user', filterDoc, (ctx) => streamMachines(ctx, paramLists(ctx.form))),
      crud('create', 'optional', createDoc, async (ctx) => {
        const input = machineInput(ctx.form);
        if (ctx.user && !ctx.user.is_superuser)
          throw new AppError(
            'forbidden',
            'You do not have permission to create machines; it requires administrator rights.',
          );
        if (ctx.user) {
          const commission = ctx.form.bool('commission', true);
          const options = commission ? commissionOptions(ctx.form) : {};
          const created = { status: 'NEW', actor: ctx.user.username } as const;
          if (!commission) return renderMachine(await ctx.services.machines.create(input, created));
          // Unknown scripts are refused before the machine exists (none named: none to refuse).
          if (options.commissioningScripts !== undefined || options.testingScripts !== undefined)
            await ctx.services.scriptRuns.check(commissioningRun(options));
          const { systemId } = await ctx.services.machines.insert(input, created);
          // Commissioning starts as the commission action does: power work, credentials, events.
          const [commissioning] = await ctx.services.lifecycle.accept([systemId], ctx.user, options);
          return renderMachine(commissioning ?? (await ctx.services.machines.get(systemId, ctx.user)));
        }
        // Enlistment: a machine announcing itself; one already known (by BMC, then MAC) is not made twice.
        return renderAnonymousMachine((await ctx.services.enlistment.enlist(input)).view);
      }),
      operation(
        'list_allocated',
        'GET',
        'user',
        'Fetches machines that were allocated to the user/oauth token.',
        (ctx) => streamMachines(ctx, { ...paramLists(ctx.form), owner: [currentUser(ctx).username] }),
      ),
      operation(
        'power_parameters',
        'GET',
        'admin',
        'Get power parameters for multiple machines.\n\n:param id: system_ids to include (all when none).\n:type id: String',
        async (ctx) => {
          const rows = await ctx.services.machines.rows(ctx.form.getAll('id'));
          return Object.fromEntries(
            rows.map((row) => [row.system_id, ctx.services.machines.powerParameters(row)]),
          );
        },
      ),
      operation(
        'accept',
        'POST',
        'admin',
        'Accept declared machines into MAAS.\n\n:param machines: system_ids of the machines to accept.\n:type machines: String',
        async (ctx) => {
          const views = await ctx.services.lifecycle.accept(ctx.form.getAll('machines'), currentUser(ctx));
          return views.map(renderMachine);
        },
      ),
      operation('accept_all', 'POST', 'admin', 'Accept all declared machines into MAAS.', async (ctx) =>
        (await ctx.services.lifecycle.accept(undefined, currentUser(ctx))).map(renderMachine),
      ),
      operation(
        'allocate',
        'POST',
        'user',
        'Allocate an available machine for deployment.\n\n:param name: Hostname or FQDN of the desired machine.\n:type name: String\n\n:param system_id: system_id of the desired machine.\n:type system_id: String\n\n:param arch: Architecture of the returned machine.\n:type arch: String\n\n:param cpu_count: Minimum number of CPUs.\n:type cpu_count: Int\n\n:param mem: Minimum memory in MiB.\n:type mem: Int\n\n:param tags: Tags the machine must match.\n:type tags: String\n\n:param not_tags: Tags the machine must not match.\n:type not_tags: String\n\n:param zone: Zone the machine must be in.\n:type zone: String\n\n:param not_in_zone: Zones the machine must not be in.\n:type not_in_zone: String\n\n:param pool: Pool the machine must be in.\n:type pool: String\n\n:param not_in_pool: Pools the machine must not be in.\n:type not_in_pool: String\n\n:param storage: Storage constraints, e.g. root:10(ssd),data:100.\n:type storage: String\n\n:param agent_name: An optional agent name to attach to the acquired machine.\n:type agent_name: String\n\n:param comment: Comment for the event log.\n:type comment: String\n\n:param dry_run: Do not actually allocate.\n:type dry_run: Boolean\n\n:param osystem: Only allocate when a connected rack can install this OS (Ferrum).\n:type osystem: String\n\n:param distro_series: Only allocate when a connected rack can install this release (Ferrum).\n:type distro_series: String',
        async (ctx) => {
          const result = await ctx.services.allocator.allocate(currentUser(ctx), paramLists(ctx.form));
          if ('dryRun' in result) return renderMachine(result.dryRun);
          return { ...renderMachine(result.view), constraints_by_type: result.constraintsByType };
        },
      ),
      operation(
        'release',
        'POST',
        'user',
        'Release multiple machines.\n\n:param machines: system_ids of the machines to release.\n:type machines: String' +
          releaseParamsDoc,
        async (ctx) => {
          const ids = ctx.form.getAll('machines');
          if (ids.length === 0) throw AppError.invalid({ machines: 'This field is required.' });
          const released: string[] = [];
          for (const id of ids) {
            await ctx.services.lifecycle.act(id, 'release', currentUser(ctx), {
              comment: ctx.form.get('comment'),
              ...releaseOptions(ctx.form),
            });
            released.push(id);
          }
          return released;
        },
      ),
    ],
  },
  oneNode({
    name: 'MachineHandler',
    doc: 'Manage an individual machine.',
    path: '/machines/{system_id}/',
    actions: [
      crud('read', 'user', 'Reads a machine with the given system_id.', async (ctx) =>
        renderMachine(await ctx.services.machines.get(systemId(ctx), currentUser(ctx))),
      ),
      crud(
        'update',
        'admin',
        `Update a machine.\n\n:param hostname: The new hostname.\n:type hostname: String\n\n:param cpu_count: The amount of CPU cores.\n:type cpu_count: Int\n\n:param memory: The amount of memory in MiB.\n:type memory: Int\n\n:param zone: Name of a valid physical zone.\n:type zone: String\n\n:param pool: Name of a resource pool.\n:type pool: String`,
        async (ctx) =>
          renderMachine(
            await ctx.services.machines.update(
              systemId(ctx),
              machineInput(ctx.form),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', 'Deletes a machine with the given system_id.', async (ctx) => {
        await ctx.services.machines.delete(systemId(ctx), currentUser(ctx).username);
      }),
      ...commonNodeOps(),
      ...bootTokenOps(),
      operation('query_power_state', 'GET', 'user', 'Query the power state of a machine.', async (ctx) => {
        const row = await ctx.services.machines.row(systemId(ctx), currentUser(ctx));
        return { state: await ctx.services.power.query(row) };
      }),
      lifecycleOp(
        'commission',
        'commission',
        'Begin commissioning process for a machine.' + commissionParamsDoc,
        commissionOptions,
      ),
      lifecycleOp('test', 'test', 'Begin testing process for a machine.' + testParamsDoc, testOptions),
      lifecycleOp('abort', 'abort', "Abort a machine's current operation."),
      lifecycleOp(
        'deploy',
        'deploy',
        'Deploy an operating system to a machine.\n\n:param osystem: The OS to deploy (default: default_osystem); a connected rack must be able to install it.\n:type osystem: String\n\n:param distro_series: The OS release to deploy.\n:type distro_series: String\n\n:param license_key: A license key for an OS that needs one (else the one stored in license-keys/).\n:type license_key: String\n\n:param agent_name: An optional agent name.\n:type agent_name: String\n\n:param user_data: Base64-encoded cloud-init user data, served to the machine by the metadata API.\n:type user_data: String' +
          commentParam,
        (form) => ({
          distroSeries: form.get('distro_series') || undefined,
          osystem: form.get('osystem') || undefined,
          licenseKey: form.get('license_key') || undefined,
          agentName: form.get('agent_name'),
          ephemeral: form.bool('ephemeral_deploy', false),
          userData: deployUserData(form),
        }),
      ),
      lifecycleOp('release', 'release', 'Release a machine.' + releaseParamsDoc, releaseOptions),
      lifecycleOp('mark_broken', 'mark-broken', "Mark a machine as 'Broken'." + commentParam),
      lifecycleOp('mark_fixed', 'mark-fixed', "Mark a broken machine as 'Fixed'." + commentParam),
      lifecycleOp(
        'override_failed_testing',
        'override-failed-testing',
        'Ignore failed tests and put the node back into a usable state.',
      ),
      lifecycleOp('rescue_mode', 'rescue-mode', 'Begin rescue mode process for a machine.'),
      lifecycleOp('exit_rescue_mode', 'exit-rescue-mode', 'Exit rescue mode process for a machine.'),
      lifecycleOp('lock', 'lock', "Mark a machine as 'Locked' to prevent changes."),
      lifecycleOp('unlock', 'unlock', "Mark a machine as 'Unlocked' to allow changes."),
      lifecycleOp('power_on', 'on', 'Turn on a node.' + commentParam),
      lifecycleOp(
        'power_off',
        'off',
        'Power off a node.\n\n:param stop_mode: soft or hard.\n:type stop_mode: String',
      ),
      operation(
        'set_owner_data',
        'POST',
        'user',
        'Set key/value data for the current owner. Pass an empty value to remove a key.',
        async (ctx) =>
          renderMachine(
            await ctx.services.lifecycle.setOwnerKeys(
              systemId(ctx),
              'owner_data',
              keyValues(ctx.form),
              currentUser(ctx),
            ),
          ),
      ),
      operation(
        'set_workload_annotations',
        'POST',
        'user',
        'Set key=value data for the current owner. Pass an empty value to remove a key.',
        async (ctx) =>
          renderMachine(
            await ctx.services.lifecycle.setOwnerKeys(
              systemId(ctx),
              'workload_annotations',
              keyValues(ctx.form),
              currentUser(ctx),
            ),
          ),
      ),
    ],
  }),
  {
    name: 'NodesHandler',
    doc: 'Manage the collection of all the nodes in the MAAS.',
    path: '/nodes/',
    actions: [
      ...nodeCollectionOps(),
      crud('read', 'user', filterDoc.replace('List machines', 'List nodes'), (ctx) =>
        streamMachines(ctx, paramLists(ctx.form)),
      ),
    ],
  },
  oneNode({
    name: 'NodeHandler',
    doc: 'Manage an individual Node.',
    path: '/nodes/{system_id}/',
    actions: [
      crud('read', 'user', 'Reads a node with the given system_id.', async (ctx) =>
        renderMachine(await ctx.services.machines.get(systemId(ctx), currentUser(ctx))),
      ),
      crud('delete', 'admin', 'Deletes a node with the given system_id.', async (ctx) => {
        await ctx.services.machines.delete(systemId(ctx), currentUser(ctx).username);
      }),
      ...commonNodeOps(),
    ],
  }),
];
