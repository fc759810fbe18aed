// The reference server in its own process, so that the bench process's CPU clock measures the decoder and its HTTP client only.
import { startServer } from '../src/server/index';
import { eosOffFront, WireBytes } from './wire';

async function main() {
  const bytes = new WireBytes();
  const server = await startServer({ port: 0, latency: process.argv[2] ?? '0', quiet: true });
  bytes.port = Number(new URL(server.url).port);
  const front = await eosOffFront(server.url);
  // One JSON line tells the parent where to connect (and where the EOS-off front is); each "cpu" line is answered with this
  // process's CPU ms and the bytes the server received and sent so far; closing stdin stops the server.
  process.stdout.write(JSON.stringify({ url: server.url, eosOffUrl: `${front.url}/noeos` }) + '\n');
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() !== 'cpu') continue;
      const c = process.cpuUsage();
      process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, bytesIn: bytes.in, bytesOut: bytes.out }) + '\n');
    }
  });
  process.stdin.on('end', () => void Promise.all([server.close(), front.close()]).then(() => process.exit(0)));
}

void main();
