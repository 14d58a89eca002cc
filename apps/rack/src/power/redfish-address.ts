import { AppError, redactUrlCredentials } from '@ferrum/domain';
import { powerParameterField } from '@ferrum/protocol';

/**
 * The Redfish service's origin from `power_address`: a host (`10.0.0.5`, `bmc1.lab`), a host
 * and port (`10.0.0.5:8443`, `[fd00::5]:443`), a bare IPv6 address, or an `https://` (or
 * `http://`) URL, optionally ending in `/redfish/v1`. HTTPS unless the URL says otherwise.
 */
export function redfishServiceUrl(address: string): URL {
  const given = address.trim();
  const invalid = (why: string): AppError =>
    new AppError(
      'power_settings_invalid',
      `power_address ${JSON.stringify(redactUrlCredentials(address))} ${why}`,
      {
        fields: { [powerParameterField('power_address')]: [why] },
      },
    );
  if (given === '') throw invalid('is empty: give the BMC as a host, host:port or https URL.');
  let text: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) text = given;
  else if (!given.includes('[') && (given.match(/:/g) ?? []).length > 1) text = `https://[${given}]`;
  else text = `https://${given}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('is not a host, host:port or https URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid(`uses ${url.protocol.slice(0, -1)}: Redfish is reached over https.`);
  if (url.username !== '' || url.password !== '')
    throw invalid('holds credentials: put them in power_user and power_pass.');
  if (!/^\/?(redfish(\/v1)?\/?)?$/.test(url.pathname))
    throw invalid('has a path: give the Redfish service’s host (its API is always under /redfish/v1).');
  return new URL(url.origin);
}
