import { crud, currentUser, noContent, type ActionContext, type HandlerDef } from '../handler.js';
import type { LicenseKeyRow } from '../../../services/license-key-service.js';

/** MAAS's license key JSON; its resource_uri has no trailing slash, as MAAS's URL pattern. */
function renderLicenseKey(row: LicenseKeyRow) {
  return {
    osystem: row.osystem,
    distro_series: row.distro_series,
    license_key: row.license_key,
    resource_uri: `/MAAS/api/2.0/license-key/${row.osystem}/${row.distro_series}`,
  };
}

const keyParams =
  '\n\n:param osystem: Operating system that the key belongs to.\n:type osystem: String\n\n:param distro_series: OS release that the key belongs to.\n:type distro_series: String';

const key = (ctx: ActionContext) => [ctx.params['osystem'] ?? '', ctx.params['distro_series'] ?? ''] as const;

export const licenseKeysHandlers: HandlerDef[] = [
  {
    name: 'LicenseKeysHandler',
    doc: 'Manage the license keys.',
    path: '/license-keys/',
    actions: [
      crud('read', 'admin', 'List license keys.', async (ctx) =>
        (await ctx.services.licenseKeys.list()).map(renderLicenseKey),
      ),
      crud(
        'create',
        'admin',
        'Define a license key.\n\n:param osystem: Operating system that the key belongs to.\n:type osystem: String\n\n:param distro_series: OS release that the key belongs to.\n:type distro_series: String\n\n:param license_key: License key for osystem/distro_series combo.\n:type license_key: String',
        async (ctx) =>
          renderLicenseKey(
            await ctx.services.licenseKeys.create(
              {
                osystem: ctx.form.get('osystem'),
                distroSeries: ctx.form.get('distro_series'),
                licenseKey: ctx.form.get('license_key'),
              },
              currentUser(ctx).username,
            ),
          ),
      ),
    ],
  },
  {
    name: 'LicenseKeyHandler',
    doc: 'Manage a license key.',
    path: '/license-key/{osystem}/{distro_series}/',
    actions: [
      crud('read', 'admin', 'Read license key.' + keyParams, async (ctx) =>
        renderLicenseKey(await ctx.services.licenseKeys.get(...key(ctx))),
      ),
      crud(
        'update',
        'admin',
        'Update license key.' +
          keyParams +
          '\n\n:param license_key: License key for osystem/distro_series combo.\n:type license_key: String',
        async (ctx) =>
          renderLicenseKey(
            await ctx.services.licenseKeys.update(
              ...key(ctx),
              ctx.form.get('license_key'),
              currentUser(ctx).username,
            ),
          ),
      ),
      crud('delete', 'admin', 'Delete license key.' + keyParams, async (ctx) => {
        await ctx.services.licenseKeys.delete(...key(ctx), currentUser(ctx).username);
        return noContent();
      }),
    ],
  },
];
