import type { Kysely } from 'kysely';
import { AppError, type NodeStatus } from '@ferrum/domain';
import type { Database, MachineRow } from '../db/schema.js';
import type { ConfigService } from './config-service.js';
import type { EventService } from './event-service.js';
import { statusOf } from './machine-service.js';
import { emptyScriptsTar, type MetadataScripts } from './metadata-scripts.js';
import { scriptRunner } from './metadata-runner.js';
import { poweroffUserData } from './metadata-user-data.js';
import type { NodeCredentials } from './node-credential-service.js';

export interface MetadataServiceDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
  readonly events: EventService;
  readonly scripts: MetadataScripts;
  readonly nowSeconds: () => number;
}

/** A body the metadata API answers with. */
export interface MetadataBody {
  readonly body: string | Buffer;
  readonly contentType: string;
}

/** The meta-data items of MAAS's MetaDataHandler. */
export const metaDataItems = ['instance-id', 'local-hostname', 'public-keys', 'vendor-data'] as const;
export type MetaDataItem = (typeof metaDataItems)[number];

/** Statuses whose user data is the script runner: the machine runs the ephemeral environment. */
const runnerStatuses: ReadonlySet<NodeStatus> = new Set<NodeStatus>([
  'COMMISSIONING',
  'TESTING',
  'ENTERING_RESCUE_MODE',
  'RESCUE_MODE',
  'DISK_ERASING',
  'RELEASING',
]);

/**
 * What a machine reads from the metadata API, as the machine its credentials name: meta-data
 * items, user data by status, its scripts, netboot. Signals and status events are
 * MetadataSignals and MetadataStatusEvents.
 */
export class MetadataService {
  constructor(private readonly deps: MetadataServiceDeps) {}

  /** The items listed at `meta-data/`: public-keys only when the owner has keys (MAAS). */
  async listMetaData(machine: MachineRow): Promise<string[]> {
    const keys = await this.publicKeys(machine);
    const withoutSsh = statusOf(machine) === 'COMMISSIONING' && !machine.enable_ssh;
    return metaDataItems.filter((item) => item !== 'public-keys' || (keys.length > 0 && !withoutSsh));
  }

  async metaData(machine: MachineRow, item: string): Promise<MetadataBody> {
    switch (item as MetaDataItem) {
      case 'instance-id':
        return text(machine.system_id);
      case 'local-hostname':
        return text(await this.fqdn(machine));
      case 'public-keys':
        return text((await this.publicKeys(machine)).join('\n'));
      case 'vendor-data':
        return { body: await this.vendorData(), contentType: 'application/x-yaml; charset=utf-8' };
      default:
        throw new AppError('not_found', `Unknown metadata attribute: ${item}`);
    }
  }

  /**
   * The user data for the machine's status: the script runner (with these credentials, those
   * the request was signed with) in the ephemeral environment; the user's deploy user data
   * while deploying and once deployed (undefined when they gave none: 404, as MAAS); a
   * power-off script in any other status.
   */
  async userData(
    machine: MachineRow,
    credentials: NodeCredentials,
    metadataUrl: string,
  ): Promise<MetadataBody | undefined> {
    const status = statusOf(machine);
    if (runnerStatuses.has(status)) {
      if (status === 'COMMISSIONING')
        await this.deps.events.record({
          type: 'Gathering information',
          level: 'INFO',
          nodeSystemId: machine.system_id,
          nodeHostname: machine.hostname,
        });
      return octets(scriptRunner({ metadataUrl, credentials, status }));
    }
    if (status === 'DEPLOYING' || status === 'DEPLOYED') {
      const row = await this.deps.db
        .selectFrom('machine_user_data')
        .select('data')
        .where('machine_id', '=', machine.id)
        .executeTakeFirst();
      return row ? octets(row.data) : undefined;
    }
    return octets(poweroffUserData());
  }

  /** `maas-scripts`: the tar of the machine's current scripts (an empty index when it has none). */
  async scriptsTar(machine: MachineRow): Promise<Buffer> {
    return (await this.deps.scripts.scriptsTar(machine)) ?? emptyScriptsTar(this.deps.nowSeconds());
  }

  /** `op=netboot_on` / `op=netboot_off`: whether the machine's next boot is from the network. */
  async setNetboot(machine: MachineRow, netboot: boolean): Promise<void> {
    await this.deps.db
      .updateTable('machines')
      .set({ netboot, updated: new Date() })
      .where('id', '=', machine.id)
      .execute();
  }

  private async fqdn(machine: MachineRow): Promise<string> {
    const domain = await this.deps.db
      .selectFrom('domains')
      .select('name')
      .where('id', '=', machine.domain_id)
      .executeTakeFirst();
    return domain ? `${machine.hostname}.${domain.name}` : machine.hostname;
  }

  private async publicKeys(machine: MachineRow): Promise<string[]> {
    if (machine.owner_id === null) return [];
    const rows = await this.deps.db
      .selectFrom('ssh_keys')
      .select('key')
      .where('user_id', '=', machine.owner_id)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.key);
  }

  /** MAAS's vendor data: cloud-config (NTP servers) under `cloud-init`, as YAML. */
  private async vendorData(): Promise<string> {
    const ntp = String((await this.deps.config.get('ntp_servers')) ?? '')
      .split(/[\s,]+/)
      .filter((s) => s !== '');
    const cloudConfig = ['#cloud-config', 'ntp:', '  servers:', ...ntp.map((s) => `  - ${s}`), ''].join('\n');
    // JSON's string escapes are YAML's double-quoted ones.
    return `cloud-init: ${JSON.stringify(cloudConfig)}\n`;
  }
}

const text = (body: string): MetadataBody => ({ body, contentType: 'text/plain; charset=utf-8' });
const octets = (body: string | Buffer): MetadataBody => ({ body, contentType: 'application/octet-stream' });
