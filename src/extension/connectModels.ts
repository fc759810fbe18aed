// "Transfer Q*: Connect Models…": a guided setup — the base and baseline models (a server URL, probed for its
// models, or a local GGUF file), the reward kind and its fields, written to the workspace settings, then Test Connections.
import * as vscode from 'vscode';
import { isAbsolute, relative } from 'node:path';
import { checkGgufFile } from '../engine/ggufFile';
import type { Ctx } from './ctx';
import { REWARD_FIELDS, REWARD_KINDS, connectionSettings, normaliseUrl, probeModels, rewardKindDoc, type ModelSource, type RewardAnswer } from './connectPlan';
import { ENUM_DOCS } from './settingsSchema';

const STEPS = 4;
const title = (step: number, what: string) => `Transfer Q*: Connect Models (${step}/${STEPS}) — ${what}`;
const ROLE_NAMES = { base: 'base model π_base (your reference / SFT model)', baseline: 'baseline model ρ_BL (an aligned model, e.g. DPO; same tokenizer as the base)' } as const;

type Pick<T> = vscode.QuickPickItem & { value: T };

const current = (key: string): string | undefined => {
  const v = vscode.workspace.getConfiguration('tqstar').get<unknown>(key);
  return typeof v === 'string' && v ? v : undefined;
};

async function pickServerModel(ctx: Ctx, role: 'base' | 'baseline', step: number, suggested?: string): Promise<ModelSource | undefined> {
  let value = suggested ?? current(`${role}.baseUrl`) ?? (role === 'base' ? 'http://localhost:8000/v1' : 'http://localhost:8001/v1');
  for (;;) {
    const typed = await vscode.window.showInputBox({
      title: title(step, `${role === 'base' ? 'Base' : 'Baseline'} model server`), value, ignoreFocusOut: true,
      prompt: `URL of the OpenAI-compatible server of the ${ROLE_NAMES[role]}, e.g. http://localhost:8000/v1 (vLLM, SGLang, llama-server, Ollama)`,
      validateInput: (v) => { const n = normaliseUrl(v); return n.ok ? undefined : n.reason; },
    });
    if (typed === undefined) return undefined;
    const n = normaliseUrl(typed);
    if (!n.ok) return undefined;
    value = n.url;
    const found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Transfer Q*: asking ${n.url} for its models…` }, async () => probeModels(n.url, await ctx.keys.get(role), role));
    if (!found.ok) {
      ctx.log.warn(`Connect Models: ${found.message}`);
      const again = await vscode.window.showWarningMessage(`Transfer Q*: ${found.message}`, { modal: false }, 'Try Another URL', 'Type the Model Name');
      if (again === 'Try Another URL') continue;
      if (again !== 'Type the Model Name') return undefined;
    }
    const models = found.ok ? found.models : [];
    let model: string | undefined;
    if (models.length) {
      const pick = await vscode.window.showQuickPick<Pick<string>>(models.map((m) => ({ label: m, value: m, picked: m === current(`${role}.model`) })), { title: title(step, `${role === 'base' ? 'Base' : 'Baseline'} model: the models ${n.url} serves`), ignoreFocusOut: true, placeHolder: 'Pick the model' });
      model = pick?.value;
    } else {
      model = await vscode.window.showInputBox({ title: title(step, 'Model name'), prompt: `${n.url} lists no models: the model name as the server knows it`, value: current(`${role}.model`) ?? '', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'required') });
    }
    if (!model) return undefined;
    return { kind: 'server', baseUrl: n.url, model: model.trim() };
  }
}

async function pickGguf(step: number, role: 'base' | 'baseline'): Promise<ModelSource | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  for (;;) {
    const uris = await vscode.window.showOpenDialog({ title: title(step, `${role === 'base' ? 'Base' : 'Baseline'} model GGUF file`), canSelectMany: false, filters: { 'GGUF models': ['gguf'] }, defaultUri: folder, openLabel: 'Use This Model' });
    const file = uris?.[0]?.fsPath;
    if (!file) return undefined;
    const bad = checkGgufFile(file);
    if (!bad) {
      // Inside the workspace: stored relative to it, so the settings travel with the folder.
      const rel = folder ? relative(folder.fsPath, file) : file;
      return { kind: 'gguf', path: folder && rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file };
    }
    const again = await vscode.window.showWarningMessage(`Transfer Q*: ${bad.message}`, 'Choose Another File');
    if (again !== 'Choose Another File') return undefined;
  }
}

async function pickModel(ctx: Ctx, role: 'base' | 'baseline', step: number, base?: ModelSource): Promise<ModelSource | undefined> {
  const items: Array<Pick<'server' | 'gguf' | 'same'>> = [
    { label: '$(server) A model server…', description: 'OpenAI-compatible URL: vLLM, SGLang, llama-server, Ollama', value: 'server' },
    { label: '$(file) A local GGUF file…', description: 'run on this machine by the bundled llama.cpp engine', value: 'gguf' },
  ];
  if (base?.kind === 'server') items.unshift({ label: '$(link) Another model on the same server', description: base.baseUrl, value: 'same' });
  const how = await vscode.window.showQuickPick(items, { title: title(step, `Where is the ${ROLE_NAMES[role]}?`), ignoreFocusOut: true });
  if (!how) return undefined;
  if (how.value === 'gguf') return pickGguf(step, role);
  return pickServerModel(ctx, role, step, how.value === 'same' && base?.kind === 'server' ? base.baseUrl : undefined);
}

async function pickReward(step: number): Promise<RewardAnswer | null | undefined> {
  const kind = await vscode.window.showQuickPick<Pick<string | null>>([
    { label: '$(check) Keep the current reward', description: current('reward.kind') ?? 'as in the settings', value: null },
    ...REWARD_KINDS.map((k) => ({ label: k, description: rewardKindDoc(k), value: k })),
  ], { title: title(step, 'Which reward scores the output?'), ignoreFocusOut: true });
  if (!kind) return undefined;
  if (kind.value === null) return null;
  const fields: Record<string, string | number> = {};
  for (const f of REWARD_FIELDS[kind.value] ?? []) {
    if (f === 'name') {
      const names = Object.entries(ENUM_DOCS.name ?? {}).filter(([n]) => n !== 'tabular');
      const name = await vscode.window.showQuickPick<Pick<string>>(names.map(([n, d]) => ({ label: n, description: d, value: n })), { title: title(step, 'Built-in reward'), ignoreFocusOut: true });
      if (!name) return undefined;
      fields.name = name.value;
      if (name.value === 'keyword' || name.value === 'regex') {
        const pattern = await vscode.window.showInputBox({ title: title(step, name.value === 'keyword' ? 'Keywords' : 'Regular expression'), prompt: name.value === 'keyword' ? 'Comma-separated words the output is rewarded for' : 'The pattern whose matches are rewarded', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'required') });
        if (!pattern) return undefined;
        fields.pattern = pattern;
      }
      if (name.value === 'length') {
        const t = await vscode.window.showInputBox({ title: title(step, 'Target length'), prompt: 'Target length of the output, in characters', value: '200', ignoreFocusOut: true, validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) > 0 ? undefined : 'a positive whole number') });
        if (!t) return undefined;
        fields.target = Number(t);
      }
    } else if (f === 'baseUrl') {
      const u = await vscode.window.showInputBox({ title: title(step, `${kind.value} server`), prompt: kind.value === 'judge' ? 'OpenAI-compatible URL of the judge model, e.g. http://localhost:8003/v1' : 'URL of the reward server, e.g. http://localhost:8002', value: current('reward.baseUrl') ?? 'http://localhost:8002', ignoreFocusOut: true, validateInput: (v) => { const n = normaliseUrl(v); return n.ok ? undefined : n.reason; } });
      if (!u) return undefined;
      fields.baseUrl = (normaliseUrl(u) as { url: string }).url;
    } else if (f === 'model') {
      const listed = await probeModels(String(fields.baseUrl), undefined, 'reward');
      const models = listed.ok ? listed.models : [];
      const m = models.length
        ? (await vscode.window.showQuickPick<Pick<string>>(models.map((x) => ({ label: x, value: x })), { title: title(step, 'Reward model'), ignoreFocusOut: true }))?.value
        : await vscode.window.showInputBox({ title: title(step, 'Reward model name'), prompt: 'The reward model as the server knows it', value: current('reward.model') ?? '', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'required') });
      if (!m) return undefined;
      fields.model = m;
    }
  }
  return { kind: kind.value, fields };
}

/** Writes to the workspace settings (the user's settings when no folder is open). */
async function write(values: Record<string, unknown>): Promise<vscode.ConfigurationTarget> {
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  const cfg = vscode.workspace.getConfiguration();
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, target);
  return target;
}

export async function connectModels(ctx: Ctx): Promise<void> {
  const base = await pickModel(ctx, 'base', 1);
  if (!base) return;
  const baseline = await pickModel(ctx, 'baseline', 2, base);
  if (!baseline) return;
  const reward = await pickReward(3);
  if (reward === undefined) return;
  const values = connectionSettings({ base, baseline, ...(reward ? { reward } : {}) });
  const target = await write(values);
  const where = target === vscode.ConfigurationTarget.Workspace ? 'the workspace settings (.vscode/settings.json)' : 'your user settings';
  ctx.log.info(`Connect Models: wrote ${Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')} to ${where}`);
  if (!vscode.workspace.isTrusted && target === vscode.ConfigurationTarget.Workspace) {
    void vscode.window.showWarningMessage('Transfer Q*: this workspace is not trusted, so its model and reward settings are not used until you trust it (Manage Workspace Trust).');
  }
  void vscode.window.showInformationMessage(`Transfer Q*: models saved to ${where}. Step ${STEPS}/${STEPS}: testing the connections…`);
  await vscode.commands.executeCommand('tqstar.testConnections');
}
