import {
  negotiateVersion,
  handshakeProof,
  newChallenge,
  openCredential,
  sealCredential,
  verifyHandshakeProof,
  type VersionRange,
} from './handshake.js';
import type { ParamsOf, ResultOf } from './rpc-method.js';
import type { handshakeHello, handshakeProve } from './methods.js';
import { RpcError } from './rpc-peer.js';
import { rpcErrorCodes } from './json-rpc.js';

/** The key a rack proves: the shared secret (to register), or its own credential (once registered). */
export interface RackKey {
  readonly key: string;
  /** The rack's system_id when the key is its credential. */
  readonly systemId?: string;
}

/**
 * The region's side of one connection's handshake: `hello` then `prove`, in that order, once.
 * `keyFor` gives the key a hello must be proved with (undefined: an unknown system_id, refused).
 * Until `authenticated`, the region answers nothing else.
 */
export class HandshakeServer {
  private state: 'new' | 'hello' | 'open' | 'refused' = 'new';
  private challenges: { region: string; rack: string } | undefined;
  private version = 0;
  private rackKey: RackKey | undefined;

  constructor(
    private readonly versions: VersionRange,
    private readonly keyFor: (systemId: string | undefined) => Promise<RackKey | undefined>,
  ) {}

  get authenticated(): boolean {
    return this.state === 'open';
  }

  /** Who proved, once authenticated (its system_id; undefined for a rack that is yet to register). */
  get systemId(): string | undefined {
    return this.state === 'open' ? this.rackKey?.systemId : undefined;
  }

  get agreedVersion(): number {
    return this.version;
  }

  async hello(params: ParamsOf<typeof handshakeHello>): Promise<ResultOf<typeof handshakeHello>> {
    if (this.state !== 'new') throw this.refuse('handshake.hello may come only once, first.');
    // Taken before the key is looked up: a second hello sent at once must not pass too.
    this.state = 'hello';
    const version = negotiateVersion(this.versions, params.versions);
    if (version === undefined)
      throw this.refuse(
        `No protocol version in common: this region speaks ${String(this.versions.min)}–${String(this.versions.max)}.`,
      );
    const key = await this.keyFor(params.systemId);
    if (!key) throw this.refuse(`Unknown rack ${params.systemId ?? ''}: register it again.`);
    this.rackKey = key;
    this.version = version;
    this.challenges = { region: newChallenge(), rack: params.challenge };
    return {
      version,
      challenge: this.challenges.region,
      proof: handshakeProof(key.key, 'region', this.challenges, version),
    };
  }

  /** Checks the rack's proof; the result of `handshake.prove` is then the empty object. */
  prove(params: ParamsOf<typeof handshakeProve>): Record<string, never> {
    if (this.state !== 'hello' || !this.challenges || !this.rackKey)
      throw this.refuse('handshake.prove must follow handshake.hello.');
    if (!verifyHandshakeProof(params.proof, this.rackKey.key, 'rack', this.challenges, this.version))
      throw this.refuse('The proof does not match: wrong secret or credential.');
    this.state = 'open';
    return {};
  }

  /** A new credential sealed for this rack under the connection's key (see sealCredential). */
  seal(credential: string): string {
    if (this.state !== 'open' || !this.challenges || !this.rackKey)
      throw new RpcError(rpcErrorCodes.unauthorised, 'No handshake holds on this connection.');
    return sealCredential(credential, this.rackKey.key, this.challenges, this.version);
  }

  private refuse(message: string): RpcError {
    this.state = 'refused';
    return new RpcError(rpcErrorCodes.unauthorised, message);
  }
}

/** The rack's side: its hello, and, checking the region's proof first, its own proof. */
export class HandshakeClient {
  readonly challenge = newChallenge();
  private agreed: { challenges: { region: string; rack: string }; version: number } | undefined;

  constructor(
    private readonly versions: VersionRange,
    private readonly key: RackKey,
  ) {}

  helloParams(): ParamsOf<typeof handshakeHello> {
    return {
      versions: { min: this.versions.min, max: this.versions.max },
      challenge: this.challenge,
      ...(this.key.systemId === undefined ? {} : { systemId: this.key.systemId }),
    };
  }

  /** The rack's proof, once the region has proved it knows the key too; throws if it has not. */
  proveParams(answer: ResultOf<typeof handshakeHello>): ParamsOf<typeof handshakeProve> {
    const challenges = { region: answer.challenge, rack: this.challenge };
    if (answer.version < this.versions.min || answer.version > this.versions.max)
      throw new RpcError(
        rpcErrorCodes.unauthorised,
        `The region chose protocol version ${String(answer.version)}, which this rack does not speak.`,
      );
    if (!verifyHandshakeProof(answer.proof, this.key.key, 'region', challenges, answer.version))
      throw new RpcError(
        rpcErrorCodes.unauthorised,
        'The region could not prove it knows the secret: not our region, or a wrong secret.',
      );
    this.agreed = { challenges, version: answer.version };
    return { proof: handshakeProof(this.key.key, 'rack', challenges, answer.version) };
  }

  /** Opens the credential the region sealed for this rack; throws when it cannot be opened. */
  open(sealed: string): string {
    const credential =
      this.agreed && openCredential(sealed, this.key.key, this.agreed.challenges, this.agreed.version);
    if (credential === undefined)
      throw new RpcError(
        rpcErrorCodes.unauthorised,
        'The credential the region sent cannot be opened with this handshake.',
      );
    return credential;
  }
}
