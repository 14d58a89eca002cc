// The simulator BMC's wire format: small JSON over HTTP/1.1, one resource per machine.
//
//   GET  /machines/<id>/power                       → 200 {"state":"on"|"off"}
//   POST /machines/<id>/power  {"action":"on"|"off"|"cycle"}  → 200 {"state":"on"|"off"}
//   POST /machines/<id>/boot   {"device":"pxe"|"disk"}       → 200 {"nextBoot":"pxe"|"disk"}
//
// <id> is one path segment, percent-encoded. With a token configured every request needs
// `Authorization: Bearer <token>` (else 401 with `WWW-Authenticate: Bearer`). Errors are
// `{"error":"<message>"}`: 400 for bad input (not JSON, not an object, an unknown field or
// value, a body over 64 KiB), 401, 404 for an unknown machine or path, 405 for a wrong method
// (with `Allow`), 500 when a power listener throws (the switch has happened by then).

/** What a simulated machine's power is. */
export type SimPowerState = 'on' | 'off';

/** What a simulated machine boots from. */
export type SimBootDevice = 'pxe' | 'disk';

/** What a power request asks for. `cycle` resets a machine that is on, and powers on one that is off. */
export type SimPowerAction = 'on' | 'off' | 'cycle';

/** The largest request body the simulator reads. */
export const SIM_MAX_BODY_BYTES = 64 * 1024;

const actions: readonly SimPowerAction[] = ['on', 'off', 'cycle'];
const devices: readonly SimBootDevice[] = ['pxe', 'disk'];

/** A request the wire format knows: which machine, which resource. */
export interface SimBmcRoute {
  readonly id: string;
  readonly resource: 'power' | 'boot';
}

/** Why a request is refused: its HTTP status and the message of the `error` body. */
export class SimBmcRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The machine and resource a request path names; a refusal (404, 400) when it names none. */
export function routeOf(method: string, rawUrl: string): SimBmcRoute {
  const path = new URL(rawUrl, 'http://sim.invalid').pathname;
  const match = /^\/machines\/([^/]+)\/(power|boot)$/.exec(path);
  if (!match) throw new SimBmcRefusal(404, `No such resource: ${method} ${path}.`);
  let id: string;
  try {
    id = decodeURIComponent(match[1] ?? '');
  } catch {
    throw new SimBmcRefusal(400, `The machine id in ${path} is not valid percent-encoding.`);
  }
  const resource = match[2] === 'boot' ? 'boot' : 'power';
  const allowed = resource === 'power' ? ['GET', 'POST'] : ['POST'];
  if (!allowed.includes(method))
    throw new SimBmcRefusal(405, `${method} is not supported on ${path}; use ${allowed.join(' or ')}.`, {
      allow: allowed.join(', '),
    });
  return { id, resource };
}

/** The `action` of a power request body. */
export function powerActionOf(body: string): SimPowerAction {
  return choiceOf(body, 'action', actions);
}

/** The `device` of a boot request body. */
export function bootDeviceOf(body: string): SimBootDevice {
  return choiceOf(body, 'device', devices);
}

function choiceOf<T extends string>(body: string, field: string, choices: readonly T[]): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new SimBmcRefusal(400, `The body is not JSON (${(error as Error).message}); send {"${field}":…}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SimBmcRefusal(400, `The body must be a JSON object like {"${field}":"${choices[0] ?? ''}"}.`);
  const unknown = Object.keys(parsed).filter((key) => key !== field);
  if (unknown.length > 0)
    throw new SimBmcRefusal(
      400,
      `Unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}: only "${field}" is read.`,
    );
  const value = (parsed as Record<string, unknown>)[field];
  if (value === undefined)
    throw new SimBmcRefusal(400, `"${field}" is missing: one of ${choices.join(', ')}.`);
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
    throw new SimBmcRefusal(
      400,
      `"${field}" must be one of ${choices.join(', ')}, not ${JSON.stringify(value)}.`,
    );
  return value as T;
}
