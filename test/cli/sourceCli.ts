// The CLI from its TypeScript source in a child process, for tests that must keep serving HTTP while it runs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Asynchronous (unlike spawnSync), so a reference server in the calling process keeps answering; killed after 3 minutes. */
export function sourceCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // TQSTAR_CLI_MAIN: main.ts runs as the program only when it is the bundle's entry or told so (src/cli/sigint.ts).
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, TQSTAR_CLI_MAIN: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
