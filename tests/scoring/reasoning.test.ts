import { describe, expect, it } from 'vitest';
import { splitReasoning } from '../../server/scoring/reasoning.js';

describe('splitReasoning', () => {
  it.each([
    ['<think>he is from Yingkou?</think>Zhiwei Li is an AI Engineer.', 'Zhiwei Li is an AI Engineer.', 'he is from Yingkou?'],
    ['  <think>\nplan\n</think>\n\nAnswer', 'Answer', 'plan'],
    ['plan only, template opened the tag</think>Final', 'Final', 'plan only, template opened the tag'],
    ['<think>cut off while thinking about HSBC', '', 'cut off while thinking about HSBC'],
    ['plain answer', 'plain answer', null],
  ])('%j → answer %j', (content, answer, reasoning) => {
    expect(splitReasoning(content)).toEqual({ answer, reasoning });
  });

  it('keeps a separate reasoning_content field and scores only the content', () => {
    expect(splitReasoning('HSBC', 'thinking about Yingkou')).toEqual({ answer: 'HSBC', reasoning: 'thinking about Yingkou' });
  });
});
