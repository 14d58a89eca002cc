import { hostname } from 'node:os';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';
import { RpcError, rpcErrorCodes, rpcUrlFor, type RpcHandler } from '@ferrum/protocol';
import { imageDirOf, type RackConfig } from './rack-config.js';
import { readIdentity, writeIdentity, type RackIdentity } from './rack-identity.js';
import { RackSessionError, openRackSession, type RackRegistration } from './rack-session.js';
import { RegionLink, type ServiceReport } from './region-link.js';
import { hostInterfaces } from './host-interfaces.js';
import { rackHandler, type RackKnowledge } from './rack-handler.js';
import { builtInKnowledge } from './built-in-knowledge.js';
import type { PowerTypesResult } from './power/describe-power-types.js';

/** Tunables of the link to the region (tests shorten them). */
export interface RackTimings {
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  readonly connectTimeoutMs?: number;
}

export interface RunningRack {
  readonly identity: RackIdentity;
  readonly link: RegionLink;
  stop(): Promise<void>;
}

/** The region RPC URLs for what the operator gave (`http://host:5240/MAAS`, …), every problem at once. */
export function rpcUrls(given: readonly string[]): string[] {
  if (given.length === 0)
    throw AppError.invalid({ url: 'Give the region URL with --url (e.g. http://region:5240/MAAS).' });
  const problems: string[] = [];
  const urls = given.map((url) => {
    const r = rpcUrlFor(url);
    if (!r.ok) problems.push(r.message);
    return r.ok ? r.url : '';
  });
  if (problems.length > 0) throw AppError.invalid({ url: problems });
  return [...new Set(urls)];
}

async function readCa(config: RackConfig): Promise<Buffer | undefined> {
  if (config.caFile === undefined) return undefined;
  try {
    return await readFile(config.caFile);
  } catch (error) {
    throw AppError.invalid({
      FERRUM_RACK_CA_FILE: `cannot read ${config.caFile}: ${(error as Error).message}`,
    });
  }
}

async function checkWritable(dataDir: string): Promise<void> {
  const probe = join(dataDir, `.write-test-${String(process.pid)}`);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw AppError.invalid({
      FERRUM_DATA_DIR: `cannot write the rack's identity in ${dataDir}: ${(error as Error).message}`,
    });
  }
}

function registration(name: string, version: string): RackRegistration {
  return { hostname: name, version, interfaces: hostInterfaces(), capabilities: ['os', 'images', 'power'] };
}

/**
 * `ferrum rack register`: proves the shared secret to a region, registers, and stores the
 * rack's identity and credential in its data dir. The first URL that answers registers it;
 * a refusal (wrong secret) stops at once.
 */
export async function registerRack(input: {
  readonly config: RackConfig;
  readonly urls: readonly string[];
  readonly secret: string;
  readonly name?: string | undefined;
  readonly version: string;
  readonly logger: Logger;
  readonly timings?: RackTimings;
  /** The region's own certificate, trusted whatever name it is dialled by (the all-in-one rack). */
  readonly pinnedCertificate?: Buffer;
  /** Register even though the data dir holds a rack's identity already (which is replaced). */
  readonly force?: boolean;
}): Promise<RackIdentity> {
  const urls = rpcUrls(input.urls);
  const name = input.name ?? hostname();
  if (input.secret.trim() === '')
    throw AppError.invalid({ secret: 'Give the secret printed by `ferrum rack secret` on the region.' });
  const ca = await readCa(input.config);
  const existing = await readIdentity(input.config.dataDir).catch(() => undefined);
  if (existing && input.force !== true)
    throw AppError.invalid({
      rack: `${input.config.dataDir} already holds rack ${existing.name} (${existing.systemId}): give this rack its own FERRUM_DATA_DIR, or --force to register this one in its place.`,
    });
  // Before the region makes a credential: one that cannot be stored would be lost.
  await checkWritable(input.config.dataDir);
  const failures: string[] = [];
  for (const url of urls) {
    try {
      const session = await openRackSession({
        url,
        key: { key: input.secret.trim() },
        registration: registration(name, input.version),
        // The region may ask what the rack offers before this session ends: it asks again
        // when the rack starts.
        handler: (method) =>
          Promise.reject(
            new RpcError(
              rpcErrorCodes.methodNotFound,
              `${method.name} is not served while the rack registers.`,
            ),
          ),
        logger: input.logger,
        ...(ca === undefined ? {} : { ca }),
        ...(input.pinnedCertificate === undefined ? {} : { pinnedCertificate: input.pinnedCertificate }),
        ...input.timings,
      });
      try {
        const identity: RackIdentity = {
          name,
          urls,
          systemId: session.systemId,
          credential: session.credential,
        };
        await writeIdentity(input.config.dataDir, identity);
        return identity;
      } finally {
        session.close();
      }
    } catch (error) {
      if (error instanceof RackSessionError && error.kind === 'conflict')
        throw new AppError('conflict', error.message);
      if (error instanceof RackSessionError && error.kind === 'refused')
        throw new AppError(
          'unauthenticated',
          `${error.message} Check the secret (ferrum rack secret on the region).`,
        );
      if (!(error instanceof RackSessionError)) throw error;
      failures.push(error.message);
    }
  }
  throw new AppError('rack_unavailable', `No region could be reached: ${failures.join('; ')}`);
}

/** The region is told only that a call failed; its cause is logged here, on the rack. */
function logFailures(handler: RpcHandler, logger: Logger): RpcHandler {
  return (method, params, signal) =>
    handler(method, params, signal).catch((error: unknown) => {
      if (!(error instanceof RpcError) && !(error instanceof AppError))
        logger.error({ err: error, method: method.name }, 'a call of the region failed on this rack');
      throw error;
    });
}

/** What this rack reports of its services until the DHCP and boot issues fill them in. */
function services(power: ServiceReport): ServiceReport[] {
  return [
    { name: 'dhcpd', status: 'off', info: 'DHCP is not managed by this rack yet.' },
    { name: 'dhcpd6', status: 'off', info: 'DHCPv6 is not managed by this rack yet.' },
    { name: 'tftp', status: 'off', info: 'TFTP boot is not served by this rack yet.' },
    { name: 'http', status: 'off', info: 'HTTP boot is not served by this rack yet.' },
    power,
  ];
}

/**
 * The power service as the rack reports it: running, with the power types it runs and the
 * packages it lacks (each with the types that need it), from its `power.describeTypes` answer.
 */
export function powerServiceReport(types: PowerTypesResult): ServiceReport {
  const names = types.powerTypes.map((t) => t.name);
  const needing = new Map<string, string[]>();
  for (const type of types.powerTypes)
    for (const pkg of type.missingPackages) needing.set(pkg, [...(needing.get(pkg) ?? []), type.name]);
  const missing = [...needing].map(([pkg, users]) => `${pkg} (${users.join(', ')})`);
  const info = `${String(names.length)} power type${names.length === 1 ? '' : 's'}: ${names.join(', ')}; ${
    missing.length === 0 ? 'no packages missing' : `missing packages: ${missing.join(', ')}`
  }.`;
  // The RPC takes 1,000 characters of information.
  return { name: 'power', status: 'running', info: info.length > 1000 ? `${info.slice(0, 999)}…` : info };
}

/** The power service's report, or why the rack could not list its drivers. */
async function powerService(knowledge: RackKnowledge): Promise<ServiceReport> {
  try {
    return powerServiceReport(await knowledge.powerTypes());
  } catch (error) {
    return {
      name: 'power',
      status: 'degraded',
      info: `The power drivers could not be listed: ${(error as Error).message}`.slice(0, 1000),
    };
  }
}

/**
 * `ferrum rack start`: the rack controller, connected to its region (reconnecting for as long
 * as it runs), answering the region's calls from its OS registry, image cache and drivers.
 */
export async function startRack(input: {
  readonly config: RackConfig;
  readonly version: string;
  readonly logger: Logger;
  readonly knowledge?: RackKnowledge;
  readonly timings?: RackTimings;
  /** Region URLs to dial instead of those it registered with. */
  readonly urls?: readonly string[];
  /** The region's own certificate, trusted whatever name it is dialled by (the all-in-one rack). */
  readonly pinnedCertificate?: Buffer;
}): Promise<RunningRack> {
  const identity = await readIdentity(input.config.dataDir);
  if (!identity)
    throw AppError.invalid({
      rack: `This rack is not registered (no rack.json in ${input.config.dataDir}): run ferrum rack register --url URL --secret SECRET first.`,
    });
  const ca = await readCa(input.config);
  const knowledge =
    input.knowledge ??
    builtInKnowledge(imageDirOf(input.config), input.logger, {
      power: {
        maxConcurrent: input.config.powerMaxConcurrent,
        maxPerBmc: input.config.powerMaxPerBmc,
      },
    });
  const logger = input.logger.child({ rackId: identity.systemId });
  let power = await powerService(knowledge);
  const link: RegionLink = new RegionLink({
    urls: input.urls ? rpcUrls(input.urls) : identity.urls,
    systemId: identity.systemId,
    credential: identity.credential,
    registration: () => registration(identity.name, input.version),
    handler: logFailures(rackHandler(knowledge), logger),
    services: () => services(power),
    // A program installed (or removed) while the rack runs shows at its next connection.
    onConnected: () => {
      void powerService(knowledge).then((now) => {
        if (now.status === power.status && now.info === power.info) return;
        power = now;
        link.reportServices().catch((error: unknown) => {
          logger.warn({ err: error }, 'reporting services failed');
        });
      });
    },
    logger,
    ...(ca === undefined ? {} : { ca }),
    ...(input.pinnedCertificate === undefined ? {} : { pinnedCertificate: input.pinnedCertificate }),
    ...input.timings,
  });
  link.start();
  logger.info({ name: identity.name, urls: identity.urls }, 'rack started');
  return {
    identity,
    link,
    stop: async () => {
      await link.stop();
      logger.info('rack stopped');
    },
  };
}
