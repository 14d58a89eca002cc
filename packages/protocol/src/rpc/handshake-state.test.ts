import { describe, expect, it } from 'vitest';
import { HandshakeClient, HandshakeServer, type RackKey } from './handshake-state.js';
import { newChallenge } from './handshake.js';
import { rpcErrorCodes } from './json-rpc.js';

const SECRET = 'shared-secret-of-this-region';
const versions = { min: 1, max: 1 };
const credentials = new Map([['abc123', 'credential-of-rack-abc123-0123456789']]);
const keyFor = (systemId: string | undefined): Promise<RackKey | undefined> => {
  if (systemId === undefined) return Promise.resolve({ key: SECRET });
  const key = credentials.get(systemId);
  return Promise.resolve(key === undefined ? undefined : { key, systemId });
};

async function handshake(server: HandshakeServer, client: HandshakeClient) {
  const answer = await server.hello(client.helloParams());
  return server.prove(client.proveParams(answer));
}

describe(HandshakeServer, () => {
  it('opens the connection when both sides know the secret', async () => {
    const server = new HandshakeServer(versions, keyFor);
    await handshake(server, new HandshakeClient(versions, { key: SECRET }));
    expect(server.authenticated).toBe(true);
    expect(server.agreedVersion).toBe(1);
    expect(server.systemId).toBeUndefined();
  });

  it('opens it for a registered rack proving its own credential, and knows which rack it is', async () => {
    const server = new HandshakeServer(versions, keyFor);
    const key = { key: credentials.get('abc123') ?? '', systemId: 'abc123' };
    await handshake(server, new HandshakeClient(versions, key));
    expect(server.systemId).toBe('abc123');
  });

  it('refuses a rack with a wrong secret', async () => {
    const server = new HandshakeServer(versions, keyFor);
    const client = new HandshakeClient(versions, { key: 'wrong' });
    const answer = await server.hello(client.helloParams());
    // The rack finds the region's proof wrong and stops; a rack that went on anyway is refused.
    expect(() => client.proveParams(answer)).toThrow(/could not prove/);
    const forged = new HandshakeClient(versions, { key: 'wrong' });
    expect(() => server.prove({ proof: forged.challenge })).toThrow(
      expect.objectContaining({ code: rpcErrorCodes.unauthorised }),
    );
    expect(server.authenticated).toBe(false);
  });

  it('refuses a replayed proof: the next connection has a new challenge', async () => {
    const first = new HandshakeServer(versions, keyFor);
    const client = new HandshakeClient(versions, { key: SECRET });
    const recorded = client.proveParams(await first.hello(client.helloParams()));
    first.prove(recorded);
    // An eavesdropper replays the rack's hello and proof on a new connection.
    const second = new HandshakeServer(versions, keyFor);
    await second.hello(client.helloParams());
    expect(() => second.prove(recorded)).toThrow(/proof does not match/);
    expect(second.authenticated).toBe(false);
  });

  it('refuses the steps out of order or twice, and an unknown rack', async () => {
    const early = new HandshakeServer(versions, keyFor);
    expect(() => early.prove({ proof: newChallenge() })).toThrow(/must follow/);
    const twice = new HandshakeServer(versions, keyFor);
    const client = new HandshakeClient(versions, { key: SECRET });
    await twice.hello(client.helloParams());
    await expect(twice.hello(client.helloParams())).rejects.toThrow(/only once/);
    const unknown = new HandshakeServer(versions, keyFor);
    await expect(
      unknown.hello(new HandshakeClient(versions, { key: 'x', systemId: 'zzz999' }).helloParams()),
    ).rejects.toThrow(/Unknown rack zzz999/);
  });

  it('refuses a rack that speaks no version in common', async () => {
    const server = new HandshakeServer({ min: 2, max: 3 }, keyFor);
    await expect(server.hello(new HandshakeClient(versions, { key: SECRET }).helloParams())).rejects.toThrow(
      /No protocol version in common/,
    );
  });
});
