import { startScriptedEndpoint } from '../server/scripted-endpoint/scripted-endpoint.js';

/**
 * A loopback OpenAI-compatible endpoint with a fixed latency per request, run as its own
 * process so the benchmark's runner does not share an event loop with the server it measures.
 * Prints its base URL as one JSON line, and exits when stdin closes.
 */
const latencyMs = Number(process.argv[2] ?? 50);
const e = await startScriptedEndpoint({
  respond: (req) => ({ content: `answer to: ${req.userText}` }),
  latencyMs,
  record: false,
});
process.stdout.write(`${JSON.stringify({ url: e.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void e.close().then(() => process.exit(0)));
