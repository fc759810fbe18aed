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

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)));

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
  const writeSettings = (s: Record<string, unknown>) => {
    writeFileSync(join(userDir, 'User', 'settings.json'), JSON.stringify({ ...quietSettings, ...s }, null, 2));
    // code-server's extension host is a remote one: it reads machine-scoped settings from the
    // remote (Machine) settings, not the user's. The quiet ones go there too.
    mkdirSync(join(userDir, 'Machine'), { recursive: true });
    writeFileSync(join(userDir, 'Machine', 'settings.json'), JSON.stringify({ ...quietSettings, ...pick(s, Object.keys(quietSettings)) }, null, 2));
  };
  writeSettings(opts.settings ?? {});

  const common = ['--config', config, '--user-data-dir', userDir, '--extensions-dir', extDir];
  let child: ChildProcess | undefined;
  try {
    const inst = spawnSync(codeServerBin, [...common, '--install-extension', opts.vsix], { env: env(), encoding: 'utf8', timeout: 120_000 });
    if (inst.status !== 0 || !/successfully installed/i.test(inst.stdout + inst.stderr)) {
      throw new Error(`code-server --install-extension failed (${inst.status ?? inst.signal}):\n${inst.stdout}\n${inst.stderr}`);
    }
    child = spawn(codeServerBin, [
      ...common, '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', workspace,
    ], { env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await listeningUrl(child, (o) => (output = o));
    return handle(child, dir, url, workspace, userDir, writeSettings, () => output);
  } catch (e) {
    // A half-started server must not outlive the failed setup, nor its temp dir.
    if (child?.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function listeningUrl(child: ChildProcess, onOutput: (all: string) => void): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not report its address in 60 s:\n${output}`)), 60_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      onOutput(output);
      if (m) { clearTimeout(timer); child.removeListener('exit', onExit); resolve(m[1]!); }
    };
    const onExit = (code: number | null) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}) before listening:\n${output}`)); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

function handle(child: ChildProcess, dir: string, url: string, workspace: string, userDir: string,
  writeSettings: (s: Record<string, unknown>) => void, log: () => string): CodeServer {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  // A crashed test must not leave code-server (and its extension host) running.
  process.once('exit', () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  return { url, workspace, userDir, writeSettings, log, close };
}
