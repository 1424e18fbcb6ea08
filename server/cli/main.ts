import { EXIT, TunegateError } from '../errors.js';
import { HELP, helpFor } from './help.js';
import { println, withKnownSecrets, type Io } from './io.js';

type Command = (argv: readonly string[], io: Io) => Promise<number>;

/**
 * Commands are imported on demand, so `tunegate --help` and `--version` never load the
 * SQLite driver or the OpenAI client (start-up time is measured in bench/README.md).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  checkpoint: async () => (await import('./commands/checkpoint-edit.js')).checkpointCommands,
  run: async () => (await import('./commands/run.js')).runCommand,
  resume: async () => (await import('./commands/resume.js')).resumeCommand,
  categorize: async () => (await import('./commands/categorize.js')).categorizeCommand,
  advise: async () => (await import('./commands/advise.js')).adviseCommand,
  runs: async () => (await import('./commands/runs.js')).runsCommand,
  show: async () => (await import('./commands/show.js')).showCommand,
  evalset: async () => (await import('./commands/evalset.js')).evalsetCommand,
  judge: async () => (await import('./commands/judge.js')).judgeCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  gate: async () => (await import('./commands/gate.js')).gateCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
};

async function version(): Promise<string> {
  return (await import('../version.js')).toolVersion();
}

/** Prints a TunegateError: its message, then every listed problem on its own line. */
function printError(io: Io, e: TunegateError): void {
  if (e.details.length > 1) {
    // A message that is more than a count of the problems (what to do about them) comes first.
    if (!e.message.startsWith(`${e.details.length} problems`)) println(io.stderr, `tunegate: error: ${e.message}`);
    println(io.stderr, `tunegate: ${e.details.length} problems:`);
    for (const d of e.details) println(io.stderr, `  ${d}`);
  } else {
    println(io.stderr, `tunegate: error: ${e.message}`);
    if (e.details.length === 1 && e.details[0] !== e.message) println(io.stderr, `  ${e.details[0]}`);
  }
}

/** Runs one command line and returns its exit code. Never calls process.exit. */
export async function runCli(argv: readonly string[], given: Io): Promise<number> {
  const io = withKnownSecrets(given, argv);
  const [name, ...rest] = argv;
  if (name === undefined) {
    println(io.stderr, HELP.main!);
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h') {
    println(io.stdout, HELP.main!);
    return EXIT.OK;
  }
  if (name === 'help') {
    println(io.stdout, helpFor(rest));
    return EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    println(io.stdout, await version());
    return EXIT.OK;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    println(io.stderr, `tunegate: error: unknown command "${name}" (see tunegate --help)`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const sub = rest[0] !== undefined && !rest[0].startsWith('-') ? [rest[0]] : [];
    println(io.stdout, helpFor([name, ...sub]));
    return EXIT.OK;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (e) {
    if (e instanceof TunegateError) {
      printError(io, e);
      return e.exitCode;
    }
    println(io.stderr, `tunegate: internal error: ${(e as Error).stack ?? String(e)}`);
    return EXIT.INTERNAL;
  }
}
