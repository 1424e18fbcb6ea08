import './styles.css';
import { onTokenNeeded } from './api.js';
import { h } from './dom.js';
import { route, startRouter, type View } from './router.js';
import { compareView } from './views/compare.js';
import { emptyState } from './views/common.js';
import { registerView } from './views/register.js';
import { askForToken } from './views/token.js';
import { runView } from './views/run.js';
import { trendView } from './views/trend.js';

// The URLs are a contract (links from CI summaries open them): /, /runs/:id, /compare, /checkpoints/new.
route('trend', '/', trendView);
route('run', '/runs/:id', runView);
route('compare', '/compare', compareView);
route('register', '/checkpoints/new', registerView);

const notFound: View = async (root) => {
  document.title = 'tunegate: not found';
  root.append(emptyState('No such page', h('p', null, 'Try ', h('a', { href: '/' }, 'the charts across checkpoints'), ' or ', h('a', { href: '/compare' }, 'before / after'), '.')));
};

// A server that protects its data (or its changes) answers 401: every request then waits for the token.
onTokenNeeded(askForToken);
startRouter(document.getElementById('view')!, notFound);
