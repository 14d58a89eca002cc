import type { Kysely } from 'kysely';
import { AppError } from '@ferrum/domain';
import type { Database } from '../db/schema.js';
import { ConfigService } from './config-service.js';
import { DatabaseStatusService } from './database-status-service.js';
import { DomainService } from './domain-service.js';
import { EventService } from './event-service.js';
import { NamedObjectService, poolKind, zoneKind } from './named-object-service.js';
import { SshKeyService } from './ssh-key-service.js';
import { TagService } from './tag-service.js';
import { TagApplier } from './tag-applier.js';
import { TokenService } from './token-service.js';
import { UserService } from './user-service.js';
import { MachineService } from './machine-service.js';
import { visibleTo } from './machine-filters.js';
import { MachineLifecycle } from './machine-lifecycle.js';
import { MachineAllocator } from './machine-allocator.js';
import { PowerService, type PowerQueue } from './power-service.js';
import { RackService } from './rack-service.js';
import { RegionControllerService } from './region-controller-service.js';
import { OsService } from './os-service.js';
import { LicenseKeyService } from './license-key-service.js';
import { noRacks, type RackCaller } from './rack-caller.js';
import { PowerTypeRegistry } from '../power/power-type-registry.js';
import { NetworkChanges } from './network-changes.js';
import { FabricService } from './fabric-service.js';
import { VlanService } from './vlan-service.js';
import { SpaceService } from './space-service.js';
import { IpAllocator } from './ip-allocator.js';
import { IpAddressService } from './ip-address-service.js';
import { AddressOverview } from './address-overview.js';
import { SubnetAddressService } from './subnet-address-service.js';
import { SubnetService } from './subnet-service.js';
import { IpRangeService } from './ip-range-service.js';
import { StaticRouteService } from './static-route-service.js';
import { ReservedIpService } from './reserved-ip-service.js';
import { DeviceService } from './device-service.js';
import { NodeAddresses } from './node-addresses.js';
import { InterfaceService } from './interface-service.js';
import { NodeCredentialService } from './node-credential-service.js';
import { MetadataService } from './metadata-service.js';
import { MetadataSignals } from './metadata-signals.js';
import { MetadataStatusEvents } from './metadata-status-events.js';
import type { MetadataScripts } from './metadata-scripts.js';
import { MetadataScriptStore } from './metadata-script-store.js';
import { ScriptService } from './script-service.js';
import { ScriptResultService } from './script-result-service.js';
import { NodeDeviceService } from './node-device-service.js';
import { ScriptSetPlanner } from './script-runs.js';
import type { HardwareSink } from './metadata-hardware.js';
import { HardwareInventory } from './hardware-inventory.js';
import { MachineEnlistment } from './machine-enlistment.js';

export interface Services {
  readonly databaseStatus: DatabaseStatusService;
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly events: EventService;
  readonly config: ConfigService;
  readonly zones: NamedObjectService;
  readonly pools: NamedObjectService;
  readonly tags: TagService;
  readonly domains: DomainService;
  readonly sshKeys: SshKeyService;
  readonly machines: MachineService;
  readonly lifecycle: MachineLifecycle;
  readonly allocator: MachineAllocator;
  readonly power: PowerService;
  /** The power types Ferrum knows (their settings, whether they can be queried). */
  readonly powerTypes: PowerTypeRegistry;
  readonly racks: RackService;
  readonly regions: RegionControllerService;
  /** The connected racks, to call (fan-outs: OS registry, power types, images). */
  readonly rackCaller: RackCaller;
  readonly os: OsService;
  readonly licenseKeys: LicenseKeyService;
  /** The outbox of changes that affect DHCP host entries and DNS records. */
  readonly networkChanges: NetworkChanges;
  readonly fabrics: FabricService;
  readonly vlans: VlanService;
  readonly spaces: SpaceService;
  /** Picks free addresses of subnets (deploy, link_subnet, ipaddresses/?op=reserve). */
  readonly ipAllocator: IpAllocator;
  readonly ipAddresses: IpAddressService;
  readonly addressOverview: AddressOverview;
  readonly subnetAddresses: SubnetAddressService;
  readonly subnets: SubnetService;
  readonly ipRanges: IpRangeService;
  readonly staticRoutes: StaticRouteService;
  readonly reservedIps: ReservedIpService;
  /** Devices: nodes that hold addresses but are not deployed (Juju's containers). */
  readonly devices: DeviceService;
  /** Interfaces of machines and devices and their links to subnets. */
  readonly interfaces: InterfaceService;
  /** Machines' metadata API credentials and boot tokens. */
  readonly nodeCredentials: NodeCredentialService;
  /** What machines read from the metadata API (meta-data, user-data, scripts, netboot). */
  readonly metadata: MetadataService;
  /** `op=signal` from machines: script results and the end of their work. */
  readonly metadataSignals: MetadataSignals;
  /** The cloud-init/curtin status webhook. */
  readonly metadataStatusEvents: MetadataStatusEvents;
  /** Machines announcing themselves (anonymous POST machines/): de-duplicated, maybe commissioned. */
  readonly enlistment: MachineEnlistment;
  /** Scripts as data (commissioning, testing, release), built-in ones seeded by ensureBuiltins. */
  readonly scripts: ScriptService;
  /** Machines' script sets and results, as the results API reads them. */
  readonly scriptResults: ScriptResultService;
  readonly tagApplier: TagApplier;
  readonly nodeDevices: NodeDeviceService;
  /** Creates the script sets of commissioning, testing and deployment (and checks requests for them). */
  readonly scriptRuns: ScriptSetPlanner;
}

/** Encrypts secrets (BMC passwords) at rest; the region's is keyed by a file in the data dir. */
export interface SecretSealer {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

export interface ServiceDeps {
  readonly db: Kysely<Database>;
  readonly nowSeconds?: () => number;
  readonly secrets: SecretSealer;
  /** The job queue for power work; without one, power work runs at once (see PowerService). */
  readonly powerQueue?: PowerQueue;
  /** The racks connected to this region process; none for one-shot commands. */
  readonly rackCaller?: RackCaller;
}

export function createServices({
  db,
  nowSeconds = () => Math.floor(Date.now() / 1000),
  secrets,
  powerQueue,
  rackCaller = noRacks,
}: ServiceDeps): Services {
  // A user reads the events of the machines they may see: their own and those nobody owns.
  const events = new EventService(db, (eb, viewer) => {
    const visible = visibleTo(viewer);
    const machines = eb.selectFrom('machines').select('machines.system_id');
    return eb('events.node_system_id', 'in', visible ? machines.where(visible) : machines);
  });
  const common = { db, events };
  const networkChanges = new NetworkChanges(db);
  const ipAllocator = new IpAllocator({ db });
  const nodeAddresses = new NodeAddresses({ events, networkChanges, allocator: ipAllocator });
  const config = new ConfigService(common);
  const tagApplier = new TagApplier({ db });
  const racks = new RackService({ db, events, secrets });
  const os = new OsService({
    racks: rackCaller,
    elsewhere: () => racks.offersElsewhere(rackCaller.regionId),
  });
  const nodeTimeoutMinutes = async (trx?: Kysely<Database>) => Number(await config.get('node_timeout', trx));
  const powerTypes = new PowerTypeRegistry();
  const machines = new MachineService({
    db,
    powerTypes,
    events,
    addresses: nodeAddresses,
    nodeTimeoutMinutes,
    sealSecrets: (values) =>
      Object.keys(values).length === 0 ? null : secrets.encrypt(JSON.stringify(values)),
    openSecrets: (sealed) => JSON.parse(secrets.decrypt(sealed)) as Record<string, string>,
  });
  // The lifecycle queues power work; a rack that reaches the BMC does it, and the power
  // service reports back when a status waits for it.
  const power: PowerService = new PowerService({
    db,
    queue: powerQueue,
    events,
    types: powerTypes,
    racks: rackCaller,
    parameters: (row) => machines.powerParameters(row),
    confirmed: async (systemId) => {
      await lifecycle.complete(systemId, 'succeeded');
    },
    failed: async (systemId, description) => {
      try {
        await lifecycle.complete(systemId, 'failed', description);
      } catch (error) {
        // The machine moved on meanwhile (aborted, released): nothing waits for this work now.
        if (!(error instanceof AppError && error.code === 'invalid_transition')) throw error;
      }
    },
  });
  const nodeCredentials = new NodeCredentialService({ db, events, secrets, nowSeconds });
  const scriptRuns = new ScriptSetPlanner({
    db,
    keep: async (trx, types) => {
      const values = await config.getMany(
        types.map((t) => `max_node_${t}_results` as const),
        trx,
      );
      return Object.fromEntries(types.map((t) => [t, Number(values[`max_node_${t}_results`])])) as Record<
        (typeof types)[number],
        number
      >;
    },
  });
  const lifecycle: MachineLifecycle = new MachineLifecycle({
    statusChanged: (trx, machineIds, to) => nodeCredentials.statusChanged(trx, machineIds, to),
    scriptRuns,
    db,
    events,
    addresses: nodeAddresses,
    power,
    nodeTimeoutMinutes,
    eraseDefaults: async () => ({
      onRelease: (await config.get('enable_disk_erasing_on_release')) === true,
      secure: (await config.get('disk_erase_with_secure_erase')) === true,
      quick: (await config.get('disk_erase_with_quick_erase')) === true,
    }),
    deployDefaults: async () => ({
      osystem: String(await config.get('default_osystem')),
      distroSeries: String(await config.get('default_distro_series')),
    }),
    checkInstallable: (osystem, distroSeries, options) => os.checkInstallable(osystem, distroSeries, options),
  });
  // The scripts and hardware services plug in here (their default: no scripts, no inventory).
  const metadataScripts: MetadataScripts = new MetadataScriptStore({ db, nowSeconds });
  const hardwareSink: HardwareSink = new HardwareInventory({ db, events, networkChanges });
  return {
    enlistment: new MachineEnlistment({
      db,
      machines,
      lifecycle,
      events,
      enlistCommissioning: async () => (await config.get('enlist_commissioning')) === true,
    }),
    nodeCredentials,
    scripts: new ScriptService({ db }),
    scriptResults: new ScriptResultService({ db }),
    nodeDevices: new NodeDeviceService({ db }),
    scriptRuns,
    metadata: new MetadataService({ db, config, events, scripts: metadataScripts, nowSeconds }),
    metadataSignals: new MetadataSignals({
      db,
      lifecycle,
      machines,
      events,
      scripts: metadataScripts,
      hardware: hardwareSink,
      tags: tagApplier,
      nodeTimeoutMinutes: () => nodeTimeoutMinutes(),
    }),
    metadataStatusEvents: new MetadataStatusEvents({ lifecycle, events, scripts: metadataScripts }),
    machines,
    lifecycle,
    allocator: new MachineAllocator({
      db,
      lifecycle,
      checkInstallable: (osystem, distroSeries) => os.checkInstallable(osystem, distroSeries),
    }),
    power,
    powerTypes,
    databaseStatus: new DatabaseStatusService(db),
    events,
    users: new UserService(common),
    tokens: new TokenService({ db, nowSeconds }),
    config,
    zones: new NamedObjectService(zoneKind, common),
    pools: new NamedObjectService(poolKind, common),
    tags: new TagService({ ...common, applier: tagApplier }),
    tagApplier,
    domains: new DomainService(common),
    sshKeys: new SshKeyService(common),
    racks,
    regions: new RegionControllerService({ db, events }),
    rackCaller,
    os,
    licenseKeys: new LicenseKeyService({ db, events, os }),
    networkChanges,
    fabrics: new FabricService({ db, events, networkChanges }),
    vlans: new VlanService({ db, events, networkChanges }),
    spaces: new SpaceService(common),
    ipAllocator,
    ipAddresses: new IpAddressService({ db, allocator: ipAllocator, networkChanges }),
    addressOverview: new AddressOverview({ db }),
    subnetAddresses: new SubnetAddressService({ db }),
    subnets: new SubnetService({ db, events, networkChanges }),
    ipRanges: new IpRangeService({ db, events, networkChanges }),
    staticRoutes: new StaticRouteService(common),
    reservedIps: new ReservedIpService({ db, events, networkChanges }),
    devices: new DeviceService({ db, events, networkChanges }),
    interfaces: new InterfaceService({ db, events, networkChanges, allocator: ipAllocator }),
  };
}
