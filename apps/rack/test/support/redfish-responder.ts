// A Redfish service for tests: HTTPS on 127.0.0.1, serving what the DMTF schemas say for the
// resources a power driver uses (ServiceRoot v1, ComputerSystemCollection, ComputerSystem v1
// with Boot and the Reset action, ActionInfo v1, SessionService v1 and its Sessions), with
// Redfish's error body (Base message registry) on failures. The state (power, boot override,
// what booted) and every request are open to the test.
import { Buffer } from 'node:buffer';
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './test-certificate.js';

/** DMTF's PowerState values. */
export type RedfishPowerStateValue = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';

export interface ResponderSystemOptions {
  readonly id: string;
  readonly powerState?: RedfishPowerStateValue;
  /** The ResetType values the system allows (default: all of DMTF's but Nmi and Suspend). */
  readonly resetTypes?: readonly string[];
  /** Where the allowed ResetTypes are listed: in the action (default), in an ActionInfo, or nowhere. */
  readonly listResetTypes?: 'inline' | 'actionInfo' | 'none';
  /** The action's target URI (default `/redfish/v1/Systems/<id>/Actions/ComputerSystem.Reset`). */
  readonly resetTarget?: string;
  /** The allowed BootSourceOverrideTarget values. */
  readonly bootTargets?: readonly string[];
}

export interface RedfishResponderOptions {
  readonly certificate: TestCertificate;
  readonly user?: string;
  readonly password?: string;
  readonly systems?: readonly ResponderSystemOptions[];
  /** Whether the SessionService takes logins (default true). */
  readonly sessions?: boolean;
}

/** A system's state as the responder keeps it; tests may change it. */
export interface ResponderSystem {
  readonly id: string;
  powerState: RedfishPowerStateValue;
  readonly boot: { enabled: string; target: string; mode: string };
  /** Every ResetType applied, in order. */
  readonly resets: string[];
  /** Every boot (power on or restart), with the device it booted from. */
  readonly boots: { readonly target: string; readonly mode: string }[];
  version: number;
}

/** One request as the responder saw it. */
export interface ResponderRequest {
  readonly method: string;
  readonly path: string;
  /** How it authenticated: basic, a session token, not at all, or with bad credentials. */
  readonly auth: 'basic' | 'session' | 'none' | 'refused';
  readonly status: number;
  readonly ifMatch?: string;
  readonly body: string;
}

const defaultResetTypes = [
  'On',
  'ForceOff',
  'GracefulShutdown',
  'GracefulRestart',
  'ForceRestart',
  'ForceOn',
  'PushPowerButton',
  'PowerCycle',
];
const defaultBootTargets = ['None', 'Pxe', 'Hdd', 'Cd', 'Usb', 'BiosSetup', 'UefiHttp', 'UefiShell'];
const bootEnabledValues = ['Disabled', 'Once', 'Continuous'];
const bootModeValues = ['Legacy', 'UEFI'];
const registry = 'Base.1.16';

interface SystemEntry {
  readonly state: ResponderSystem;
  readonly options: ResponderSystemOptions;
  readonly uri: string;
  readonly resetTarget: string;
  readonly actionInfoUri: string;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export class RedfishResponder {
  /** Every request, in order. */
  readonly requests: ResponderRequest[] = [];
  private readonly systems = new Map<string, SystemEntry>();
  private readonly sessions = new Map<string, { readonly id: string; readonly token: string }>();
  private nextSessionId = 1;
  private failures: { remaining: number; status: number; retryAfter?: number } = {
    remaining: 0,
    status: 503,
  };
  private readonly user: string;
  private readonly password: string;
  private readonly uuid = randomUUID();

  private constructor(
    private readonly server: Server,
    private readonly options: RedfishResponderOptions,
  ) {
    this.user = options.user ?? 'admin';
    this.password = options.password ?? 'redfish-secret';
    for (const system of options.systems ?? [{ id: '1' }]) {
      const uri = `/redfish/v1/Systems/${system.id}`;
      this.systems.set(system.id, {
        options: system,
        uri,
        resetTarget: system.resetTarget ?? `${uri}/Actions/ComputerSystem.Reset`,
        actionInfoUri: `${uri}/ResetActionInfo`,
        state: {
          id: system.id,
          powerState: system.powerState ?? 'Off',
          boot: { enabled: 'Disabled', target: 'None', mode: 'Legacy' },
          resets: [],
          boots: [],
          version: 1,
        },
      });
    }
  }

  /** Starts a responder on 127.0.0.1 and a free port. */
  static async start(options: RedfishResponderOptions): Promise<RedfishResponder> {
    const server = createServer({ key: options.certificate.key, cert: options.certificate.cert });
    const responder = new RedfishResponder(server, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      responder.handle(request, response).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    return responder;
  }

  /** `127.0.0.1:<port>`, what power_address holds. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** A system's live state. */
  system(id: string): ResponderSystem {
    const entry = this.systems.get(id);
    if (!entry) throw new Error(`the responder has no system ${id}`);
    return entry.state;
  }

  /** Sessions logged in and not yet deleted. */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** The next `count` requests, whatever they are, answer `status` (503 by default). */
  failNext(count: number, status = 503, retryAfterSeconds?: number): void {
    this.failures = {
      remaining: count,
      status,
      ...(retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds }),
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'https://responder');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const auth = this.authenticate(request);
    let reply: Reply;
    if (this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      reply = {
        status: this.failures.status,
        body: error(
          'ServiceTemporarilyUnavailable',
          'The service is temporarily unavailable.  Retry later.',
          'Wait and retry.',
        ),
        ...(this.failures.retryAfter === undefined
          ? {}
          : { headers: { 'retry-after': String(this.failures.retryAfter) } }),
      };
    } else {
      reply = this.route(method, path, body, auth, request);
    }
    const ifMatch = request.headers['if-match'];
    this.requests.push({
      method,
      path: url.pathname + url.search,
      auth,
      status: reply.status,
      body,
      ...(typeof ifMatch === 'string' ? { ifMatch } : {}),
    });
    const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      'odata-version': '4.0',
      'cache-control': 'no-cache',
      ...(reply.body === undefined ? {} : { 'content-type': 'application/json;charset=utf-8' }),
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    response.end(payload);
  }

  private authenticate(request: IncomingMessage): ResponderRequest['auth'] {
    const token = request.headers['x-auth-token'];
    if (typeof token === 'string')
      return [...this.sessions.values()].some((s) => s.token === token) ? 'session' : 'refused';
    const authorization = request.headers.authorization;
    if (authorization === undefined) return 'none';
    const match = /^Basic\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) return 'refused';
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    return decoded === `${this.user}:${this.password}` ? 'basic' : 'refused';
  }

  private route(
    method: string,
    path: string,
    body: string,
    auth: ResponderRequest['auth'],
    request: IncomingMessage,
  ): Reply {
    // The Redfish spec: the version document and the service root answer without credentials.
    if (path === '/redfish')
      return only(method, ['GET'], () => ({ status: 200, body: { v1: '/redfish/v1/' } }));
    if (path === '/redfish/v1')
      return only(method, ['GET'], () => ({ status: 200, body: this.serviceRoot() }));
    if (path === '/redfish/v1/SessionService/Sessions' && method === 'POST') return this.login(body);

    if (auth !== 'basic' && auth !== 'session')
      return {
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="Redfish"' },
        body: error(
          'NoValidSession',
          'There is no valid session established with the implementation.',
          'Establish a session before attempting any operations.',
        ),
      };

    if (path === '/redfish/v1/SessionService')
      return only(method, ['GET'], () => ({ status: 200, body: this.sessionService() }));
    if (path === '/redfish/v1/SessionService/Sessions')
      return only(method, ['GET'], () => ({
        status: 200,
        body: collection(
          '#SessionCollection.SessionCollection',
          path,
          'Session Collection',
          [...this.sessions.values()].map((s) => `${path}/${s.id}`),
        ),
      }));
    const session = /^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)$/.exec(path);
    if (session?.[1] !== undefined) return this.sessionResource(method, session[1]);
    if (path === '/redfish/v1/Systems')
      return only(method, ['GET'], () => ({
        status: 200,
        body: collection(
          '#ComputerSystemCollection.ComputerSystemCollection',
          path,
          'Computer System Collection',
          [...this.systems.values()].map((s) => s.uri),
        ),
      }));
    for (const entry of this.systems.values()) {
      if (path === entry.uri) {
        if (method === 'GET') return this.systemReply(entry);
        if (method === 'PATCH') return this.patchSystem(entry, body, request.headers['if-match']);
        return notAllowed(['GET', 'PATCH']);
      }
      if (path === entry.resetTarget) return only(method, ['POST'], () => this.reset(entry, body));
      if (path === entry.actionInfoUri && entry.options.listResetTypes === 'actionInfo')
        return only(method, ['GET'], () => ({ status: 200, body: this.actionInfo(entry) }));
    }
    return {
      status: 404,
      body: error(
        'ResourceMissingAtURI',
        `The resource at the URI '${path}' was not found.`,
        'Place a valid resource at the URI or correct the URI and resubmit the request.',
      ),
    };
  }

  private serviceRoot(): unknown {
    return {
      '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
      '@odata.id': '/redfish/v1/',
      Id: 'RootService',
      Name: 'Root Service',
      RedfishVersion: '1.17.0',
      UUID: this.uuid,
      Systems: { '@odata.id': '/redfish/v1/Systems' },
      SessionService: { '@odata.id': '/redfish/v1/SessionService' },
      Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
    };
  }

  private sessionService(): unknown {
    return {
      '@odata.type': '#SessionService.v1_1_9.SessionService',
      '@odata.id': '/redfish/v1/SessionService',
      Id: 'SessionService',
      Name: 'Session Service',
      ServiceEnabled: this.options.sessions ?? true,
      SessionTimeout: 600,
      Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' },
    };
  }

  private login(body: string): Reply {
    if (this.options.sessions === false)
      return {
        status: 405,
        headers: { allow: 'GET' },
        body: error(
          'OperationNotAllowed',
          'The operation was not successful because the resource does not allow it.',
          'None.',
        ),
      };
    const credentials = parse(body) as { UserName?: unknown; Password?: unknown } | undefined;
    if (typeof credentials?.UserName !== 'string' || typeof credentials.Password !== 'string')
      return {
        status: 400,
        body: error(
          'ActionParameterMissing',
          'The action Session.Create requires the parameter UserName and Password to be present in the request body.',
          'Supply the action with the required parameter in the request body when the request is resubmitted.',
        ),
      };
    if (credentials.UserName !== this.user || credentials.Password !== this.password)
      return {
        status: 401,
        body: error(
          'ResourceAtUriUnauthorized',
          "While accessing the resource at '/redfish/v1/SessionService/Sessions', the service received an authorization error 'invalid credentials'.",
          'Ensure that the appropriate access is provided for the service in order for it to access the URI.',
        ),
      };
    const id = String(this.nextSessionId++);
    const token = randomBytes(16).toString('hex');
    this.sessions.set(id, { id, token });
    const uri = `/redfish/v1/SessionService/Sessions/${id}`;
    return {
      status: 201,
      headers: { 'x-auth-token': token, location: uri },
      body: this.sessionBody(id),
    };
  }

  private sessionBody(id: string): unknown {
    return {
      '@odata.type': '#Session.v1_6_0.Session',
      '@odata.id': `/redfish/v1/SessionService/Sessions/${id}`,
      Id: id,
      Name: 'User Session',
      UserName: this.user,
    };
  }

  private sessionResource(method: string, id: string): Reply {
    if (!this.sessions.has(id))
      return {
        status: 404,
        body: error(
          'ResourceNotFound',
          `The requested resource of type Session named '${id}' was not found.`,
          'Provide a valid resource identifier and resubmit the request.',
        ),
      };
    if (method === 'GET') return { status: 200, body: this.sessionBody(id) };
    if (method === 'DELETE') {
      this.sessions.delete(id);
      return { status: 204 };
    }
    return notAllowed(['GET', 'DELETE']);
  }

  private etag(entry: SystemEntry): string {
    return `W/"${entry.state.version}"`;
  }

  private systemReply(entry: SystemEntry): Reply {
    const { state, options } = entry;
    const listing = options.listResetTypes ?? 'inline';
    const reset: Record<string, unknown> = { target: entry.resetTarget };
    if (listing === 'inline')
      reset['ResetType@Redfish.AllowableValues'] = options.resetTypes ?? defaultResetTypes;
    if (listing === 'actionInfo') reset['@Redfish.ActionInfo'] = entry.actionInfoUri;
    return {
      status: 200,
      headers: { etag: this.etag(entry) },
      body: {
        '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
        '@odata.id': entry.uri,
        '@odata.etag': this.etag(entry),
        Id: state.id,
        Name: `Test system ${state.id}`,
        SystemType: 'Physical',
        Manufacturer: 'Ferrum',
        Model: 'Redfish responder',
        PowerState: state.powerState,
        Status: { State: 'Enabled', Health: 'OK' },
        Boot: {
          BootSourceOverrideEnabled: state.boot.enabled,
          'BootSourceOverrideEnabled@Redfish.AllowableValues': bootEnabledValues,
          BootSourceOverrideTarget: state.boot.target,
          'BootSourceOverrideTarget@Redfish.AllowableValues': options.bootTargets ?? defaultBootTargets,
          BootSourceOverrideMode: state.boot.mode,
          'BootSourceOverrideMode@Redfish.AllowableValues': bootModeValues,
        },
        Actions: { '#ComputerSystem.Reset': reset },
      },
    };
  }

  private actionInfo(entry: SystemEntry): unknown {
    return {
      '@odata.type': '#ActionInfo.v1_3_0.ActionInfo',
      '@odata.id': entry.actionInfoUri,
      Id: 'ResetActionInfo',
      Name: 'Reset Action Info',
      Parameters: [
        {
          Name: 'ResetType',
          Required: true,
          DataType: 'String',
          AllowableValues: entry.options.resetTypes ?? defaultResetTypes,
        },
      ],
    };
  }

  private patchSystem(entry: SystemEntry, body: string, ifMatch: string | string[] | undefined): Reply {
    if (typeof ifMatch === 'string' && ifMatch !== this.etag(entry))
      return {
        status: 412,
        body: error(
          'PreconditionFailed',
          'The ETag supplied did not match the ETag required to change this resource.',
          'Try the operation again using the appropriate ETag.',
        ),
      };
    const patch = parse(body);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      return {
        status: 400,
        body: error(
          'MalformedJSON',
          'The request body submitted was malformed JSON and could not be parsed by the receiving service.',
          'Ensure that the request body is valid JSON and resubmit the request.',
        ),
      };
    for (const name of Object.keys(patch))
      if (name !== 'Boot')
        return {
          status: 400,
          body: error(
            'PropertyNotWritable',
            `The property ${name} is a read only property and cannot be assigned a value.`,
            'Remove the property from the request body and resubmit the request if the operation failed.',
          ),
        };
    const boot = (patch as { Boot?: unknown }).Boot;
    if (typeof boot !== 'object' || boot === null)
      return {
        status: 400,
        body: error(
          'PropertyValueTypeError',
          'The value for the property Boot is of a different type than the property can accept.',
          'Correct the value for the property in the request body and resubmit the request if the operation failed.',
        ),
      };
    const allowed: Record<string, readonly string[]> = {
      BootSourceOverrideEnabled: bootEnabledValues,
      BootSourceOverrideTarget: entry.options.bootTargets ?? defaultBootTargets,
      BootSourceOverrideMode: bootModeValues,
    };
    const changes = Object.entries(boot as Record<string, unknown>);
    for (const [name, value] of changes) {
      const values = allowed[name];
      if (!values)
        return {
          status: 400,
          body: error(
            'PropertyUnknown',
            `The property Boot/${name} is not in the list of valid properties for the resource.`,
            'Remove the unknown property from the request body and resubmit the request if the operation failed.',
          ),
        };
      if (typeof value !== 'string' || !values.includes(value))
        return {
          status: 400,
          body: error(
            'PropertyValueNotInList',
            `The value '${String(value)}' for the property Boot/${name} is not in the list of acceptable values.`,
            'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
          ),
        };
    }
    for (const [name, value] of changes) {
      const v = value as string;
      if (name === 'BootSourceOverrideEnabled') entry.state.boot.enabled = v;
      if (name === 'BootSourceOverrideTarget') entry.state.boot.target = v;
      if (name === 'BootSourceOverrideMode') entry.state.boot.mode = v;
    }
    entry.state.version += 1;
    return this.systemReply(entry);
  }

  private reset(entry: SystemEntry, body: string): Reply {
    const resetType = (parse(body) as { ResetType?: unknown } | undefined)?.ResetType;
    if (resetType === undefined)
      return {
        status: 400,
        body: error(
          'ActionParameterMissing',
          'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.',
          'Supply the action with the required parameter in the request body when the request is resubmitted.',
        ),
      };
    const allowed = entry.options.resetTypes ?? defaultResetTypes;
    if (typeof resetType !== 'string' || !allowed.includes(resetType))
      return {
        status: 400,
        body: error(
          'ActionParameterValueNotInList',
          `The value ${JSON.stringify(resetType)} for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`,
          'Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed.',
        ),
      };
    const state = entry.state;
    state.resets.push(resetType);
    const on =
      state.powerState === 'On' || state.powerState === 'PoweringOn' || state.powerState === 'Paused';
    switch (resetType) {
      case 'On':
      case 'ForceOn':
        if (!on) this.boot(state);
        break;
      case 'ForceOff':
      case 'GracefulShutdown':
        state.powerState = 'Off';
        break;
      case 'PushPowerButton':
        if (on) state.powerState = 'Off';
        else this.boot(state);
        break;
      default:
        // ForceRestart, GracefulRestart, PowerCycle: the machine boots again (or at all).
        this.boot(state);
    }
    state.version += 1;
    return { status: 204 };
  }

  private boot(state: ResponderSystem): void {
    const override = state.boot.enabled !== 'Disabled' && state.boot.target !== 'None';
    state.boots.push({ target: override ? state.boot.target : 'Hdd', mode: state.boot.mode });
    if (state.boot.enabled === 'Once') {
      state.boot.enabled = 'Disabled';
      state.boot.target = 'None';
    }
    state.powerState = 'On';
  }
}

function only(method: string, methods: readonly string[], reply: () => Reply): Reply {
  return methods.includes(method) ? reply() : notAllowed(methods);
}

function notAllowed(methods: readonly string[]): Reply {
  return {
    status: 405,
    headers: { allow: methods.join(', ') },
    body: error(
      'OperationNotAllowed',
      'The operation was not successful because the resource does not allow it.',
      'None.',
    ),
  };
}

function collection(type: string, uri: string, name: string, members: readonly string[]): unknown {
  return {
    '@odata.type': type,
    '@odata.id': uri,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map((m) => ({ '@odata.id': m })),
  };
}

/** Redfish's error response with one message of the Base registry. */
function error(messageId: string, message: string, resolution: string): unknown {
  return {
    error: {
      code: `${registry}.GeneralError`,
      message: 'A general error has occurred. See ExtendedInfo for more information.',
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_2.Message',
          MessageId: `${registry}.${messageId}`,
          Message: message,
          Severity: 'Critical',
          MessageSeverity: 'Critical',
          Resolution: resolution,
        },
      ],
    },
  };
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) request.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}
