/**
 * The frame every command of this package runs in (`npm run dev`, `start`, `replay`,
 * `reconcile`, `engine`, the runner's own process): one user-error type, one "run as main" guard,
 * one set of exit codes and one way to say what went wrong.
 *
 *   0  done                  1  it ran and found a problem (drift, a failed record), or a bug
 *   2  the user can fix it: a bad flag, a bad environment, nothing answering, a busy port
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { EnvError, serverEnv } from "@streamboard/core/env";

/** A problem the user can fix (a bad flag, nothing answering); printed as one line, no stack. */
export class UserError extends Error {
  override name = "UserError";
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USER_ERROR = 2;

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  out: Output;
  err: Output;
}

export const processIo: Io = { out: process.stdout, err: process.stderr };

/**
 * A command: flags parsed (a bad one: the message, the usage, exit 2), `--help`, the environment
 * checked (`serverEnv()`, or `localEnv()` while parsing: every bad variable in one message,
 * exit 2), and a UserError from the
 * body as one plain sentence with exit 2. Anything else is a bug and keeps its stack.
 */
export async function runCommand<Options extends { help: boolean }>(
  argv: string[],
  io: Io,
  command: {
    usage: string;
    parse: (argv: string[]) => Options;
    run: (options: Options) => Promise<number>;
    /** Prefix of the one-line error of a run that started (`[dev] `); default none. */
    prefix?: string;
  },
): Promise<number> {
  const prefix = command.prefix ?? "";
  let options: Options;
  try {
    options = command.parse(argv);
  } catch (error) {
    // The flags read the environment too (localEnv): a bad variable is no usage problem.
    if (error instanceof EnvError) {
      io.err.write(`${prefix}${error.message}\n`);
      return EXIT_USER_ERROR;
    }
    if (!(error instanceof UserError)) throw error;
    io.err.write(`${error.message}\n\n${command.usage}\n`);
    return EXIT_USER_ERROR;
  }
  if (options.help) {
    io.out.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    serverEnv();
    return await command.run(options);
  } catch (error) {
    if (error instanceof UserError || error instanceof EnvError) {
      io.err.write(`${prefix}${error.message}\n`);
      return EXIT_USER_ERROR;
    }
    throw error;
  }
}

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(path.resolve(script)).href === moduleUrl;
}

/**
 * Runs `main` when the module is the script node was started with (tests import the module
 * without running it), then exits with its code: idle keep-alive sockets of the SDK clients
 * would otherwise hold the process open.
 */
export async function runAsMain(
  moduleUrl: string,
  main: (argv: string[]) => Promise<number>,
): Promise<void> {
  if (!isMain(moduleUrl)) return;
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    console.error(error);
    code = EXIT_FAILED;
  }
  process.exit(code);
}

/** Flag parsing errors of `node:util`'s parseArgs, as a UserError. */
export function asUserError(error: unknown): UserError {
  return new UserError(error instanceof Error ? error.message : String(error));
}
