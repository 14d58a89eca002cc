// WebSocket close codes of the region⇄rack RPC (RFC 6455 leaves 4000–4999 to applications),
// and the frame bound both ends keep.

/** Largest RPC frame, in bytes; a bigger one closes the connection with 1009. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** The peer failed the handshake (wrong secret or credential, replay, unknown or deleted rack). */
export const CLOSE_UNAUTHORISED = 4001;
/** The region took a newer connection of the same rack in this one's place. */
export const CLOSE_REPLACED = 4002;
/** An administrator deleted the rack. */
export const CLOSE_DELETED = 4003;
