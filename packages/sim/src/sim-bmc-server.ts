import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body.js';
import {
  SIM_MAX_BODY_BYTES,
  SimBmcRefusal,
  bootDeviceOf,
  powerActionOf,
  routeOf,
  type SimBmcRoute,
  type SimBootDevice,
  type SimPowerAction,
  type SimPowerState,
} from './sim-bmc-wire.js';

/** A machine switched: powered on, off, or reset (state `on` again). */
export interface SimPowerEvent {
  readonly id: string;
  readonly state: SimPowerState;
  readonly action: SimPowerAction;
  /** What it starts from (its one-time next boot, else the default); only when it (re)started. */
  readonly bootDevice?: SimBootDevice;
  /** When it switched (epoch ms). */
  readonly at: number;
}

/** One request, as the latency option sees it. */
export interface SimBmcCall extends SimBmcRoute {
  readonly method: 'GET' | 'POST';
}

export interface SimBmcServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port (read `url`). */
  readonly port?: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** How long each call takes before it acts and answers (default 0), fixed or per call. */
  readonly latencyMs?: number | ((call: SimBmcCall) => number);
  /** Whether a request for an unknown machine creates it, off (default false: 404). */
  readonly autoCreate?: boolean;
  /** What a machine starts from when no one-time next boot is set (default `disk`). */
  readonly defaultBootDevice?: SimBootDevice;
}

type PowerListener = (event: SimPowerEvent) => void;

interface SimMachine {
  state: SimPowerState;
  nextBoot: SimBootDevice | undefined;
  readonly history: SimPowerEvent[];
}

/**
 * One HTTP server simulating the BMCs of many machines (wire format: sim-bmc-wire.ts), for the
 * rack's `sim` power driver in tests and benchmarks. It keeps each machine's power, its one-time
 * next boot and every switch, and tells `power` listeners when a machine switches (the machine
 * simulator boots it then). Machines come from `add`, or on first use with `autoCreate`.
 */
export class SimBmcServer {
  readonly #server: Server;
  readonly #options: SimBmcServerOptions;
  readonly #machines = new Map<string, SimMachine>();
  readonly #listeners: Readonly<Record<'power', Set<PowerListener>>> = { power: new Set() };
  readonly #timers = new Set<NodeJS.Timeout>();
  #requests = 0;

  private constructor(server: Server, options: SimBmcServerOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** Starts a server listening on `host:port` (default 127.0.0.1, any port). */
  static async start(options: SimBmcServerOptions = {}): Promise<SimBmcServer> {
    const server = createServer();
    const sim = new SimBmcServer(server, options);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void sim.#handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return sim;
  }

  /** The base URL machines' `power_address` is set to, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${String(port)}`;
  }

  /** Requests answered so far, errors included. */
  get requests(): number {
    return this.#requests;
  }

  /** Adds a machine (or resets one: its state, no next boot, no history). */
  add(id: string, initialState: SimPowerState = 'off'): void {
    this.#machines.set(id, { state: initialState, nextBoot: undefined, history: [] });
  }

  has(id: string): boolean {
    return this.#machines.has(id);
  }

  /** A machine's power, or undefined when there is no such machine. */
  state(id: string): SimPowerState | undefined {
    return this.#machines.get(id)?.state;
  }

  /** A machine's one-time next boot, until it is used by a power on. */
  nextBoot(id: string): SimBootDevice | undefined {
    return this.#machines.get(id)?.nextBoot;
  }

  /** Every switch of a machine, oldest first (empty for an unknown one). */
  history(id: string): readonly SimPowerEvent[] {
    return this.#machines.get(id)?.history ?? [];
  }

  /**
   * Calls `listener` whenever a machine switches, before the request that switched it is
   * answered. A listener that throws makes that request answer 500 (the switch stands).
   */
  on(event: 'power', listener: PowerListener): this {
    this.#listeners[event].add(listener);
    return this;
  }

  off(event: 'power', listener: PowerListener): this {
    this.#listeners[event].delete(listener);
    return this;
  }

  /**
   * Switches a machine as the machine itself does, not through the BMC's API: its OS shutting
   * it down at the end of its work, say. Listeners hear it like any switch (action `off` or
   * `on`); a machine already in `state` is left alone.
   */
  press(id: string, state: SimPowerState): void {
    const machine = this.#machines.get(id);
    if (!machine) throw new Error(`No simulated machine ${JSON.stringify(id)}.`);
    if (machine.state !== state) this.#switch(id, machine, state, state);
  }

  /** Stops listening and drops open connections and requests still waiting out their latency. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await readBody(request, SIM_MAX_BODY_BYTES);
      const method = request.method ?? 'GET';
      this.#checkToken(request.headers.authorization);
      const route = routeOf(method, request.url ?? '/');
      if (!body.ok)
        throw new SimBmcRefusal(
          400,
          `The body has ${String(body.bytes)} bytes, more than the ${String(SIM_MAX_BODY_BYTES)} a BMC reads.`,
        );
      await this.#latency({ ...route, method: method === 'POST' ? 'POST' : 'GET' });
      send(response, 200, this.#act(method, route, body.text));
    } catch (error) {
      if (error instanceof SimBmcRefusal)
        send(response, error.status, { error: error.message }, error.headers);
      else if (!response.headersSent && !response.destroyed)
        send(response, 500, { error: `The simulator failed: ${(error as Error).message}` });
    } finally {
      this.#requests += 1;
    }
  }

  #checkToken(header: string | undefined): void {
    const token = this.#options.token;
    if (token === undefined) return;
    const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
    const [a, b] = [Buffer.from(given), Buffer.from(token)];
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw new SimBmcRefusal(401, header ? 'The bearer token is wrong.' : 'A bearer token is required.', {
        'www-authenticate': 'Bearer realm="ferrum-sim"',
      });
  }

  #act(method: string, route: SimBmcRoute, body: string): object {
    const machine = this.#machine(route.id);
    if (route.resource === 'boot') {
      machine.nextBoot = bootDeviceOf(body);
      return { nextBoot: machine.nextBoot };
    }
    if (method === 'GET') return { state: machine.state };
    const action = powerActionOf(body);
    if (action === 'off') {
      if (machine.state === 'on') this.#switch(route.id, machine, 'off', action);
    } else if (action === 'cycle' || machine.state === 'off') {
      this.#switch(route.id, machine, 'on', action);
    }
    return { state: machine.state };
  }

  #machine(id: string): SimMachine {
    const known = this.#machines.get(id);
    if (known) return known;
    if (!this.#options.autoCreate)
      throw new SimBmcRefusal(404, `No simulated machine ${JSON.stringify(id)}.`);
    this.add(id);
    return this.#machines.get(id) as SimMachine;
  }

  #switch(id: string, machine: SimMachine, state: SimPowerState, action: SimPowerAction): void {
    let bootDevice: SimBootDevice | undefined;
    if (state === 'on') {
      bootDevice = machine.nextBoot ?? this.#options.defaultBootDevice ?? 'disk';
      machine.nextBoot = undefined;
    }
    machine.state = state;
    const event: SimPowerEvent = { id, state, action, ...(bootDevice ? { bootDevice } : {}), at: Date.now() };
    machine.history.push(event);
    for (const listener of this.#listeners.power) listener(event);
  }

  #latency(call: SimBmcCall): Promise<void> {
    const option = this.#options.latencyMs ?? 0;
    const ms = typeof option === 'function' ? option(call) : option;
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: object,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}
