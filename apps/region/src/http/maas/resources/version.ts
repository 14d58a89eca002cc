import type { HandlerDef } from '../handler.js';
import { crud } from '../handler.js';

/** The MAAS release whose API 2.0 surface Ferrum speaks; clients gate features on it. */
export const MAAS_COMPAT_VERSION = '3.6.0';

export const capabilities = [
  'networks-management',
  'static-ipaddresses',
  'ipv6-deployment-ubuntu',
  'devices-management',
  'storage-deployment-ubuntu',
  'network-deployment-ubuntu',
  'bridging-interface-ubuntu',
  'bridging-automatic-ubuntu',
  'authenticate-api',
] as const;

export function versionHandlers(ferrumVersion: string): HandlerDef[] {
  return [
    {
      name: 'VersionHandler',
      doc: 'Information about this MAAS instance.\n\nThis returns a JSON dictionary with information about this MAAS instance.',
      path: '/version/',
      actions: [
        crud('read', 'anonymous', 'Read version and capabilities.', () => ({
          capabilities: [...capabilities],
          version: MAAS_COMPAT_VERSION,
          subversion: `ferrum-${ferrumVersion}`,
        })),
      ],
    },
  ];
}
