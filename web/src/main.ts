import './styles.css';
import { PAGE_URLS } from '../../server/shared/page-urls.js';
import { onTokenNeeded } from './api.js';
import { h } from './dom.js';
import { route, startRouter, type View } from './router.js';
import { compareView } from './views/compare.js';
import { emptyState } from './views/common.js';
import { registerView } from './views/register.js';
import { askForToken } from './views/token.js';
import { runView } from './views/run.js';
import { trendView } from './views/trend.js';

// The URLs are a contract (links from CI summaries open them), written once for the server and the page.
route('trend', PAGE_URLS.trend, trendView);
route('run', PAGE_URLS.run, runView);
route('compare', PAGE_URLS.compare, compareView);
route('register', PAGE_URLS.register, registerView);

const notFound: View = async (root) => {
  document.title = 'tunegate: not found';
  root.append(emptyState('No such page', h('p', null, 'Try ', h('a', { href: '/' }, 'the charts across checkpoints'), ' or ', h('a', { href: '/compare' }, 'before / after'), '.')));
};

// A server that protects its data (or its changes) answers 401: every request then waits for the token.
onTokenNeeded(askForToken);
startRouter(document.getElementById('view')!, notFound);
