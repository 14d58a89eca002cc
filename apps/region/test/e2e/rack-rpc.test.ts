import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HandshakeClient,
  PROTOCOL_VERSION,
  handshakeHello,
  handshakeProve,
  rackRegister,
  rpcErrorCodes,
} from '@ferrum/protocol';
import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';
import { handshake, openRpc } from './support/test-rack.js';

// A rack's side of the RPC against a real region (as `ferrum start` runs it), over a real
// WebSocket on loopback: handshake, registration, reconnection with its credential, refusals.
let listening: ListeningRegion;
const versions = { min: 1, max: PROTOCOL_VERSION };
const registration = {
  hostname: 'rack-e2e',
  version: '0.1.0',
  interfaces: [{ name: 'eth0', mac: '52:54:00:00:00:aa', addresses: ['10.0.0.2/24'] }],
  capabilities: ['dhcp'],
};

beforeAll(async () => {
  listening = await startListeningRegion();
}, 120_000);
afterAll(async () => {
  await listening.close();
});

const open = () => openRpc(listening);

const secret = () => listening.region.services.racks.sharedSecret();

describe('the rack RPC of a running region', () => {
  let registered: { systemId: string; credential: string };

  it('registers a rack that proves the shared secret', async () => {
    const { peer, socket } = await open();
    const client = await handshake(peer, { key: await secret() });
    const answer = await peer.call(rackRegister, registration);
    expect(answer.systemId).toMatch(/^[a-z0-9]{6}$/);
    // The credential crosses the wire sealed under this connection's key, not in clear.
    const sealed = answer.credential ?? '';
    const credential = client.open(sealed);
    expect(credential.length).toBeGreaterThanOrEqual(32);
    expect(sealed).not.toContain(credential);
    expect(() => new HandshakeClient(versions, { key: 'x' }).open(sealed)).toThrow(/cannot be opened/);
    registered = { systemId: answer.systemId, credential };
    expect((await listening.region.services.racks.list()).map((r) => r.hostname)).toEqual(['rack-e2e']);
    socket.close();
  });

  it('knows the rack again when it reconnects with its own credential', async () => {
    const { peer, socket } = await open();
    await handshake(peer, { key: registered.credential, systemId: registered.systemId });
    const again = await peer.call(rackRegister, { ...registration, version: '0.2.0' });
    expect(again).toEqual({ systemId: registered.systemId });
    const racks = await listening.region.services.racks.list();
    expect(racks).toHaveLength(1);
    expect(racks[0]?.version).toBe('0.2.0');
    socket.close();
  });

  it('refuses a wrong secret, records it, and closes the connection', async () => {
    const { peer, closed } = await open();
    const client = new HandshakeClient(versions, { key: 'not-the-secret' });
    const answer = await peer.call(handshakeHello, client.helloParams());
    // The rack sees the region does not know its (wrong) secret; a rack that proves anyway is refused.
    expect(() => client.proveParams(answer)).toThrow(/could not prove/);
    await expect(peer.call(handshakeProve, { proof: client.challenge })).rejects.toMatchObject({
      code: rpcErrorCodes.unauthorised,
    });
    expect(await closed).toMatch(/4001: unauthorised/);
    const events = await listening.database.db
      .selectFrom('events')
      .select(['type', 'description'])
      .where('type', '=', 'Rack connection refused')
      .execute();
    expect(events.some((e) => e.description.includes('proof does not match'))).toBe(true);
  });

  it('refuses a replayed handshake', async () => {
    const first = await open();
    const client = new HandshakeClient(versions, { key: await secret() });
    const answer = await first.peer.call(handshakeHello, client.helloParams());
    const recorded = client.proveParams(answer);
    await first.peer.call(handshakeProve, recorded);
    first.socket.close();
    const second = await open();
    await second.peer.call(handshakeHello, client.helloParams());
    await expect(second.peer.call(handshakeProve, recorded)).rejects.toMatchObject({
      code: rpcErrorCodes.unauthorised,
    });
    expect(await second.closed).toMatch(/4001/);
  });

  it('answers nothing but the handshake before it, and closes', async () => {
    const { peer, closed } = await open();
    await expect(peer.call(rackRegister, registration)).rejects.toMatchObject({
      code: rpcErrorCodes.unauthorised,
    });
    expect(await closed).toMatch(/4001/);
  });

  it('refuses a rack that is not known', async () => {
    const { peer } = await open();
    await expect(
      peer.call(
        handshakeHello,
        new HandshakeClient(versions, { key: 'x', systemId: 'zzz999' }).helloParams(),
      ),
    ).rejects.toThrow(/Unknown rack zzz999/);
  });
});
