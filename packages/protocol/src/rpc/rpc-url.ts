import { RPC_PATH } from '../rpc-path.js';

/**
 * The RPC WebSocket URL of a region given as an operator writes it: `http://host:5240/MAAS`,
 * `https://host/MAAS/`, `host:5240`, or already `ws(s)://…/MAAS/rpc/`. `https`/`wss` keep TLS.
 */
export function rpcUrlFor(regionUrl: string): { ok: true; url: string } | { ok: false; message: string } {
  const text = regionUrl.trim();
  if (text === '') return { ok: false, message: 'is empty' };
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    return { ok: false, message: `${JSON.stringify(regionUrl)} is not a URL` };
  }
  const scheme = { 'http:': 'ws:', 'ws:': 'ws:', 'https:': 'wss:', 'wss:': 'wss:' }[url.protocol];
  if (scheme === undefined)
    return {
      ok: false,
      message: `${JSON.stringify(regionUrl)}: expected http://, https://, ws:// or wss://`,
    };
  if (url.username !== '' || url.password !== '')
    return { ok: false, message: `${JSON.stringify(regionUrl)}: a region URL carries no user or password` };
  if (url.search !== '' || url.hash !== '')
    return { ok: false, message: `${JSON.stringify(regionUrl)}: a region URL has no query or fragment` };
  const path = url.pathname.replace(/\/+$/, '');
  const base = path.endsWith(RPC_PATH.slice(0, -1)) ? path.slice(0, -'/rpc'.length) : path;
  // The region serves the RPC under /MAAS/ whatever path the operator gave it as.
  const prefix = base === '' || base === '/' ? '/MAAS' : base;
  return { ok: true, url: `${scheme}//${url.host}${prefix}/rpc/` };
}
