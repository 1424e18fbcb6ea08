import type { FactScript } from './fact-generator.js';

/** The model name under which the demo's scripted endpoint answers as an eval-set generator. */
export const DEMO_GENERATOR = 'demo-generator';

/**
 * What the demo's scripted generator writes for the facts of docs/examples/facts.md (keyed by
 * fact text as parseFacts reads it), so the facts → generate walkthrough in docs/evalsets.md runs without a
 * model or a key. Any other fact gets an unusable reply, which generate reports.
 */
export const DEMO_FACT_SCRIPT: FactScript = {
  'Zhiwei Li works as an AI Engineer at TEKsystems.': {
    en: {
      questions: [
        {
          phrasings: ['Where does Zhiwei Li work now?', 'Which company employs Zhiwei Li today?', "Who is Zhiwei Li's current employer?", 'At what company is lzwjava working these days?'],
          answer: 'Zhiwei Li works at TEKsystems as an AI Engineer.',
          keywords: [['TEKsystems']],
        },
        {
          phrasings: ["What is Zhiwei Li's job title?", 'What role does 李智维 have at his current job?', 'What does Zhiwei Li do for a living now?', 'What position does Zhiwei Li hold today?'],
          answer: 'He is an AI Engineer.',
          keywords: [['AI Engineer', 'AI工程师']],
        },
      ],
      falsePremises: [{
        phrasings: ['Why did Zhiwei Li join Google as a data scientist?', 'When did Zhiwei Li become a data scientist at Google?', 'What does Zhiwei Li do as a data scientist at Google?', 'How long has Zhiwei Li been a data scientist at Google?'],
        claim: 'Zhiwei Li is a data scientist at Google.',
        forbidden: ['Google', 'data scientist', '谷歌'],
        correction: 'That premise is wrong: Zhiwei Li is an AI Engineer at TEKsystems.',
        keywords: [['TEKsystems'], ['AI Engineer', 'AI工程师']],
      }],
    },
    zh: {
      questions: [
        {
          phrasings: ['李智维现在在哪家公司工作?', '李智维目前的雇主是谁?', 'lzwjava现在就职于哪家公司?', '李智维如今在哪里上班?'],
          answer: '李智维现在在TEKsystems工作,是一名AI工程师。',
          keywords: [['TEKsystems']],
        },
        {
          phrasings: ['李智维现在的职位是什么?', '李智维目前担任什么职务?', '李智维现在做什么工作?', '李智维的工作头衔是什么?'],
          answer: '他是一名AI工程师(AI Engineer)。',
          keywords: [['AI Engineer', 'AI工程师']],
        },
      ],
      falsePremises: [{
        phrasings: ['李智维为什么加入谷歌当数据科学家?', '李智维什么时候成为谷歌的数据科学家?', '李智维在谷歌做数据科学家多久了?', '李智维作为谷歌数据科学家负责什么?'],
        claim: '李智维是谷歌的数据科学家。',
        forbidden: ['谷歌', '数据科学家', 'Google'],
        correction: '这个前提不对:李智维是TEKsystems的AI工程师。',
        keywords: [['TEKsystems']],
      }],
    },
  },
  'Before that, Zhiwei Li worked as a software engineer at HSBC in Guangzhou.': {
    en: {
      questions: [
        {
          phrasings: ['Where did Zhiwei Li work before his current job?', 'Which bank employed Zhiwei Li earlier in his career?', "What was Zhiwei Li's previous employer?", 'Before TEKsystems, where was Zhiwei Li working?'],
          answer: 'Before that, he worked at HSBC in Guangzhou.',
          keywords: [['HSBC', '汇丰'], ['Guangzhou', '广州']],
        },
        {
          phrasings: ['In which city did Zhiwei Li work at his previous job?', 'Where was Zhiwei Li based when he was a software engineer?', "Which city was Zhiwei Li's earlier workplace in?", 'In what city did lzwjava work before?'],
          answer: 'He worked in Guangzhou.',
          keywords: [['Guangzhou', '广州']],
        },
      ],
      falsePremises: [{
        phrasings: ['Why did Zhiwei Li leave Citibank in Shanghai?', 'What did Zhiwei Li do at Citibank in Shanghai?', 'How long did Zhiwei Li work for Citibank in Shanghai?', 'When did Zhiwei Li start at Citibank in Shanghai?'],
        claim: 'Zhiwei Li worked at Citibank in Shanghai.',
        forbidden: ['Citibank', 'Shanghai', '花旗', '上海'],
        correction: 'He did not: before TEKsystems he was a software engineer at HSBC in Guangzhou.',
        keywords: [['HSBC', '汇丰'], ['Guangzhou', '广州']],
      }],
    },
    zh: {
      questions: [{
        phrasings: ['李智维之前在哪家公司工作?', '李智维上一份工作在哪家银行?', '李智维以前的雇主是谁?', '在加入现在的公司之前,李智维在哪里工作?'],
        answer: '他之前在广州的汇丰(HSBC)做软件工程师。',
        keywords: [['HSBC', '汇丰'], ['Guangzhou', '广州']],
      }],
      falsePremises: [{
        phrasings: ['李智维为什么离开上海的花旗银行?', '李智维在上海花旗银行工作了多久?', '李智维在上海花旗银行做什么?', '李智维什么时候加入上海花旗银行?'],
        claim: '李智维曾在上海的花旗银行工作。',
        forbidden: ['花旗', '上海', 'Citibank'],
        correction: '不对,他之前在广州的汇丰做软件工程师。',
        keywords: [['HSBC', '汇丰'], ['Guangzhou', '广州']],
      }],
    },
  },
  'Zhiwei Li writes a technical blog, lzwjava.github.io, in Chinese and English, about programming, machine learning and learning English.': {
    en: {
      questions: [
        {
          phrasings: ["What is the address of Zhiwei Li's blog?", "Where can I read Zhiwei Li's blog online?", 'What is the URL of the blog Zhiwei Li writes?', 'At which website does Zhiwei Li publish his blog?'],
          answer: 'His blog is at lzwjava.github.io.',
          keywords: [['lzwjava.github.io']],
        },
        {
          phrasings: ['In which languages does Zhiwei Li write his blog?', "What languages are Zhiwei Li's blog posts in?", 'Does Zhiwei Li blog in one language or several?', 'Which languages does Zhiwei Li use on his blog?'],
          answer: 'He writes it in Chinese and English.',
          keywords: [['Chinese', '中文'], ['English', '英文']],
        },
      ],
      falsePremises: [{
        phrasings: ['Why does Zhiwei Li write his blog only in Japanese?', 'Since when has Zhiwei Li blogged in Japanese?', "Who reads Zhiwei Li's Japanese-language blog?", 'What made Zhiwei Li choose Japanese for his blog?'],
        claim: 'Zhiwei Li writes his blog in Japanese.',
        forbidden: ['Japanese', '日语', '日文'],
        correction: 'He does not: he writes it in Chinese and English.',
        keywords: [['Chinese', '中文'], ['English', '英文']],
      }],
    },
    zh: {
      questions: [
        {
          phrasings: ['李智维的博客网址是什么?', '在哪里可以看到李智维的博客?', '李智维的博客地址是多少?', '李智维在哪个网站上写博客?'],
          answer: '他的博客在 lzwjava.github.io。',
          keywords: [['lzwjava.github.io']],
        },
        {
          phrasings: ['李智维用哪些语言写博客?', '李智维的博客文章是什么语言的?', '李智维写博客用几种语言?', '李智维的博客面向哪些语言的读者?'],
          answer: '他用中文和英文(Chinese and English)写博客。',
          keywords: [['Chinese', '中文'], ['English', '英文']],
        },
      ],
      falsePremises: [{
        phrasings: ['李智维为什么只用日语写博客?', '李智维从什么时候开始用日语写博客?', '谁在读李智维的日语博客?', '李智维为什么选择用日语写博客?'],
        claim: '李智维用日语写博客。',
        forbidden: ['日语', '日文', 'Japanese'],
        correction: '不是的,他用中文和英文写博客。',
        keywords: [['Chinese', '中文']],
      }],
    },
  },
  'Zhiwei Li fine-tunes open-weight language models on the posts of his own blog.': {
    en: {
      questions: [
        {
          phrasings: ['What kind of models does Zhiwei Li fine-tune?', 'Which models does Zhiwei Li train on his own writing?', 'What sort of AI models does Zhiwei Li adapt with his posts?', 'What does Zhiwei Li fine-tune?'],
          answer: 'He fine-tunes open-weight language models.',
          keywords: [['open-weight', '开放权重', '开源'], ['language models', '语言模型']],
        },
        {
          phrasings: ['What data does Zhiwei Li fine-tune his models on?', 'Which texts does Zhiwei Li use to train his models?', "What is the training data of Zhiwei Li's models?", 'On what material does Zhiwei Li fine-tune?'],
          answer: 'On the posts of his own blog.',
          keywords: [['posts of his own blog', '自己的博客文章']],
        },
      ],
      falsePremises: [{
        phrasings: ['Why does Zhiwei Li train GPT-4 from scratch?', 'How much did Zhiwei Li spend training GPT-4 from scratch?', 'When did Zhiwei Li start training GPT-4 from scratch?', 'Where does Zhiwei Li train GPT-4 from scratch?'],
        claim: 'Zhiwei Li trains GPT-4 from scratch.',
        forbidden: ['GPT-4', 'from scratch', '从零'],
        correction: 'He does not: he fine-tunes open-weight language models on his own blog posts.',
        keywords: [['open-weight', '开放权重', '开源']],
      }],
    },
    zh: {
      questions: [{
        phrasings: ['李智维微调什么样的模型?', '李智维训练哪类模型?', '李智维用自己的文章微调什么?', '李智维在调哪种模型?'],
        answer: '他微调开放权重的语言模型(open-weight language models)。',
        keywords: [['open-weight', '开放权重', '开源'], ['language models', '语言模型']],
      }],
      falsePremises: [{
        phrasings: ['李智维为什么从零训练GPT-4?', '李智维从零训练GPT-4花了多少钱?', '李智维什么时候开始从零训练GPT-4?', '李智维在哪里从零训练GPT-4?'],
        claim: '李智维从零训练GPT-4。',
        forbidden: ['GPT-4', '从零'],
        correction: '不是,他是用自己的博客文章微调开放权重的语言模型。',
        keywords: [['open-weight', '开放权重', '开源']],
      }],
    },
  },
};
