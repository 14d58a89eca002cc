import { RpcError, rpcErrorCodes, type ResultOf, type osList } from '@ferrum/protocol';
import type { RackCaller } from '../../src/services/rack-caller.js';

/** What a rack holding Ubuntu noble/jammy, CentOS 9 Stream and Windows Server 2022 images offers. */
export const fixtureOsystems: ResultOf<typeof osList>['osystems'] = [
  {
    name: 'ubuntu',
    title: 'Ubuntu',
    releases: [
      {
        name: 'noble',
        title: 'Ubuntu 24.04 LTS "Noble Numbat"',
        requiresLicenseKey: false,
        canCommission: true,
      },
      {
        name: 'jammy',
        title: 'Ubuntu 22.04 LTS "Jammy Jellyfish"',
        requiresLicenseKey: false,
        canCommission: true,
      },
    ],
    defaultRelease: 'noble',
    defaultCommissioningRelease: 'noble',
  },
  {
    name: 'windows',
    title: 'Windows',
    releases: [
      { name: 'win2022', title: 'Windows Server 2022', requiresLicenseKey: true, canCommission: false },
    ],
    defaultRelease: 'win2022',
    defaultCommissioningRelease: '',
  },
];

/** A key the fake racks accept for any release. */
export const validFakeLicenseKey = 'AAAAA-BBBBB-CCCCC-DDDDD-EEEEE';

/**
 * Racks for integration tests that do not dial a real region: each answers as a rack holding
 * `osystems` would. (The real rack answers over the real RPC in the e2e tests.)
 */
export function fakeRackCaller(
  options: {
    readonly systemIds?: readonly string[];
    readonly osystems?: ResultOf<typeof osList>['osystems'];
  } = {},
): RackCaller {
  const ids = options.systemIds ?? ['fakera'];
  const osystems = options.osystems ?? fixtureOsystems;
  const answer = (systemId: string, name: string, params: Record<string, unknown>): unknown => {
    switch (name) {
      case 'os.list':
        return { osystems };
      case 'os.validateLicenseKey':
        return { valid: params['key'] === validFakeLicenseKey };
      case 'os.releaseTitle':
        return {
          title:
            osystems
              .find((o) => o.name === params['osystem'])
              ?.releases.find((r) => r.name === params['release'])?.title ?? '',
        };
      case 'arch.list':
        return { architectures: ['amd64/generic'] };
      case 'images.list':
        return {
          images: [
            {
              osystem: 'ubuntu',
              architecture: 'amd64',
              subarchitecture: 'ga-24.04',
              release: 'noble',
              label: 'stable',
              files: ['boot-kernel'],
            },
            {
              osystem: 'ubuntu',
              architecture: 'amd64',
              subarchitecture: 'generic',
              release: 'noble',
              label: 'stable',
              files: ['boot-kernel'],
            },
            {
              osystem: 'ubuntu',
              architecture: 'amd64',
              subarchitecture: 'ga-22.04',
              release: 'jammy',
              label: 'stable',
              files: ['boot-kernel'],
            },
          ],
        };
      case 'power.describeTypes':
        return {
          powerTypes: [
            { name: 'manual', description: 'Manual', fields: [], missingPackages: [], queryable: false },
            {
              name: 'ipmi',
              description: 'IPMI',
              fields: [
                {
                  name: 'power_address',
                  label: 'IP address',
                  required: true,
                  fieldType: 'string',
                  choices: [],
                  default: '',
                  scope: 'bmc',
                  secret: false,
                },
                {
                  name: 'power_pass',
                  label: 'Power password',
                  required: false,
                  fieldType: 'password',
                  choices: [],
                  default: '',
                  scope: 'bmc',
                  secret: true,
                },
              ],
              missingPackages: systemId === ids[1] ? ['ipmitool'] : [],
              queryable: true,
            },
          ],
        };
      default:
        throw new RpcError(rpcErrorCodes.methodNotFound, `No method ${name} here.`);
    }
  };
  const call = <R>(systemId: string, name: string, params: unknown): Promise<R> =>
    ids.includes(systemId)
      ? Promise.resolve(answer(systemId, name, params as Record<string, unknown>) as R)
      : Promise.reject(new RpcError(rpcErrorCodes.connectionClosed, `Rack ${systemId} is not connected.`));
  return {
    connectedIds: () => [...ids],
    drop: () => undefined,
    callAll: (method, params) =>
      Promise.all(
        ids.map(async (systemId) => ({
          systemId,
          ok: true as const,
          result: await call(systemId, method.name, params),
          ms: 0,
        })),
      ),
    call: (systemId, method, params) => call(systemId, method.name, params),
  };
}
