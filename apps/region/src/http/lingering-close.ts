import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long a connection closed in the middle of a request body goes on draining it. */
export const defaultLingerMs = 1000;

/**
 * When the region answers before it has read the whole request body (413, a malformed body),
 * Node closes the socket as soon as the answer is written. A socket closed with unread data
 * makes the kernel send RST, and a client still writing its body then loses the answer it was
 * sent (EPIPE/ECONNRESET instead of 413). So for those answers the region sends FIN, goes on
 * reading (Node's parser discards the rest of the body) for `lingerMs`, then closes — nginx's
 * `lingering_close`. (The parser reads the socket natively, so there are no JS 'data' events
 * to extend the wait by; one fixed window keeps it simple and bounded.)
 */
export function registerLingeringClose(app: FastifyInstance, lingerMs: number): void {
  app.addHook('onSend', async (request, reply) => {
    if (request.raw.complete || reply.getHeader('connection') !== 'close') return;
    lingerOnClose(request.raw.socket, lingerMs);
  });
}

/** Replace the socket's close-after-write (Node's `destroySoon`) with a lingering close. */
function lingerOnClose(socket: Socket, lingerMs: number): void {
  const target = socket as Socket & { destroySoon?: () => void };
  if (typeof target.destroySoon !== 'function') return;
  target.destroySoon = () => {
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.once('close', () => {
      clearTimeout(timer);
    });
    socket.end();
    socket.resume();
  };
}
