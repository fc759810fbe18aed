// Prompt templates per model role, and the (prompt, response) template of reward models.
import { TqError } from '../core/errors';

const MODEL_PRESETS: Record<string, string> = {
  raw: '{prompt}',
  chatml: '<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n',
  llama3: '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  mistral: '<s>[INST] {prompt} [/INST]',
  zephyr: '<|user|>\n{prompt}</s>\n<|assistant|>\n',
};

const REWARD_PRESETS: Record<string, string> = {
  raw: '{prompt}{response}',
  chatml: '<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n{response}<|im_end|>\n',
  llama3: '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{response}<|eot_id|>',
  mistral: '<s>[INST] {prompt} [/INST]{response}</s>',
  zephyr: '<|user|>\n{prompt}</s>\n<|assistant|>\n{response}</s>\n',
};

/** Whether the template already writes the BOS token itself (then the tokenizer must not add one). */
export function templateHasBos(template: string): boolean {
  return /^(<s>|<\|begin_of_text\|>)/.test(MODEL_PRESETS[template] ?? template);
}

/** The text sent to a generating model for a user prompt. */
export function applyPromptTemplate(template: string, prompt: string): string {
  const t = MODEL_PRESETS[template] ?? template;
  if (!t.includes('{prompt}')) throw new TqError('config', `prompt template "${template}" has no {prompt} placeholder`);
  return t.replace(/\{prompt\}/g, () => prompt);
}

/** The text a reward model scores for (prompt, response). A custom template without {response} gets it appended. */
export function applyRewardTemplate(template: string | undefined, prompt: string, response: string): string {
  const t = REWARD_PRESETS[template ?? 'raw'] ?? template!;
  const withResponse = t.includes('{response}') ? t : `${t}{response}`;
  // One pass, so that a prompt containing "{response}" is not substituted twice.
  return withResponse.replace(/\{prompt\}|\{response\}/g, (m) => (m === '{prompt}' ? prompt : response));
}

/**
 * The (query, document) pair a cross-encoder scores for (prompt, response): the reward template cut at {response},
 * so that query + document is exactly applyRewardTemplate's text (the query side carries the prompt's wrapping,
 * the document side the response and whatever the template writes after it).
 */
export function splitRewardTemplate(template: string | undefined, prompt: string, response: string): { query: string; document: string } {
  const t = REWARD_PRESETS[template ?? 'raw'] ?? template!;
  const cut = t.indexOf('{response}');
  const [head, tail] = cut < 0 ? [t, '{response}'] : [t.slice(0, cut), t.slice(cut)];
  // One pass per side, as in applyRewardTemplate: a prompt containing "{response}" stays as it is.
  const fill = (s: string) => s.replace(/\{prompt\}|\{response\}/g, (m) => (m === '{prompt}' ? prompt : response));
  return { query: fill(head), document: fill(tail) };
}
