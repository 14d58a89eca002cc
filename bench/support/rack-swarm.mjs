// A swarm of real racks in one process, for `bench rpc-fanout`: each rack registers with the
// region's shared secret under its own name and data dir, then runs the rack's own RegionLink
// answering from the fixture image cache. Prints "ready N" once all are connected; stops on SIGTERM.
// Usage: node bench/support/rack-swarm.mjs URL SECRET COUNT FIRST DATA_DIR IMAGE_DIR
import { join } from 'node:path';
import { createLogger } from '../../packages/kit/dist/index.js';
import { registerRack, startRack, loadRackConfig } from '../../apps/rack/dist/index.js';

const [url, secret, count, first, dataRoot, imageDir] = process.argv.slice(2);
const logger = createLogger({ level: 'warn', pretty: false, name: 'rack-swarm' });
const racks = [];
const n = Number(count);
const start = Number(first);
// Registered a few at a time: each is a database write on the region.
for (let i = start; i < start + n; i += 10) {
  await Promise.all(
    Array.from({ length: Math.min(10, start + n - i) }, async (_, k) => {
      const index = i + k;
      const config = { ...loadRackConfig({}), dataDir: join(dataRoot, `rack-${index}`), imageDir };
      await registerRack({
        config,
        urls: [url],
        secret,
        name: `bench-rack-${index}`,
        version: 'bench',
        logger,
      });
      const rack = await startRack({ config, version: 'bench', logger });
      racks.push(rack);
    }),
  );
}
await Promise.all(racks.map((rack) => rack.link.connected(30_000)));
process.stdout.write(`ready ${racks.length}\n`);
process.on('SIGTERM', () => {
  void Promise.all(racks.map((rack) => rack.stop())).finally(() => process.exit(0));
});
