// Test fixture: the tabular suite served over real HTTP by the reference server, for one test file.
import { after, before } from 'node:test';
import { buildEnv, loadRunConfig } from '../../src/backends/index';
import type { DecodeEnv } from '../../src/core/index';
import { tabularRunConfig } from '../../src/server/demoConfig';
import { startServer, type RunningServer } from '../../src/server/index';

/** Registers hooks that start the server and build its environment before the file's tests, and stop them after. */
export function tabularOverHttp(): { server: () => RunningServer; env: () => DecodeEnv } {
  let server: RunningServer | undefined;
  let env: DecodeEnv | undefined;
  let dispose = () => {};
  before(async () => {
    server = await startServer({ port: 0, quiet: true });
    const built = await buildEnv(loadRunConfig(tabularRunConfig(server.url)));
    env = built.env;
    dispose = built.dispose;
  });
  after(async () => {
    dispose();
    await server?.close();
  });
  return { server: () => server!, env: () => env! };
}
