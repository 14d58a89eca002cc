import { AppError } from '@ferrum/domain';
import {
  powerParameterField,
  redfishPowerType,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
} from '@ferrum/protocol';
import { defaultRetryPolicy, type RetryPolicy } from './http-retry.js';
import { lazyTrust } from './http-trust.js';
import { redfishServiceUrl } from './redfish-address.js';
import { RedfishConnection, type RedfishAuth } from './redfish-connection.js';
import {
  lastSegment,
  readActionInfoValues,
  readCollectionMembers,
  readRedfishSystem,
  redfishPowerState,
  type RedfishSystem,
} from './redfish-resource.js';

/** Tunables of the Redfish driver; the defaults suit real BMCs, tests shorten them. */
export interface RedfishDriverOptions {
  /** One driver call in all: every request, retry and wait (default 45 s, inside the runner's 60 s). */
  readonly timeoutMs?: number;
  /** One request (default 15 s: some BMCs take seconds to answer a Reset). */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** CA certificates (PEM) trusted besides the system's, for `power_verify_ssl` y. */
  readonly caCertificates?: readonly string[];
  /** CA bundles read as the system's (default: the distributions' usual paths). */
  readonly caBundlePaths?: readonly string[];
  /** Largest answer read (default 4 MiB: some BMCs inline a lot into a ComputerSystem). */
  readonly maxResponseBytes?: number;
}

const systemsUri = '/redfish/v1/Systems';

/** ResetType values per action, in order of preference (DMTF ResetType enum). */
const resetTypes = {
  on: ['On', 'ForceOn'],
  hardOff: ['ForceOff'],
  softOff: ['GracefulShutdown'],
  cycle: ['ForceRestart', 'PowerCycle'],
} as const;

/**
 * MAAS's `redfish` power type over HTTPS: `ComputerSystem.Reset` through the target URI the
 * system itself gives, its PowerState for queries, and a one-time boot override (`Pxe` or
 * `UefiHttp`) for the next network boot. The system is `node_id`, else the only member of
 * `/redfish/v1/Systems`. Each call logs in (a Redfish session, or basic auth when
 * `power_auth` says so) and logs out at the end. Unlike MAAS, `on` and `off` do only that:
 * the PXE-then-on sequence lives with the caller. Connection errors and 5xx are retried with
 * backoff (six tries, as MAAS since LP#2004661) inside the call's timeout; 401/403 and
 * 400/404 are not.
 */
export function createRedfishDriver(options: RedfishDriverOptions = {}): PowerDriver {
  const trust = lazyTrust({
    ...(options.caCertificates ? { caCertificates: options.caCertificates } : {}),
    ...(options.caBundlePaths ? { bundlePaths: options.caBundlePaths } : {}),
  });
  const timeoutMs = options.timeoutMs ?? 45_000;

  async function withSystem<T>(
    params: PowerParameters,
    ctx: PowerContext,
    work: (connection: RedfishConnection, system: RedfishSystem) => Promise<T>,
  ): Promise<T> {
    ctx.signal.throwIfAborted();
    const service = redfishServiceUrl(params['power_address'] ?? '');
    const connection = await RedfishConnection.open({
      service,
      auth: authOf(params),
      user: params['power_user'] ?? '',
      password: params['power_pass'] ?? '',
      logoutTimeoutMs: Math.min(5_000, options.requestTimeoutMs ?? 5_000),
      http: {
        signal: ctx.signal,
        deadline: Date.now() + timeoutMs,
        requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
        policy: options.retry ?? defaultRetryPolicy,
        verifyTls: params['power_verify_ssl'] !== 'n',
        trust,
        maxBodyBytes: options.maxResponseBytes ?? 4 * 1024 * 1024,
        maxRedirects: 3,
        hints: {
          power_auth_failed: 'Check power_user and power_pass.',
          power_settings_invalid: 'Check power_address and node_id.',
        },
      },
    });
    try {
      const system = await findSystem(connection, params['node_id'] ?? '');
      return await work(connection, system);
    } finally {
      // An aborted call must stop now: the logout then runs on in the background.
      const logout = connection.close();
      if (!ctx.signal.aborted) await logout;
    }
  }

  return {
    ...redfishPowerType,
    on: (params, ctx) =>
      withSystem(params, ctx, async (connection, system) => {
        if (redfishPowerState(system.powerState) === 'on') return;
        await reset(connection, system, resetTypes.on);
      }),
    off: (params, ctx) =>
      withSystem(params, ctx, async (connection, system) => {
        if (redfishPowerState(system.powerState) === 'off') return;
        await reset(connection, system, ctx.stopMode === 'soft' ? resetTypes.softOff : resetTypes.hardOff);
      }),
    // A machine that is off is switched on: resetting it would do nothing on many BMCs.
    cycle: (params, ctx) =>
      withSystem(params, ctx, async (connection, system) => {
        const off = redfishPowerState(system.powerState) === 'off';
        await reset(connection, system, off ? resetTypes.on : resetTypes.cycle);
      }),
    query: (params, ctx) =>
      withSystem(params, ctx, (_connection, system) => Promise.resolve(redfishPowerState(system.powerState))),
    setNextBootPxe: (params, ctx) =>
      withSystem(params, ctx, async (connection, system) => {
        const target = params['power_boot_target'] === 'UefiHttp' ? 'UefiHttp' : 'Pxe';
        requireAllowed(system, 'BootSourceOverrideTarget', target, system.bootTargets);
        if (target === 'UefiHttp') requireAllowed(system, 'BootSourceOverrideMode', 'UEFI', system.bootModes);
        const boot = {
          BootSourceOverrideEnabled: 'Once',
          BootSourceOverrideTarget: target,
          // HTTP boot exists only in UEFI; PXE keeps the mode the system is set to.
          ...(target === 'UefiHttp' ? { BootSourceOverrideMode: 'UEFI' } : {}),
        };
        await connection.patch(system.uri, { Boot: boot }, system.etag);
      }),
  };
}

/** The Redfish driver with its defaults, as the rack registers it. */
export const redfishDriver: PowerDriver = createRedfishDriver();

function authOf(params: PowerParameters): RedfishAuth {
  return params['power_auth'] === 'basic' ? 'basic' : 'session';
}

async function findSystem(connection: RedfishConnection, nodeId: string): Promise<RedfishSystem> {
  let uri: string;
  if (nodeId.trim() !== '') {
    const id = nodeId.trim();
    // An @odata.id (`/redfish/v1/Systems/1`) is taken as given; a bare Id is a member of Systems.
    uri = id.startsWith('/') ? id : `${systemsUri}/${encodeURIComponent(id)}`;
  } else {
    const members = readCollectionMembers((await connection.get(systemsUri)).body);
    const [only, ...more] = members;
    if (only === undefined)
      throw new AppError('power_settings_invalid', 'The BMC lists no systems under /redfish/v1/Systems.');
    if (more.length > 0) {
      const ids = members.map(lastSegment);
      throw new AppError(
        'power_settings_invalid',
        `The BMC serves ${members.length} systems (${ids.join(', ')}): set node_id to the one this machine is.`,
        { fields: { [powerParameterField('node_id')]: [`One of: ${ids.join(', ')}.`] }, systems: ids },
      );
    }
    uri = only;
  }
  const answer = await connection.get(uri);
  return readRedfishSystem(answer.body, uri, answer.etag);
}

async function reset(
  connection: RedfishConnection,
  system: RedfishSystem,
  wanted: readonly string[],
): Promise<void> {
  const action = system.reset;
  if (!action)
    throw new AppError(
      'power_failed',
      `The BMC offers no ComputerSystem.Reset action for system ${system.id} (${system.uri}).`,
    );
  const allowable =
    action.allowable ??
    (action.actionInfo === undefined
      ? undefined
      : readActionInfoValues((await connection.get(action.actionInfo)).body, 'ResetType'));
  const resetType = allowable === undefined ? wanted[0] : wanted.find((w) => allowable.includes(w));
  if (resetType === undefined)
    throw new AppError(
      'power_failed',
      `The BMC does not allow ResetType ${wanted.join(' or ')} for system ${system.id}; it allows ${
        allowable?.join(', ') || 'none'
      }.`,
      { allowable: allowable ?? [] },
    );
  await connection.post(action.target, { ResetType: resetType });
}

function requireAllowed(
  system: RedfishSystem,
  property: string,
  value: string,
  allowable: readonly string[] | undefined,
): void {
  if (allowable === undefined || allowable.includes(value)) return;
  throw new AppError(
    'power_settings_invalid',
    `System ${system.id} does not allow ${property} ${value}; it allows ${allowable.join(', ') || 'none'}.`,
    { fields: { [powerParameterField('power_boot_target')]: [`Not offered by the BMC: ${value}.`] } },
  );
}
