import { Type } from '@sinclair/typebox';
import { rpcMethod, MethodTable } from './rpc-method.js';

// The region⇄rack methods (reference maas-internals.md §4 lists what MAAS's RPC carries).
// Names are `<area>.<verb>`; every schema refuses properties it does not declare, so a typo
// or a field from a newer peer is an error rather than silently ignored.

const strict = { additionalProperties: false } as const;
/** No NUL: PostgreSQL text cannot hold one, and no name or message needs it. */
const noNul = '^[^\\u0000]*$';
const name = Type.String({ minLength: 1, maxLength: 255, pattern: noNul });
const mac = Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' });
/** An address with its prefix, e.g. `192.168.1.10/24` or `fe80::1/64`. */
const cidrAddress = Type.String({ minLength: 3, maxLength: 64, pattern: noNul });

const challenge = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
const proof = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' });
const version = Type.Integer({ minimum: 1 });

export const handshakeHello = rpcMethod({
  name: 'handshake.hello',
  answeredBy: 'region',
  since: 1,
  doc:
    "The rack's first call: the versions it speaks, its fresh challenge, and its system_id when it has registered " +
    '(then it proves its own credential; else the shared secret). The region answers the version agreed, its own ' +
    'fresh challenge and its proof over both.',
  params: Type.Object(
    {
      versions: Type.Object({ min: version, max: version }, strict),
      challenge,
      systemId: Type.Optional(Type.String({ pattern: '^[a-z0-9]{6,}$' })),
    },
    strict,
  ),
  result: Type.Object({ version, challenge, proof }, strict),
  errors: ['unauthenticated', 'validation_failed'],
});

export const handshakeProve = rpcMethod({
  name: 'handshake.prove',
  answeredBy: 'region',
  since: 1,
  doc: "The rack's proof over both challenges; the region answers once it holds, and the connection is open.",
  params: Type.Object({ proof }, strict),
  result: Type.Object({}, strict),
  errors: ['unauthenticated'],
});

export const rackRegister = rpcMethod({
  name: 'rack.register',
  answeredBy: 'region',
  since: 1,
  doc: 'Registers the rack (or finds it again by its system_id): answers its identity and the credential it uses from then on.',
  params: Type.Object(
    {
      /** The rack's system_id when it has registered before, else absent. */
      systemId: Type.Optional(Type.String({ pattern: '^[a-z0-9]{6,}$' })),
      hostname: name,
      version: Type.String({ minLength: 1, maxLength: 64, pattern: noNul }),
      interfaces: Type.Array(
        Type.Object({ name, mac, addresses: Type.Array(cidrAddress, { maxItems: 64 }) }, strict),
        { maxItems: 256 },
      ),
      capabilities: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: noNul }), {
        maxItems: 64,
      }),
    },
    strict,
  ),
  result: Type.Object(
    {
      systemId: Type.String(),
      /**
       * A rack's new credential, sealed under the connection's key (handshake.ts sealCredential):
       * only when it registered with the shared secret; a rack proving its own keeps it.
       */
      credential: Type.Optional(Type.String({ minLength: 32, maxLength: 1000 })),
    },
    strict,
  ),
  errors: ['validation_failed', 'conflict'],
});

const serviceStatus = Type.Union([
  Type.Literal('running'),
  Type.Literal('degraded'),
  Type.Literal('dead'),
  Type.Literal('off'),
  Type.Literal('unknown'),
]);

export const rackReportServices = rpcMethod({
  name: 'rack.reportServices',
  answeredBy: 'region',
  since: 1,
  doc: "The rack's services (dhcp, tftp, http, power, …) with their status and a line of information.",
  params: Type.Object(
    {
      services: Type.Array(
        Type.Object(
          { name, status: serviceStatus, info: Type.String({ maxLength: 1000, pattern: noNul }) },
          strict,
        ),
        { maxItems: 32 },
      ),
    },
    strict,
  ),
  result: Type.Object({}, strict),
  errors: ['validation_failed'],
});

const release = Type.Object(
  {
    name,
    title: Type.String({ maxLength: 255 }),
    requiresLicenseKey: Type.Boolean(),
    canCommission: Type.Boolean(),
  },
  strict,
);

export const osList = rpcMethod({
  name: 'os.list',
  answeredBy: 'rack',
  since: 1,
  doc: 'The operating systems this rack can install, from its boot-image cache and built-in OS families.',
  params: Type.Object({}, strict),
  result: Type.Object(
    {
      osystems: Type.Array(
        Type.Object(
          {
            name,
            title: Type.String({ maxLength: 255 }),
            releases: Type.Array(release, { maxItems: 1000 }),
            defaultRelease: Type.String({ maxLength: 255 }),
            defaultCommissioningRelease: Type.String({ maxLength: 255 }),
          },
          strict,
        ),
        { maxItems: 100 },
      ),
    },
    strict,
  ),
  errors: [],
});

export const osReleaseTitle = rpcMethod({
  name: 'os.releaseTitle',
  answeredBy: 'rack',
  since: 1,
  doc: 'A release\'s title (`ubuntu`, `noble` → `Ubuntu 24.04 LTS "Noble Numbat"`); empty when unknown.',
  params: Type.Object({ osystem: name, release: name }, strict),
  result: Type.Object({ title: Type.String({ maxLength: 255 }) }, strict),
  errors: ['not_found'],
});

export const osValidateLicenseKey = rpcMethod({
  name: 'os.validateLicenseKey',
  answeredBy: 'rack',
  since: 1,
  doc: 'Whether a license key is valid for an OS release (e.g. Windows).',
  params: Type.Object({ osystem: name, release: name, key: Type.String({ maxLength: 1000 }) }, strict),
  result: Type.Object({ valid: Type.Boolean() }, strict),
  errors: ['not_found'],
});

export const archList = rpcMethod({
  name: 'arch.list',
  answeredBy: 'rack',
  since: 1,
  doc: 'The architectures (`amd64/generic`, …) the rack holds boot images for.',
  params: Type.Object({}, strict),
  result: Type.Object({ architectures: Type.Array(name, { maxItems: 1000 }) }, strict),
  errors: [],
});

const bootImage = Type.Object(
  {
    osystem: name,
    /** `amd64`, `arm64`, … */
    architecture: name,
    /** `generic`, `ga-24.04`, `hwe-22.04`, … */
    subarchitecture: name,
    release: name,
    /** The stream label: `stable`, `candidate`, `daily`, … */
    label: name,
    /** The files of the image set, relative to its directory. */
    files: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 64 }),
  },
  strict,
);

export const imagesList = rpcMethod({
  name: 'images.list',
  answeredBy: 'rack',
  since: 1,
  doc: "The boot images the rack's image cache holds (MAAS's `ListBootImages`).",
  params: Type.Object({}, strict),
  result: Type.Object({ images: Type.Array(bootImage, { maxItems: 10_000 }) }, strict),
  errors: [],
});

const powerField = Type.Object(
  {
    name,
    label: Type.String({ maxLength: 255 }),
    required: Type.Boolean(),
    /** MAAS's `field_type`. */
    fieldType: Type.Union([Type.Literal('string'), Type.Literal('password'), Type.Literal('choice')]),
    /** `[value, label]` pairs of a choice field; empty otherwise. */
    choices: Type.Array(Type.Tuple([Type.String(), Type.String()]), { maxItems: 256 }),
    default: Type.String({ maxLength: 1000 }),
    scope: Type.Union([Type.Literal('bmc'), Type.Literal('node')]),
    secret: Type.Boolean(),
  },
  strict,
);

export const powerDescribeTypes = rpcMethod({
  name: 'power.describeTypes',
  answeredBy: 'rack',
  since: 1,
  doc: "The power drivers the rack runs, with their settings and the tools it lacks (MAAS's `DescribePowerTypes`).",
  params: Type.Object({}, strict),
  result: Type.Object(
    {
      powerTypes: Type.Array(
        Type.Object(
          {
            name,
            description: Type.String({ maxLength: 255 }),
            fields: Type.Array(powerField, { maxItems: 64 }),
            missingPackages: Type.Array(name, { maxItems: 64 }),
            queryable: Type.Boolean(),
          },
          strict,
        ),
        { maxItems: 100 },
      ),
    },
    strict,
  ),
  errors: [],
});

const powerState = Type.Union([
  Type.Literal('on'),
  Type.Literal('off'),
  Type.Literal('unknown'),
  Type.Literal('error'),
]);

/** The machine and BMC a power call is about; parameters as the region stored them (secrets opened). */
const powerTarget = {
  systemId: Type.String({ pattern: '^[a-z0-9]{6,}$' }),
  powerType: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
  parameters: Type.Record(
    Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
    Type.String({ maxLength: 4096, pattern: noNul }),
    {
      maxProperties: 64,
    },
  ),
};

/** Errors a power call answers with: what the BMC or the driver's tool said, classified. */
const powerErrors = [
  'validation_failed',
  'power_auth_failed',
  'power_unreachable',
  'power_settings_invalid',
  'power_tool_missing',
  'power_bmc_busy',
  'power_failed',
] as const;

export const powerChange = rpcMethod({
  name: 'power.change',
  answeredBy: 'rack',
  since: 1,
  doc:
    'Switches a machine through its BMC and answers the state then confirmed (`unknown` when the type cannot be ' +
    'asked). `on` with `pxe` first sets a one-time network boot where the driver can, and `cycleIfOn` resets a ' +
    'machine that is already on (MAAS: power on, or cycle when on, for commissioning, deployment, testing and ' +
    'rescue). `off` takes an optional `stopMode` (soft: ACPI shutdown).',
  params: Type.Object(
    {
      ...powerTarget,
      action: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('cycle')]),
      pxe: Type.Boolean(),
      cycleIfOn: Type.Boolean(),
      stopMode: Type.Optional(Type.Union([Type.Literal('soft'), Type.Literal('hard')])),
    },
    strict,
  ),
  result: Type.Object({ state: powerState }, strict),
  errors: [...powerErrors],
});

export const powerQuery = rpcMethod({
  name: 'power.query',
  answeredBy: 'rack',
  since: 1,
  doc: "Asks a machine's BMC its power state (MAAS's `PowerQuery`).",
  params: Type.Object(powerTarget, strict),
  result: Type.Object({ state: powerState }, strict),
  errors: [...powerErrors],
});

/** Every region⇄rack method, for both ends. */
export const rpcMethods = new MethodTable([
  handshakeHello,
  handshakeProve,
  rackRegister,
  rackReportServices,
  osList,
  osReleaseTitle,
  osValidateLicenseKey,
  archList,
  imagesList,
  powerDescribeTypes,
  powerChange,
  powerQuery,
]);
