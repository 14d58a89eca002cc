import type { DomainRow, NamedObjectRow, SshKeyRow, TagRow, UserRow } from '../../db/schema.js';
import { API_PREFIX } from './describe.js';

/** An absolute-path `resource_uri` under the API prefix; each part is URL-encoded. */
export function resourceUri(...parts: (string | number)[]): string {
  return `${API_PREFIX}/${parts.map((p) => encodeURIComponent(String(p))).join('/')}/`;
}

export function renderUser(user: UserRow) {
  return {
    username: user.username,
    email: user.email,
    is_local: user.is_local,
    is_superuser: user.is_superuser,
    resource_uri: resourceUri('users', user.username),
  };
}

export function renderZone(zone: Pick<NamedObjectRow, 'id' | 'name' | 'description'>) {
  return {
    id: zone.id,
    name: zone.name,
    description: zone.description,
    resource_uri: resourceUri('zones', zone.name),
  };
}

export function renderPool(pool: Pick<NamedObjectRow, 'id' | 'name' | 'description'>) {
  return {
    id: pool.id,
    name: pool.name,
    description: pool.description,
    resource_uri: resourceUri('resourcepool', pool.id),
  };
}

export function renderTag(tag: TagRow) {
  return {
    name: tag.name,
    definition: tag.definition,
    comment: tag.comment,
    kernel_opts: tag.kernel_opts,
    resource_uri: resourceUri('tags', tag.name),
  };
}

export function renderDomain(domain: Omit<DomainRow, 'created' | 'updated'>, resourceRecordCount: number) {
  return {
    id: domain.id,
    name: domain.name,
    ttl: domain.ttl,
    authoritative: domain.authoritative,
    is_default: domain.is_default,
    forward_dns_servers: domain.forward_dns_servers,
    resource_record_count: resourceRecordCount,
    resource_uri: resourceUri('domains', domain.id),
  };
}

export function renderSshKey(key: SshKeyRow) {
  const parts = key.key.trim().split(/\s+/);
  return {
    id: key.id,
    key: key.key,
    // MAAS renders an empty keysource for keys that were not imported.
    keysource: '',
    display:
      parts.length >= 3 ? `${parts[0]} ${parts[1]?.slice(0, 20)}… ${parts.slice(2).join(' ')}` : key.key,
    resource_uri: resourceUri('account', 'prefs', 'sshkeys', key.id),
  };
}
