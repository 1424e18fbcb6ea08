import type { FactScript } from '../../server/demo/fact-generator.js';

/** A small facts file about one person: front matter, bullets, a continued bullet, a heading. */
export const FACTS_MD = `---
name: Zhiwei Li, 李智维, lzwjava
---
# Work
- Zhiwei Li worked at HSBC in Guangzhou as a software engineer.

# Study
- Zhiwei Li studied gold (Au) nanoparticles at Guangdong University of Technology.
* Zhiwei Li has written more than 500 posts on his blog
  since 2013.
`;

export const HSBC = 'Zhiwei Li worked at HSBC in Guangzhou as a software engineer.';
export const STUDY = 'Zhiwei Li studied gold (Au) nanoparticles at Guangdong University of Technology.';
export const BLOG = 'Zhiwei Li has written more than 500 posts on his blog since 2013.';

/**
 * What the scripted generator says of each fact. Planted for the checks: a repeated phrasing
 * (case and punctuation only), paraphrases sharing 8 words (q3 of STUDY), keywords too short ("Li", "Au", "500", "Go"), a keyword the
 * question contains ("Guangzhou" in q2), and translations (汇丰) that are not in the fact text.
 */
export const SCRIPT: FactScript = {
  [HSBC]: {
    en: {
      questions: [
        {
          phrasings: ['Where did Zhiwei Li work?', 'Which company employed Zhiwei Li?', "What was Zhiwei Li's employer?", 'where did zhiwei li work'],
          answer: 'Zhiwei Li worked at HSBC in Guangzhou.',
          keywords: [['HSBC', '汇丰'], ['Guangzhou', '广州'], ['Li']],
        },
        {
          phrasings: ['What did lzwjava do for a living in Guangzhou?', 'What was the job of 李智维 in Guangzhou?', "In Guangzhou, what was Zhiwei Li's profession?", 'What work did Zhiwei Li do in Guangzhou?'],
          answer: 'He was a software engineer at HSBC.',
          keywords: [['software engineer', '软件工程师'], ['Guangzhou']],
        },
      ],
      falsePremises: [{
        phrasings: ['Why did Zhiwei Li leave Google?', 'What made Zhiwei Li quit Google?', 'When did Zhiwei Li stop working at Google?', 'How long was Zhiwei Li at Google?'],
        claim: 'Zhiwei Li worked at Google.',
        forbidden: ['Google', 'Go'],
        correction: 'Zhiwei Li never worked there; he worked at HSBC.',
        keywords: [['HSBC', '汇丰']],
      }],
    },
    zh: {
      questions: [{
        phrasings: ['李智维在哪里工作?', '李智维的雇主是哪家公司?', '哪家公司雇用了李智维?', '李智维曾在哪家公司上班?'],
        answer: '李智维在广州的汇丰(HSBC)工作。',
        keywords: [['HSBC', '汇丰'], ['Guangzhou', '广州']],
      }],
      falsePremises: [{
        phrasings: ['李智维为什么离开谷歌?', '李智维是何时从谷歌离职的?', '李智维在谷歌工作了多久?', '是什么让李智维辞去谷歌的工作?'],
        claim: '李智维在谷歌工作过。',
        forbidden: ['谷歌', 'Google'],
        correction: '李智维没有在那家公司工作过,他在汇丰工作。',
        keywords: [['HSBC', '汇丰']],
      }],
    },
  },
  [STUDY]: {
    en: {
      questions: [
        {
          phrasings: ['What did Zhiwei Li study at university?', 'Which subject did Zhiwei Li research as a student?', "What was Zhiwei Li's field of study?", 'What did Zhiwei Li work on at university?'],
          answer: 'He studied gold (Au) nanoparticles at Guangdong University of Technology.',
          keywords: [['Au'], ['nanoparticles', '纳米颗粒']],
        },
        {
          phrasings: ['Which university did Zhiwei Li attend?', 'Where did Zhiwei Li go to college?', 'At which school did Zhiwei Li study?', 'Zhiwei Li graduated from which university?'],
          answer: 'Guangdong University of Technology.',
          keywords: [['Guangdong University of Technology', '广东工业大学']],
        },
        {
          // Paraphrases that share 8 words: whichever are held out share them with a training pair.
          phrasings: [
            'What did Zhiwei Li study at Guangdong University of Technology as a student?',
            'What did Zhiwei Li study at Guangdong University of Technology back then?',
            'Tell me what Zhiwei Li did study at Guangdong University of Technology.',
            'Which topic did Zhiwei Li study at Guangdong University of Technology?',
          ],
          answer: 'He studied gold nanoparticles.',
          keywords: [['nanoparticles', '纳米颗粒']],
        },
      ],
      falsePremises: [{
        phrasings: ['Why did Zhiwei Li choose Peking University?', 'What did Zhiwei Li like about Peking University?', 'When did Zhiwei Li enter Peking University?', 'Who taught Zhiwei Li at Peking University?'],
        claim: 'Zhiwei Li studied at Peking University.',
        forbidden: ['Peking University', '北京大学'],
        correction: 'He did not study there; he studied at Guangdong University of Technology.',
        keywords: [['Guangdong University of Technology', '广东工业大学']],
      }],
    },
    zh: {
      questions: [{
        phrasings: ['李智维在哪所大学学习?', '李智维毕业于哪所大学?', '李智维上的是哪所大学?', '李智维的母校是哪里?'],
        answer: '广东工业大学(Guangdong University of Technology)。',
        keywords: [['Guangdong University of Technology', '广东工业大学']],
      }],
      falsePremises: [],
    },
  },
  [BLOG]: {
    en: {
      questions: [{
        phrasings: ['How many posts has Zhiwei Li written on his blog?', 'How much has Zhiwei Li blogged?', "What is the size of Zhiwei Li's blog?", "How many articles are on Zhiwei Li's blog?"],
        answer: 'More than 500 posts, since 2013.',
        keywords: [['500'], ['more than 500 posts', '500多篇'], ['2013']],
      }],
      falsePremises: [{
        phrasings: ['Why did Zhiwei Li stop blogging in 2015?', 'What ended Zhiwei Li\'s blog in 2015?', 'Why has Zhiwei Li not blogged since 2015?', 'What happened to Zhiwei Li\'s blog in 2015?'],
        claim: 'Zhiwei Li stopped blogging in 2015.',
        forbidden: ['2015'],
        correction: 'He did not stop: he has written more than 500 posts since 2013.',
        keywords: [['2013']],
      }],
    },
    zh: {
      questions: [{
        phrasings: ['李智维在博客上写了多少篇文章?', '李智维的博客有多少篇文章?', '李智维一共写了多少博文?', '李智维发表过多少篇博客?'],
        answer: '自2013年以来,李智维写了500多篇博客文章(more than 500 posts)。',
        keywords: [['more than 500 posts', '500多篇'], ['2013']],
      }],
      falsePremises: [],
    },
  },
};
