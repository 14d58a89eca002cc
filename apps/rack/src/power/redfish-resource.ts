// Reading the few Redfish resources the driver uses (DMTF schemas ComputerSystem v1,
// ComputerSystemCollection, ActionInfo v1). Everything a BMC sends is `unknown` until checked:
// implementations differ, and a missing property must become a clear error, not a crash.
import type { PowerState } from '@ferrum/protocol';

type Json = Readonly<Record<string, unknown>>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function texts(value: unknown): readonly string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** The `ComputerSystem.Reset` action of a system. */
export interface RedfishResetAction {
  /** The URI to POST to, as the system gives it. */
  readonly target: string;
  /** `ResetType@Redfish.AllowableValues`, when the system lists them. */
  readonly allowable?: readonly string[];
  /** `@Redfish.ActionInfo`: where the allowed values are listed instead. */
  readonly actionInfo?: string;
}

/** What the driver needs of a ComputerSystem resource. */
export interface RedfishSystem {
  /** `@odata.id`: the system's URI. */
  readonly uri: string;
  readonly id: string;
  /** `On`, `Off`, `PoweringOn`, `PoweringOff`, `Paused`; absent when the BMC does not say. */
  readonly powerState?: string;
  readonly reset?: RedfishResetAction;
  readonly bootTargets?: readonly string[];
  readonly bootModes?: readonly string[];
  /** For `If-Match` on PATCH (`@odata.etag`, else the ETag header). */
  readonly etag?: string;
}

/** A ComputerSystem resource, read defensively; `uri` is where it was fetched from. */
export function readRedfishSystem(body: unknown, uri: string, etagHeader?: string): RedfishSystem {
  const system = record(body) ?? {};
  const actions = record(system['Actions']);
  const reset = record(actions?.['#ComputerSystem.Reset']);
  const target = text(reset?.['target']);
  const allowable = texts(reset?.['ResetType@Redfish.AllowableValues']);
  const actionInfo = text(reset?.['@Redfish.ActionInfo']);
  const boot = record(system['Boot']);
  const bootTargets = texts(boot?.['BootSourceOverrideTarget@Redfish.AllowableValues']);
  const bootModes = texts(boot?.['BootSourceOverrideMode@Redfish.AllowableValues']);
  const powerState = text(system['PowerState']);
  const etag = text(system['@odata.etag']) ?? etagHeader;
  const id = text(system['Id']) ?? lastSegment(uri);
  return {
    uri: text(system['@odata.id']) ?? uri,
    id,
    ...(powerState === undefined ? {} : { powerState }),
    ...(target === undefined
      ? {}
      : {
          reset: {
            target,
            ...(allowable === undefined ? {} : { allowable }),
            ...(actionInfo === undefined ? {} : { actionInfo }),
          },
        }),
    ...(bootTargets === undefined ? {} : { bootTargets }),
    ...(bootModes === undefined ? {} : { bootModes }),
    ...(etag === undefined ? {} : { etag }),
  };
}

/** The `@odata.id` of each member of a resource collection. */
export function readCollectionMembers(body: unknown): readonly string[] {
  const members = record(body)?.['Members'];
  if (!Array.isArray(members)) return [];
  return members.map((m) => text(record(m)?.['@odata.id'])).filter((id): id is string => id !== undefined);
}

/** The `AllowableValues` of one parameter in an ActionInfo resource. */
export function readActionInfoValues(body: unknown, parameter: string): readonly string[] | undefined {
  const parameters = record(body)?.['Parameters'];
  if (!Array.isArray(parameters)) return undefined;
  for (const p of parameters) {
    const entry = record(p);
    if (entry?.['Name'] === parameter) return texts(entry['AllowableValues']);
  }
  return undefined;
}

/** Redfish's PowerState as Ferrum's: a machine powering on counts as on, powering off as off. */
export function redfishPowerState(powerState: string | undefined): PowerState {
  // Own keys only: a BMC saying `constructor` must not reach Object.prototype.
  if (powerState === undefined || !Object.hasOwn(powerStates, powerState)) return 'error';
  return powerStates[powerState] ?? 'error';
}

const powerStates: Readonly<Record<string, PowerState>> = {
  On: 'on',
  PoweringOn: 'on',
  // Paused (ComputerSystem v1.13): powered, its processors halted.
  Paused: 'on',
  Off: 'off',
  PoweringOff: 'off',
};

/** The last path segment of a URI: `/redfish/v1/Systems/1/` → `1`. */
export function lastSegment(uri: string): string {
  const parts = uri.split('/').filter((p) => p !== '');
  return decodeURIComponent(parts.at(-1) ?? uri);
}

/**
 * The Redfish error's own words (DMTF's error response: `error.@Message.ExtendedInfo[]` with
 * `Message` and `Resolution`, else `error.message`), or undefined when the body is no such
 * thing. Kept short: it becomes part of an operator's error message.
 */
export function redfishErrorText(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = record(record(parsed)?.['error']);
  if (!error) return undefined;
  const infos = Array.isArray(error['@Message.ExtendedInfo']) ? error['@Message.ExtendedInfo'] : [];
  const messages = infos
    .map((info) => {
      const entry = record(info);
      const message = text(entry?.['Message'])?.trim();
      if (message === undefined || message === '') return undefined;
      const resolution = text(entry?.['Resolution'])?.trim();
      return resolution === undefined || resolution === '' || /^none\.?$/i.test(resolution)
        ? message
        : `${message} ${resolution}`;
    })
    .filter((m): m is string => m !== undefined);
  const joined = messages.length > 0 ? messages.join(' ') : text(error['message'])?.trim();
  if (joined === undefined || joined === '') return undefined;
  return joined.length > 600 ? `${joined.slice(0, 597)}...` : joined;
}
