// Owns one isolated code-server: its own user-data, extensions and config dirs, a workspace folder,
// user settings written before start, the .vsix installed offline, bound to 127.0.0.1 on a free port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { codeServerBin, missingPrereqs } from './prereqs';

export interface CodeServer {
  url: string;
  workspace: string;
  userDir: string;
  /** Rewrites UD/User/settings.json; the running workbench picks the change up through its file watcher. */
  writeSettings(settings: Record<string, unknown>): void;
  log(): string;
  close(): Promise<void>;
}

// Keep the workbench quiet and deterministic: no welcome page, tips, trust prompts, or updates.
const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
};

const env = () => ({ ...process.env, VSCODE_IPC_HOOK_CLI: '', VSCODE_IPC_HOOK: '', ELECTRON_RUN_AS_NODE: '' });

export async function startCodeServer(opts: { vsix: string; settings?: Record<string, unknown>; files?: Record<string, string> }): Promise<CodeServer> {
  const missing = missingPrereqs();
  if (missing) throw new Error(`e2e prerequisites: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-e2e-'));
  const userDir = join(dir, 'user-data');
  const extDir = join(dir, 'extensions');
  const config = join(dir, 'config.yaml');
  const workspace = join(dir, 'workspace');
  for (const d of [join(userDir, 'User'), extDir, workspace]) mkdirSync(d, { recursive: true });
  writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    mkdirSync(dirname(join(workspace, name)), { recursive: true });
    writeFileSync(join(workspace, name), text);
  }
  const writeSettings = (s: Record<string, unknown>) =>
    writeFileSync(join(userDir, 'User', 'settings.json'), JSON.stringify({ ...quietSettings, ...s }, null, 2));
  writeSettings(opts.settings ?? {});

  const common = ['--config', config, '--user-data-dir', userDir, '--extensions-dir', extDir];
  const inst = spawnSync(codeServerBin, [...common, '--install-extension', opts.vsix], { env: env(), encoding: 'utf8', timeout: 120_000 });
  if (inst.status !== 0 || !/successfully installed/i.test(inst.stdout + inst.stderr)) {
    throw new Error(`code-server --install-extension failed (${inst.status ?? inst.signal}):\n${inst.stdout}\n${inst.stderr}`);
  }

  const child: ChildProcess = spawn(codeServerBin, [
    ...common, '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', workspace,
  ], { env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not report its address in 60 s:\n${output}`)), 60_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}) before listening:\n${output}`)); });
  });
  child.removeAllListeners('exit');

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed test must not leave code-server (and its extension host) running.
  process.once('exit', () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  return { url, workspace, userDir, writeSettings, log: () => output, close };
}
