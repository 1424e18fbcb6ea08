/**
 * The registry of server accents, one file each; accent.ts says what an accent is. A server added
 * to SERVER_ACCENTS must be added here too (the Record type checks it).
 */
import type { Accent, ServerAccent } from './accent.js';
import { llamacpp } from './llamacpp.js';
import { lmstudio } from './lmstudio.js';
import { ollama } from './ollama.js';
import { openai } from './openai.js';
import { sglang } from './sglang.js';
import { tgi } from './tgi.js';
import { vllm } from './vllm.js';

export { SERVER_ACCENTS, requestedMaxTokens, type Accent, type GenerationApi, type ServerAccent, type WireReply } from './accent.js';

/** Every accent by its name. */
export const ACCENTS: Record<ServerAccent, Accent> = { openai, vllm, llamacpp, ollama, tgi, sglang, lmstudio };
