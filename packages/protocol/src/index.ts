/**
 * Region⇄rack RPC protocol. The messages arrive with the rack issue; this package holds the
 * version both ends negotiate so that the structure exists from the start.
 */
export const PROTOCOL_VERSION = 1;

/** The path of the region's RPC websocket. */
export const RPC_PATH = '/MAAS/rpc/';
export type * from './power-driver.js';
export * from './rpc/json-rpc.js';
export * from './rpc/handshake.js';
export * from './rpc/rpc-method.js';
export * from './rpc/methods.js';
export * from './rpc/rpc-peer.js';
export * from './rpc/handshake-state.js';
export * from './rpc/ws-connection.js';
