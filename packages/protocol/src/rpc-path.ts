/** The path of the region's RPC websocket. */
export const RPC_PATH = '/MAAS/rpc/';
