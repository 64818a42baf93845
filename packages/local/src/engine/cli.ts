// `npm run engine`: the embedded engine alone, until Ctrl-C.
import { parseArgs } from "node:util";
import { asUserError, EXIT_FAILED, processIo, runAsMain, runCommand, UserError } from "../cli.ts";
import { localEnv } from "../env.ts";
import { parsePort } from "../operator-cli.ts";
import { startLocalEngine } from "./index.ts";

const usage = "usage: npm run engine -- [--port 8000] [--data-dir DIR | --in-memory]";

/** The flags, over the documented variables (DYNAMODB_PORT, DATA_DIR; AWS_REGION; the crash hook). */
function parseEngineArgs(argv: string[], source?: Record<string, string | undefined>) {
  const env = localEnv(source);
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        "data-dir": { type: "string" },
        "in-memory": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw asUserError(error);
  }
  if (args["in-memory"] && args["data-dir"]) {
    throw new UserError("--data-dir and --in-memory exclude each other");
  }
  return {
    port:
      args.port === undefined ? (env.DYNAMODB_PORT ?? 8000) : parsePort("--port", args.port, true),
    inMemory: args["in-memory"],
    dataDir: args["data-dir"] ?? env.DATA_DIR ?? ".data",
    region: env.AWS_REGION,
    crashAfterWrites: env.STREAMBOARD_ENGINE_CRASH_AFTER_WRITES,
    help: args.help,
  };
}

async function serve(options: ReturnType<typeof parseEngineArgs>): Promise<number> {
  const { port, inMemory, dataDir, region, crashAfterWrites } = options;
  const engine = await startLocalEngine({
    port,
    ...(inMemory ? { inMemory } : { dataDir }),
    region,
    ...(crashAfterWrites !== undefined ? { crashAfterWrites } : {}),
  });
  console.log(`DynamoDB + DynamoDB Streams endpoint: ${engine.endpoint}`);
  console.log(inMemory ? "Data: in memory (gone on exit)" : `Data: ${dataDir}`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.on(signal, () => {
        if (stopping) return;
        stopping = true;
        console.log("Stopping the engine…");
        engine.close().then(
          () => resolve(0),
          (error: unknown) => {
            console.error(error);
            resolve(EXIT_FAILED);
          },
        );
      });
    }
  });
}

await runAsMain(import.meta.url, (argv) =>
  runCommand(argv, processIo, { usage, parse: parseEngineArgs, run: serve }),
);
