/**
 * Region⇄rack RPC protocol. The messages arrive with the rack issue; this package holds the
 * version both ends negotiate so that the structure exists from the start.
 */
export const PROTOCOL_VERSION = 1;

export { RPC_PATH } from './rpc-path.js';
export type * from './power-driver.js';
export * from './power-parameters.js';
export * from './power-types.js';
export * from './rpc/json-rpc.js';
export * from './rpc/handshake.js';
export * from './rpc/rpc-method.js';
export * from './rpc/methods.js';
export * from './rpc/rpc-peer.js';
export * from './rpc/handshake-state.js';
export * from './rpc/ws-connection.js';
export * from './rpc/rpc-url.js';
export type { Static, TSchema } from '@sinclair/typebox';
export * from './rpc/close-codes.js';
