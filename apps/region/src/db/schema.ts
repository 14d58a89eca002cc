import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  password_hash: string;
  is_superuser: boolean;
  is_active: Generated<boolean>;
  is_local: Generated<boolean>;
  first_name: Generated<string>;
  last_name: Generated<string>;
  date_joined: Timestamp;
  last_login: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  consumer_key: string;
  token_key: string;
  token_secret: string;
  created: Timestamp;
}

export interface OauthNoncesTable {
  token_key: string;
  nonce: string;
  timestamp: number;
  seen: Timestamp;
}

export interface SshKeysTable {
  id: Generated<number>;
  user_id: number;
  key: string;
  created: Timestamp;
}

export interface NamedObjectTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface TagsTable {
  id: Generated<number>;
  name: string;
  definition: Generated<string>;
  comment: Generated<string>;
  kernel_opts: Generated<string>;
  /** The definition every machine was last evaluated against (migration 0018); null: never. */
  applied_definition: Generated<string | null>;
  created: Timestamp;
  updated: Timestamp;
}

export interface DomainsTable {
  id: Generated<number>;
  name: string;
  authoritative: Generated<boolean>;
  ttl: number | null;
  is_default: Generated<boolean>;
  forward_dns_servers: Generated<string[]>;
  created: Timestamp;
  updated: Timestamp;
}

export interface ConfigTable {
  name: string;
  value: ColumnType<unknown, string, string>;
  updated: Timestamp;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  level: number;
  description: Generated<string>;
  action: Generated<string>;
  username: string | null;
  node_system_id: string | null;
  node_hostname: Generated<string>;
  ip_address: string | null;
  created: Timestamp;
}

export interface RegionStateTable {
  key: string;
  value: string;
}

export interface MachinesTable {
  id: Generated<number>;
  system_id: string;
  hostname: string;
  domain_id: number;
  description: Generated<string>;
  architecture: Generated<string>;
  min_hwe_kernel: Generated<string>;
  hwe_kernel: string | null;
  cpu_count: Generated<number>;
  cpu_speed: Generated<number>;
  memory: Generated<number>;
  swap_size: ColumnType<string | null, number | null | undefined, number | null>;
  status: number;
  previous_status: Generated<number>;
  status_expires: ColumnType<Date | null, Date | null | undefined, Date | null>;
  error_description: Generated<string>;
  osystem: Generated<string>;
  distro_series: Generated<string>;
  netboot: Generated<boolean>;
  ephemeral_deploy: Generated<boolean>;
  power_type: Generated<string>;
  power_parameters: ColumnType<Record<string, string>, string | undefined, string>;
  power_secrets: string | null;
  power_state: Generated<string>;
  power_state_updated: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** When the power poller last claimed the machine (0012). */
  power_state_polled: ColumnType<Date | null, Date | null | undefined, Date | null>;
  owner_id: number | null;
  owner_data: ColumnType<Record<string, string>, string | undefined, string>;
  workload_annotations: ColumnType<Record<string, string>, string | undefined, string>;
  locked: Generated<boolean>;
  agent_name: Generated<string>;
  zone_id: number;
  pool_id: number;
  hardware_uuid: string | null;
  hardware_info: ColumnType<Record<string, string>, string | undefined, string>;
  numa_nodes: ColumnType<NumaNode[], string | undefined, string>;
  bios_boot_method: string | null;
  enable_ssh: Generated<boolean>;
  is_dpu: Generated<boolean>;
  /** Bytes: the sum of the block devices' sizes, kept by triggers (migration 0005). */
  storage_total: Generated<number>;
  /** The link (ip_addresses row) whose subnet's gateway is the default route, per family. */
  gateway_link_ipv4_id: Nullable<string>;
  gateway_link_ipv6_id: Nullable<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface NumaNode {
  readonly index: number;
  readonly cores: readonly number[];
  /** MiB. */
  readonly memory: number;
  /** The node's huge pages, by page size (commissioning's resources document, migration 0015). */
  readonly hugepages?: readonly NumaHugepages[];
}

/** MAAS's NUMANodeHugepages: the page size and the total the node's pages hold, both in bytes. */
export interface NumaHugepages {
  readonly page_size: number;
  readonly total: number;
}

/** A machine's or a device's NIC (exactly one of machine_id, device_id is set). */
export interface InterfacesTable {
  id: Generated<number>;
  machine_id: number | null;
  device_id: ColumnType<number | null, number | null | undefined, number | null>;
  name: string;
  /** physical, bond, bridge, vlan, alias, unknown. */
  type: Generated<string>;
  mac_address: string;
  enabled: Generated<boolean>;
  is_boot: Generated<boolean>;
  tags: Generated<string[]>;
  vendor: string | null;
  product: string | null;
  firmware_version: string | null;
  link_speed: Generated<number>;
  interface_speed: Generated<number>;
  link_connected: Generated<boolean>;
  numa_node: Generated<number>;
  /** SR-IOV virtual functions the NIC supports (0015). */
  sriov_max_vf: Generated<number>;
  vlan_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** MAAS's interface params (mtu, accept_ra, bond_*, bridge_*). */
  params: ColumnType<Record<string, unknown>, string | undefined, string>;
  /** Created for the current allocation: removed at release. */
  for_allocation: Generated<boolean>;
  created: Timestamp;
  updated: Timestamp;
}

export interface InterfaceParentsTable {
  child_id: number;
  parent_id: number;
}

export interface BlockDevicesTable {
  id: Generated<number>;
  machine_id: number;
  name: string;
  type: Generated<string>;
  model: Generated<string>;
  serial: Generated<string>;
  id_path: string | null;
  /** Bytes; bigint comes back from pg as a string. */
  size: ColumnType<string, number | string, number | string>;
  block_size: Generated<number>;
  tags: Generated<string[]>;
  firmware_version: string | null;
  numa_node: Generated<number>;
  created: Timestamp;
}

/** A PCI or USB device of a machine (MAAS's NodeDevice; migration 0017). */
export interface NodeDevicesTable {
  id: Generated<number>;
  machine_id: number;
  /** 1 PCIe, 2 USB (MAAS's NODE_DEVICE_BUS). */
  bus: number;
  /** MAAS's HARDWARE_TYPE: 0 node, 3 storage, 4 network, 5 GPU. */
  hardware_type: Generated<number>;
  numa_node: Generated<number>;
  interface_id: number | null;
  block_device_id: number | null;
  vendor_id: string;
  product_id: string;
  vendor_name: Generated<string>;
  product_name: Generated<string>;
  commissioning_driver: Generated<string>;
  bus_number: number;
  device_number: number;
  /** The PCI address (BDF) of a PCIe device, `bus:device` of a USB one. */
  address: string;
  created: Generated<Timestamp>;
  updated: Generated<Timestamp>;
}

export interface MachineTagsTable {
  machine_id: number;
  tag_id: number;
}

export interface MachineStatusHistoryTable {
  id: Generated<string>;
  machine_id: number;
  from_status: number | null;
  to_status: number;
  username: string | null;
  reason: Generated<string>;
  created: Timestamp;
}

export interface RackControllersTable {
  id: Generated<number>;
  system_id: string;
  hostname: string;
  version: Generated<string>;
  interfaces: ColumnType<unknown[], string | undefined, string>;
  capabilities: Generated<string[]>;
  credential_sealed: string;
  last_seen: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created: Timestamp;
  updated: Timestamp;
  /** What the rack last reported: `[{name, status, info}]`. */
  services: ColumnType<unknown[], string | undefined, string>;
  services_updated: ColumnType<Date | null, Date | null | undefined, Date | null>;
  connected_since: ColumnType<Date | null, Date | null | undefined, Date | null>;
  connected_address: ColumnType<string | null, string | null | undefined, string | null>;
  connected_region: ColumnType<string | null, string | null | undefined, string | null>;
  /** What the rack offered when it connected (RackOffers), or null before it answered. */
  offers: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface LicenseKeysTable {
  id: Generated<number>;
  osystem: string;
  distro_series: string;
  license_key: string;
}

export interface SpacesTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface FabricsTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  class_type: string | null;
  created: Timestamp;
  updated: Timestamp;
}

export interface VlansTable {
  id: Generated<number>;
  fabric_id: number;
  /** 0 is the fabric's untagged VLAN. */
  vid: number;
  name: string | null;
  description: Generated<string>;
  mtu: Generated<number>;
  dhcp_on: Generated<boolean>;
  external_dhcp: Nullable<string>;
  primary_rack_id: Nullable<number>;
  secondary_rack_id: Nullable<number>;
  relay_vlan_id: Nullable<number>;
  space_id: Nullable<number>;
  created: Timestamp;
  updated: Timestamp;
}

export interface SubnetsTable {
  id: Generated<number>;
  name: string;
  description: Generated<string>;
  vlan_id: number;
  /** PostgreSQL cidr, as text: `10.0.0.0/24`, `2001:db8::/64`. */
  cidr: string;
  gateway_ip: Nullable<string>;
  dns_servers: Generated<string[]>;
  /** 0 disabled, 1 enabled, 2 RFC 2317. */
  rdns_mode: Generated<number>;
  allow_dns: Generated<boolean>;
  allow_proxy: Generated<boolean>;
  managed: Generated<boolean>;
  active_discovery: Generated<boolean>;
  disabled_boot_architectures: Generated<string[]>;
  created: Timestamp;
  updated: Timestamp;
}

export interface IpRangesTable {
  id: Generated<number>;
  subnet_id: number;
  /** dynamic or reserved. */
  type: string;
  start_ip: string;
  end_ip: string;
  comment: Generated<string>;
  user_id: Nullable<number>;
  created: Timestamp;
  updated: Timestamp;
}

export interface StaticRoutesTable {
  id: Generated<number>;
  source_id: number;
  destination_id: number;
  gateway_ip: string;
  metric: Generated<number>;
  created: Timestamp;
  updated: Timestamp;
}

export interface ReservedIpsTable {
  id: Generated<number>;
  subnet_id: number;
  ip: string;
  mac_address: Nullable<string>;
  comment: Generated<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface DevicesTable {
  id: Generated<number>;
  system_id: string;
  hostname: string;
  domain_id: number;
  description: Generated<string>;
  owner_id: Nullable<number>;
  owner_data: ColumnType<Record<string, string>, string | undefined, string>;
  workload_annotations: ColumnType<Record<string, string>, string | undefined, string>;
  parent_machine_id: Nullable<number>;
  zone_id: number;
  gateway_link_ipv4_id: Nullable<string>;
  gateway_link_ipv6_id: Nullable<string>;
  created: Timestamp;
  updated: Timestamp;
}

export interface DeviceTagsTable {
  device_id: number;
  tag_id: number;
}

/** MAAS's IPADDRESS_TYPE numbers. */
export const AllocType = { auto: 0, sticky: 1, userReserved: 4, dhcp: 5, discovered: 6 } as const;
export type AllocType = (typeof AllocType)[keyof typeof AllocType];

export interface IpAddressesTable {
  /** bigserial: pg returns it as a string. */
  id: Generated<string>;
  ip: Nullable<string>;
  subnet_id: Nullable<number>;
  alloc_type: number;
  interface_id: Nullable<number>;
  owner_id: Nullable<number>;
  owner_username: Nullable<string>;
  mac_address: Nullable<string>;
  hostname: Nullable<string>;
  /** Class 2: claimed for the current allocation, collected at release. */
  for_allocation: Generated<boolean>;
  lease_time: Nullable<number>;
  last_seen: Nullable<Date>;
  created: Timestamp;
  updated: Timestamp;
}

export interface NetworkChangesTable {
  id: Generated<string>;
  /** xid8 of the writing transaction, as text. */
  tx: Generated<string>;
  kind: string;
  subnet_id: Nullable<number>;
  vlan_id: Nullable<number>;
  payload: ColumnType<unknown, string, string>;
  created: Timestamp;
}

export interface NetworkChangePositionsTable {
  consumer: string;
  tx: string;
  updated: Timestamp;
}

export interface RegionControllersTable {
  id: Generated<number>;
  system_id: string;
  hostname: string;
  pid: number;
  version: string;
  url: Generated<string>;
  started: Timestamp;
  last_seen: Timestamp;
}

/** A machine's metadata API credentials (0014); see NodeCredentialService. */
export interface NodeCredentialsTable {
  machine_id: number;
  consumer_key: string;
  token_key: string;
  /** SHA-256 of the token secret, hex: what requests are checked against. */
  token_secret_hash: string;
  /** The token secret sealed with the region's key: what the preseed hands out. */
  token_secret_sealed: string;
  /** SHA-256 of the current boot's one-time token, hex; null once used. */
  boot_token_hash: Nullable<string>;
  boot_token_expires: Nullable<Date>;
  preseed_served: Nullable<Date>;
  created: Timestamp;
}

/** The user data given to `op=deploy` (0014). */
export interface MachineUserDataTable {
  machine_id: number;
  data: Buffer;
  updated: Timestamp;
}

/** A stored script's settings (0013); its text is in script_versions. */
export interface ScriptsTable {
  id: Generated<number>;
  name: string;
  title: Generated<string>;
  description: Generated<string>;
  tags: Generated<string[]>;
  /** MAAS's numbers: 0 commissioning, 2 testing, 3 release, 4 deployment. */
  script_type: number;
  hardware_type: Generated<number>;
  parallel: Generated<number>;
  timeout_seconds: Generated<number>;
  destructive: Generated<boolean>;
  may_reboot: Generated<boolean>;
  recommission: Generated<boolean>;
  packages: ColumnType<Record<string, unknown>, string | undefined, string>;
  for_hardware: Generated<string[]>;
  parameters: ColumnType<Record<string, unknown>, string | undefined, string>;
  results: ColumnType<unknown, string | undefined, string>;
  apply_configured_networking: Generated<boolean>;
  is_default: Generated<boolean>;
  current_version_id: Nullable<number>;
  created: Timestamp;
  updated: Timestamp;
}

export interface ScriptVersionsTable {
  id: Generated<number>;
  script_id: number;
  data: string;
  comment: Generated<string>;
  created: Timestamp;
}

export interface ScriptSetsTable {
  id: Generated<number>;
  machine_id: number;
  /** 0 commissioning, 1 installation, 2 testing, 3 release. */
  result_type: number;
  requested_scripts: Generated<string[]>;
  skip_bmc_config: Generated<boolean>;
  skip_networking: Generated<boolean>;
  skip_storage: Generated<boolean>;
  created: Timestamp;
  last_ping: Nullable<Date>;
}

export interface ScriptResultsTable {
  id: Generated<number>;
  script_set_id: number;
  script_id: Nullable<number>;
  script_version_id: Nullable<number>;
  script_name: string;
  /** MAAS's SCRIPT_STATUS number. */
  status: Generated<number>;
  exit_status: Nullable<number>;
  started: Nullable<Date>;
  ended: Nullable<Date>;
  runtime_seconds: Nullable<number>;
  output: Generated<Buffer>;
  stdout: Generated<Buffer>;
  stderr: Generated<Buffer>;
  result: Generated<Buffer>;
  parameters: ColumnType<Record<string, unknown>, string | undefined, string>;
  suppressed: Generated<boolean>;
  physical_blockdevice_id: Nullable<number>;
  interface_id: Nullable<number>;
  created: Timestamp;
  updated: Timestamp;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  oauth_nonces: OauthNoncesTable;
  ssh_keys: SshKeysTable;
  zones: NamedObjectTable;
  resource_pools: NamedObjectTable;
  tags: TagsTable;
  domains: DomainsTable;
  config: ConfigTable;
  events: EventsTable;
  region_state: RegionStateTable;
  rack_controllers: RackControllersTable;
  license_keys: LicenseKeysTable;
  region_controllers: RegionControllersTable;
  machines: MachinesTable;
  interfaces: InterfacesTable;
  interface_parents: InterfaceParentsTable;
  spaces: SpacesTable;
  fabrics: FabricsTable;
  vlans: VlansTable;
  subnets: SubnetsTable;
  ip_ranges: IpRangesTable;
  static_routes: StaticRoutesTable;
  reserved_ips: ReservedIpsTable;
  devices: DevicesTable;
  device_tags: DeviceTagsTable;
  ip_addresses: IpAddressesTable;
  network_changes: NetworkChangesTable;
  network_change_positions: NetworkChangePositionsTable;
  block_devices: BlockDevicesTable;
  node_devices: NodeDevicesTable;
  machine_tags: MachineTagsTable;
  machine_status_history: MachineStatusHistoryTable;
  scripts: ScriptsTable;
  script_versions: ScriptVersionsTable;
  script_sets: ScriptSetsTable;
  script_results: ScriptResultsTable;
  node_credentials: NodeCredentialsTable;
  machine_user_data: MachineUserDataTable;
}

export type UserRow = Selectable<UsersTable>;
export type TokenRow = Selectable<ApiTokensTable>;
export type NamedObjectRow = Selectable<NamedObjectTable>;
export type TagRow = Selectable<TagsTable>;
export type DomainRow = Selectable<DomainsTable>;
export type EventRow = Selectable<EventsTable>;
export type SshKeyRow = Selectable<SshKeysTable>;
export type MachineRow = Selectable<MachinesTable>;
export type NodeDeviceRow = Selectable<NodeDevicesTable>;
export type InterfaceRow = Selectable<InterfacesTable>;
export type SpaceRow = Selectable<SpacesTable>;
export type FabricRow = Selectable<FabricsTable>;
export type VlanRow = Selectable<VlansTable>;
export type SubnetRow = Selectable<SubnetsTable>;
export type IpRangeRow = Selectable<IpRangesTable>;
export type StaticRouteRow = Selectable<StaticRoutesTable>;
export type ReservedIpRow = Selectable<ReservedIpsTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type IpAddressRow = Selectable<IpAddressesTable>;
export type BlockDeviceRow = Selectable<BlockDevicesTable>;
export type ScriptRow = Selectable<ScriptsTable>;
export type ScriptVersionRow = Selectable<ScriptVersionsTable>;
export type ScriptSetRow = Selectable<ScriptSetsTable>;
export type ScriptResultRow = Selectable<ScriptResultsTable>;
