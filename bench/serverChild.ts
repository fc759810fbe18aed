// The reference server in its own process, so that the bench process's CPU clock measures the decoder and its HTTP client only.
import { startServer } from '../src/server/index';

async function main() {
  const server = await startServer({ port: 0, latency: process.argv[2] ?? '0', quiet: true });
  // One JSON line tells the parent where to connect; each "cpu" line is answered with this process's CPU ms; closing stdin stops the server.
  process.stdout.write(JSON.stringify({ url: server.url }) + '\n');
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() !== 'cpu') continue;
      const c = process.cpuUsage();
      process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + '\n');
    }
  });
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
}

void main();
