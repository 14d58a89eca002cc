import type { FastifyInstance } from 'fastify';
import { AppError } from '@ferrum/domain';
import type { Logger } from '@ferrum/kit';
import type { RegionConfig } from './config.js';
import { availableParallelism } from 'node:os';
import { buildApp } from './app.js';
import { MachinePageWorkers } from './http/maas/machine-page-workers.js';
import { inlineMachinePages } from './http/maas/machine-pages.js';
import { attachRpcServer } from './rpc/rpc-server.js';
import { RackConnections } from './rpc/rack-connections.js';
import { PowerPoller } from './jobs/power-poller.js';
import type { RackCaller } from './services/rack-caller.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { RegionPresence } from './jobs/region-presence.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { openDatabaseTarget, type DatabaseTarget } from './database-target.js';
import { loadOrCreateSecretKey, SecretBox } from './services/secret-box.js';
import { TimeoutMonitor } from './jobs/timeout-monitor.js';
import { NetworkChangePruner } from './jobs/network-change-pruner.js';
import { JobQueue } from './jobs/job-queue.js';
import { POWER_ATTEMPTS, POWER_QUEUE, type PowerJob } from './services/power-service.js';
import { createServices, type Services } from './services/services.js';

export interface RunningRegion {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly url: string;
  /** The same, by address, as a process on this host reaches it (a wildcard bind by loopback). */
  readonly loopbackUrl: string;
  stop(): Promise<void>;
}

export interface RegionContext {
  readonly services: Services;
  readonly database: DatabaseHandle;
  readonly target: DatabaseTarget;
  close(): Promise<void>;
}

/** Opens the region's database (embedded or DATABASE_URL) and brings its schema up to date. */
export async function openRegionContext(
  config: RegionConfig,
  logger: Logger,
  exclusive: boolean,
  options: { readonly jobs?: boolean; readonly rackCaller?: RackCaller } = {},
): Promise<RegionContext> {
  // BMC secrets are encrypted with a key kept in the data dir, apart from the database.
  const secrets = new SecretBox(await loadOrCreateSecretKey(config.dataDir));
  const target = await openDatabaseTarget({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    logger,
    exclusive,
    maxConnections: config.dbPoolSize + 50,
  });
  const database = openDatabase(target.url, config.dbPoolSize, config.dbPreparedStatements === 'on');
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } catch (error) {
    await database.close();
    await target.release();
    throw error;
  }
  // The running region works the job queue; one-shot commands (createadmin, status) do not.
  let jobs: JobQueue | undefined;
  let services: Services;
  try {
    if (options.jobs) {
      jobs = new JobQueue({ pool: database.pool, logger });
      await jobs.start();
      await jobs.defineQueue(POWER_QUEUE, {
        retryLimit: POWER_ATTEMPTS - 1,
        retryDelaySeconds: 5,
        retryBackoff: true,
        expireInSeconds: 300,
      });
    }
    services = createServices({
      db: database.db,
      secrets,
      ...(jobs ? { powerQueue: jobs } : {}),
      ...(options.rackCaller ? { rackCaller: options.rackCaller } : {}),
    });
    // Power work waits on racks, not on this process: many run at once (the racks bound their own).
    await jobs?.work<PowerJob>(
      POWER_QUEUE,
      (job, context) =>
        services.power.run(job.systemId, job.work, { number: context.retryCount + 1, of: POWER_ATTEMPTS }),
      { concurrency: 32 },
    );
  } catch (error) {
    await jobs?.stop();
    await database.close();
    await target.release();
    throw error;
  }
  return {
    services,
    database,
    target,
    close: async () => {
      // The queue uses the pool: it stops (running work finished) before the pool closes.
      await jobs?.stop();
      await database.close();
      await target.release();
    },
  };
}

/** Starts the all-in-one region: database, migrations, HTTP on the configured port. */
export async function startRegion(
  config: RegionConfig,
  logger: Logger,
  version: string,
): Promise<RunningRegion> {
  const startedAt = Date.now();
  // Before the database starts: a bad certificate must not leave PostgreSQL running.
  const tls = await readTls(config);
  const connections = new RackConnections();
  const context = await openRegionContext(config, logger, true, { jobs: true, rackCaller: connections });
  // A wildcard bind is reached as localhost from this machine (by loopback, for a process).
  const wildcard = config.bindAddress === '0.0.0.0' || config.bindAddress === '::';
  const host = wildcard ? 'localhost' : config.bindAddress;
  const loopbackHost =
    config.bindAddress === '0.0.0.0' ? '127.0.0.1' : config.bindAddress === '::' ? '::1' : host;
  const scheme = tls ? 'https' : 'http';
  const urlOf = (name: string, port: number | string) =>
    `${scheme}://${name.includes(':') ? `[${name}]` : name}:${String(port)}/MAAS/`;
  let url = urlOf(host, config.httpPort);
  let port: number = config.httpPort;
  let app: FastifyInstance;
  let machinePages: MachinePageWorkers | undefined;
  try {
    // The racks' shared secret exists from the region's first start (ferrum rack secret prints it).
    await context.services.racks.sharedSecret();
    // The built-in commissioning and testing scripts exist, in this release's versions, before
    // any machine can be commissioned (idempotent; concurrent regions take turns on a lock).
    const builtins = await context.services.scripts.ensureBuiltins();
    if (builtins.created.length + builtins.updated.length > 0)
      logger.info({ created: builtins.created.length, updated: builtins.updated }, 'built-in scripts seeded');
    if (builtins.clashes.length > 0)
      logger.warn(
        { scripts: builtins.clashes },
        'user scripts hold the names of built-in scripts: those built-ins are not installed',
      );
    // Long machine lists are read and serialised on worker threads, one per core (at most 4),
    // each with a small pool of its own; on the event loop while none is running.
    machinePages = new MachinePageWorkers({
      databaseUrl: context.target.url,
      poolSize: 2,
      prepare: config.dbPreparedStatements === 'on',
      workers: Math.max(1, Math.min(4, availableParallelism())),
      logger,
      fallback: inlineMachinePages(context.services.machines),
    });
    app = await buildApp({
      services: context.services,
      pool: context.database.pool,
      logger,
      version,
      startedAt,
      url: () => url,
      machinePages,
      ...(tls ? { tls } : {}),
    });
    await app.listen({ port: config.httpPort, host: config.bindAddress });
    const address = app.server.address();
    if (address && typeof address === 'object') {
      port = address.port;
      url = urlOf(host, port);
    }
  } catch (error) {
    await machinePages?.close();
    await context.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new AppError(
        'conflict',
        `Port ${config.httpPort} on ${config.bindAddress} is already in use: stop what listens there or set FERRUM_HTTP_PORT.`,
      );
    if (code === 'EACCES')
      throw new AppError(
        'forbidden',
        `Not allowed to listen on port ${config.httpPort} (ports below 1024 need root or CAP_NET_BIND_SERVICE).`,
      );
    if (code === 'EADDRNOTAVAIL')
      throw new AppError(
        'validation_failed',
        `FERRUM_BIND_ADDRESS ${config.bindAddress} is not an address of this machine.`,
      );
    throw error;
  }
  const pages = machinePages;
  // This process in regioncontrollers/; its system_id also marks the rack connections it holds.
  const presence = new RegionPresence({
    regions: context.services.regions,
    logger,
    info: { hostname: hostname(), pid: process.pid, version, url },
  });
  await presence.start();
  const rpc = attachRpcServer(app.server, {
    racks: context.services.racks,
    connections,
    regionId: presence.systemId ?? randomUUID(),
    logger,
  });
  const purge = setInterval(() => {
    context.services.tokens.purgeNonces().catch((error: unknown) => {
      logger.warn({ err: error }, 'nonce purge failed');
    });
  }, 60_000);
  purge.unref();
  const monitor = new TimeoutMonitor(context.services.lifecycle, logger);
  monitor.start();
  const pruner = new NetworkChangePruner(context.services.networkChanges, logger);
  pruner.start();
  const poller = new PowerPoller({
    db: context.database.db,
    power: context.services.power,
    types: context.services.powerTypes,
    racks: connections,
    logger: logger.child({ service: 'power-poller' }),
    intervalMs: config.powerPollInterval * 1000,
  });
  poller.start();
  // Automatic tags a region stopped evaluating midway (or never started on) are taken up again.
  await context.services.tagApplier.start(logger.child({ service: 'tags' }));
  logger.info({ url, database: context.target.kind, ms: Date.now() - startedAt }, 'region ready');
  let stopping: Promise<void> | undefined;
  return {
    app,
    services: context.services,
    url,
    loopbackUrl: urlOf(loopbackHost, port),
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(purge);
        await monitor.stop();
        await pruner.stop();
        await poller.stop();
        await context.services.tagApplier.stop();
        await rpc.close();
        await presence.stop();
        await closeServer(app, logger);
        await pages.close();
        await context.close();
      })()),
  };
}

/**
 * The region's certificate and key, when it has them (FERRUM_TLS_CERT_FILE/KEY_FILE), checked
 * to be a readable PEM pair before anything listens.
 */
async function readTls(config: RegionConfig): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) return undefined;
  const read = async (path: string, setting: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw AppError.invalid({ [setting]: `cannot read ${path}: ${(error as Error).message}` });
    }
  };
  const cert = await read(config.tlsCertFile, 'FERRUM_TLS_CERT_FILE');
  const key = await read(config.tlsKeyFile, 'FERRUM_TLS_KEY_FILE');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw AppError.invalid({
      FERRUM_TLS_CERT_FILE: `${config.tlsCertFile} and ${config.tlsKeyFile} are not a PEM certificate and its key: ${(error as Error).message}`,
    });
  }
  return { cert, key };
}

/** How long requests in flight may take to finish when the region stops. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Closes the HTTP server: no new requests; those in flight may finish for `CLOSE_GRACE_MS`, after
 * which their connections are cut (a client that stopped reading a long list would otherwise
 * hold the stop forever, and with it the database).
 */
async function closeServer(app: FastifyInstance, logger: Logger): Promise<void> {
  const timer = setTimeout(() => {
    logger.warn({ graceMs: CLOSE_GRACE_MS }, 'cutting connections still open at stop');
    app.server.closeAllConnections();
  }, CLOSE_GRACE_MS);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
