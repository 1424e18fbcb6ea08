import { api, type NewCheckpoint } from '../api.js';
import { h, tid } from '../dom.js';
import type { ViewContext } from '../router.js';
import { command } from './common.js';
import { tagKeyProblem } from '../../../server/shared/tag-rule.js';
import { pageUrl } from '../../../server/shared/page-urls.js';

/** The form's fields, in order; each shows its own server error next to it. */
const FIELDS = ['name', 'baseUrl', 'model', 'step', 'api', 'promptTemplate', 'apiKeyEnv', 'tags', 'evalsets'] as const;
type Field = (typeof FIELDS)[number];

/** Which field a server message is about: "body/baseUrl must …" → baseUrl; a few messages name it otherwise. */
export function fieldOf(message: string): Field | null {
  const m = /^body\/([A-Za-z]+)/.exec(message);
  if (m !== null && m[1] === 'baseUrls') return 'baseUrl';
  if (m !== null && (FIELDS as readonly string[]).includes(m[1]!)) return m[1] as Field;
  if (/does not serve model/.test(message)) return 'model';
  if (/^evalsets:/.test(message)) return 'evalsets';
  if (/key variable|apiKeyEnv/.test(message)) return 'apiKeyEnv';
  if (/^checkpoint "[^"]*" already exists/.test(message)) return 'name';
  return null;
}

/** The form's label of each request field the server names (body/model → the Model field): the one map from the API's words to the form's. */
const LABELS: Record<string, string> = {
  name: 'Name', baseUrl: 'Base URL', baseUrls: 'Base URL', model: 'Model', step: 'Training step', api: 'API', promptTemplate: 'Prompt template',
  apiKeyEnv: 'Key variable', tags: 'Tags', evalsets: 'Eval sets to run',
};
/** Request fields set to a value the form sets with a control of its own. */
const SETTINGS: Record<string, string> = { 'modelCheck=false': 'the "Skip the model check" box' };

/** A server message in the form's words: `body/model` → the Model field; `body/modelCheck=false` → the "Skip the model check" box. */
export function inFormWords(message: string): string {
  return message.replace(/\bbody\/([A-Za-z]+)(?:\/\d+)*(=[A-Za-z0-9]+)?/g, (whole, f: string, v: string | undefined) => {
    if (v !== undefined) return SETTINGS[`${f}${v}`] ?? whole;
    return LABELS[f] !== undefined ? `the ${LABELS[f]} field` : whole;
  });
}

/** "mix=bio-v2, lr=1e-5" (commas or new lines) → {mix: "bio-v2", lr: "1e-5"}; a malformed part is an error naming it. */
export function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`"${part}" is not key=value`);
    const key = part.slice(0, eq).trim();
    const problem = tagKeyProblem(key);
    if (problem !== null) throw new Error(problem);
    if (Object.hasOwn(tags, key)) throw new Error(`"${key}" is given twice`);
    tags[key] = part.slice(eq + 1).trim();
  }
  return tags;
}

/** `/checkpoints/new`: register a checkpoint (and run it now, following the run live). */
export async function registerView(root: HTMLElement, ctx: ViewContext): Promise<void> {
  document.title = 'tunegate: register a checkpoint';
  const evalsets = await api.evalsets();
  const errors = new Map<Field, HTMLElement>();
  /** Where a field's server error appears (hidden until there is one). */
  const errorSlot = (name: Field) => {
    const err = h('p', { class: 'field-error', attrs: { ...tid(`error-${name}`), id: `error-${name}`, 'aria-live': 'polite' } });
    err.hidden = true;
    errors.set(name, err);
    return err;
  };
  const field = (name: Field, label: string, input: HTMLElement, help: string) => {
    const err = errorSlot(name);
    input.id = `f-${name}`;
    input.setAttribute('aria-describedby', `help-${name} error-${name}`);
    return h('div', { class: `field field-${name}` },
      h('label', { attrs: { for: `f-${name}` } }, label), input, h('p', { class: 'help', attrs: { id: `help-${name}` } }, help), err);
  };
  const text = (name: string, placeholder = '') => h('input', { type: 'text', name, placeholder, autocomplete: 'off', spellcheck: false });
  const nameIn = text('name', 'sft-bio-v2-step-2000');
  const urlIn = text('baseUrl', 'http://127.0.0.1:8000/v1');
  const modelIn = text('model', 'the model name the server serves');
  const stepIn = h('input', { type: 'number', name: 'step', min: '0', step: '1', placeholder: '2000' });
  const apiIn = h('select', { name: 'api' }, h('option', { value: 'chat' }, 'chat (/chat/completions)'), h('option', { value: 'completions' }, 'completions (/completions, with a prompt template)'));
  const templateIn = h('textarea', { name: 'promptTemplate', rows: 2, placeholder: 'Q: {prompt}\nA:' });
  const keyIn = text('apiKeyEnv', 'e.g. VLLM_API_KEY');
  const tagsIn = text('tags', 'mix=bio-v2, lr=1e-5');
  const runNow = h('input', { type: 'checkbox', name: 'autoRun', checked: true, attrs: tid('run-now') });
  const skipCheck = h('input', { type: 'checkbox', name: 'modelCheck', attrs: tid('skip-model-check') });
  const usable = evalsets.filter((s) => s.error === undefined);
  const boxes = usable.map((s) => h('input', { type: 'checkbox', name: 'evalsets', value: s.name, checked: true }));
  const evalsetsIn = h('fieldset', { class: 'evalsets', id: 'f-evalsets', attrs: tid('evalsets') },
    h('legend', null, 'Eval sets to run'),
    usable.length === 0 ? h('p', { class: 'note' }, 'This server offers no eval sets (start it with a folder of eval sets).') : null,
    usable.map((s, i) => h('label', { class: 'check' }, boxes[i]!, `${s.name} (${s.items} items: ${s.keyword} keyword, ${s.blog} blog)`)),
    evalsets.filter((s) => s.error !== undefined).map((s) => h('p', { class: 'field-error' }, `${s.name}: ${s.error}`)));
  const general = h('div', { class: 'error', attrs: { ...tid('form-error'), role: 'alert' } });
  general.hidden = true;
  const submit = h('button', { type: 'submit', attrs: tid('register-submit') }, 'Register');

  const clearErrors = () => {
    for (const [name, el] of errors) {
      el.hidden = true;
      el.textContent = '';
      root.querySelector(`#f-${name}`)?.removeAttribute('aria-invalid');
    }
    general.hidden = true;
  };
  const showError = (name: Field | null, message: string) => {
    const el = name === null ? undefined : errors.get(name);
    if (el === undefined) {
      general.textContent = message;
      general.hidden = false;
      return;
    }
    el.textContent = message;
    el.hidden = false;
    const input = root.querySelector<HTMLElement>(`#f-${name}`);
    input?.setAttribute('aria-invalid', 'true');
    input?.focus();
  };

  const form = h('form', {
    class: 'register', noValidate: true, attrs: tid('register-form'),
    onsubmit: async (e: Event) => {
      e.preventDefault();
      clearErrors();
      let tags: Record<string, string>;
      try {
        tags = parseTags(tagsIn.value);
      } catch (err) {
        showError('tags', `tags: ${(err as Error).message}`);
        return;
      }
      // Replicas of one model: several URLs, separated by spaces, commas or new lines.
      const urls = urlIn.value.split(/[\s,]+/).filter((u) => u !== '');
      const body: NewCheckpoint = {
        name: nameIn.value.trim(), ...(urls.length > 1 ? { baseUrls: urls } : { baseUrl: urls[0] ?? '' }), model: modelIn.value.trim(), api: apiIn.value as 'chat' | 'completions',
      };
      if (stepIn.value.trim() !== '') body.step = Number(stepIn.value);
      if (templateIn.value !== '') body.promptTemplate = templateIn.value;
      if (keyIn.value.trim() !== '') body.apiKeyEnv = keyIn.value.trim();
      if (Object.keys(tags).length > 0) body.tags = tags;
      if (skipCheck.checked) body.modelCheck = false;
      if (runNow.checked) {
        body.autoRun = true;
        const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
        if (chosen.length === 0) {
          showError('evalsets', 'evalsets: choose at least one eval set to run');
          return;
        }
        body.evalsets = chosen;
      }
      submit.disabled = true;
      try {
        // A server with a token answers 401 first: api.ts asks for it (the form above the page) and sends again.
        const created = await api.addCheckpoint(body);
        if (created.run !== undefined) {
          ctx.navigate(pageUrl('', 'run', { id: created.run.id }));
          return;
        }
        form.replaceWith(h('section', { class: 'done', attrs: tid('registered') },
          h('h2', null, `Registered ${created.name}`),
          h('p', null, 'Run it from the CLI, or register with "run now" next time:'),
          command(`npx tunegate run ${created.name}`),
          h('p', null, h('a', { href: '/' }, 'Back to the charts'))));
      } catch (err) {
        showError(fieldOf((err as Error).message), inFormWords((err as Error).message));
      } finally {
        submit.disabled = false;
      }
    },
  },
  field('name', 'Name', nameIn, 'Unique. Letters, digits and . _ : @ + - / (no spaces).'),
  field('baseUrl', 'Base URL', urlIn, 'The OpenAI-compatible endpoint serving the checkpoint, including /v1. Replicas of one model on several machines: give each URL, separated by spaces.'),
  field('model', 'Model', modelIn, 'The model name sent in each request (the name the server serves it under); a run checks it against the server\'s GET /v1/models first, unless the box below says to skip that.'),
  h('label', { class: 'check' }, skipCheck, 'Skip the model check (a gateway that lists other names than it accepts)'),
  field('step', 'Training step', stepIn, 'Orders checkpoints on the charts. Optional.'),
  field('api', 'API', apiIn, 'chat for instruction-tuned models; completions for base models without a chat template.'),
  field('promptTemplate', 'Prompt template', templateIn, 'completions only: {prompt} and {system} are filled in.'),
  field('apiKeyEnv', 'Key variable', keyIn, "The NAME of the server's environment variable that holds the endpoint's key — never the key itself. Local servers need none."),
  field('tags', 'Tags', tagsIn, 'key=value, comma-separated: charts filter and colour by them (mix=blog-only vs mix=bio-v2).'),
  evalsetsIn,
  errorSlot('evalsets'),
  h('label', { class: 'check' }, runNow, 'Run now, and follow the run live'),
  general,
  submit);

  root.append(h('h1', null, 'Register a checkpoint'),
    h('p', { class: 'lede' }, 'The same as ', h('code', null, 'npx tunegate checkpoint add'), ' or POST /api/checkpoints. A training loop usually posts this itself after saving each checkpoint.'),
    form);
}
