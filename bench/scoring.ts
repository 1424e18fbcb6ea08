import { blogMetrics } from '../server/scoring/blog/blog-quality.js';
import { seededRandom } from '../server/stats/random.js';

/**
 * Blog scoring throughput: items per second for ~2,000-character posts, English and Chinese,
 * through every deterministic metric (chrF, ROUGE-L, repetition, distinct-2, length, language).
 * Chinese is the expensive case: ROUGE-L tokenizes it per character, so its LCS table is
 * ~2,000 × 2,000. Usage: npm run bench:scoring -- [ITEMS=200]
 */
const n = Number(process.argv[2] ?? 200);
const random = seededRandom(1);
const EN = 'the cache keeps keys and values for every layer so each new token costs linear time instead of quadratic memory grows with context length serving engines page it'.split(' ');
const ZH = '模型微调以后会编造事实因为训练数据里没有问答我们需要调整数据配比加入关于作者的问答同时保留通用知识防止遗忘每次训练以后都要测试写作质量'.split('');

function post(words: string[], joiner: string, chars: number): string {
  let s = '';
  while (s.length < chars) s += words[Math.floor(random() * words.length)]! + joiner;
  return s.slice(0, chars);
}

for (const [lang, words, joiner] of [['en', EN, ' '], ['zh', ZH, '']] as const) {
  const pairs = Array.from({ length: n }, () => [post(words, joiner, 2000), post(words, joiner, 2000)] as const);
  blogMetrics(pairs[0]![0], pairs[0]![1]); // warm up the JIT
  const t0 = performance.now();
  for (const [a, r] of pairs) blogMetrics(a, r);
  const s = (performance.now() - t0) / 1000;
  console.log(`| ${lang} | ${n} | 2,000 chars | ${(n / s).toFixed(0)} items/s | ${((1000 * s) / n).toFixed(2)} ms/item |`);
}
