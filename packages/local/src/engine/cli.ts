import { parseArgs } from "node:util";
import { startLocalEngine } from "./index.ts";

const usage = "usage: npm run engine -- [--port 8000] [--data-dir DIR | --in-memory]";

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string", default: process.env.DYNAMODB_PORT ?? "8000" },
      "data-dir": { type: "string" },
      "in-memory": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, got "${args.port}"\n${usage}`);
  process.exit(2);
}
if (args["in-memory"] && args["data-dir"]) {
  console.error(`--data-dir and --in-memory exclude each other\n${usage}`);
  process.exit(2);
}

const inMemory = args["in-memory"];
const dataDir = args["data-dir"] ?? process.env.DATA_DIR ?? ".data";
const engine = await startLocalEngine(inMemory ? { port, inMemory } : { port, dataDir });
console.log(`DynamoDB + DynamoDB Streams endpoint: ${engine.endpoint}`);
console.log(inMemory ? "Data: in memory (gone on exit)" : `Data: ${dataDir}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log("Stopping the engine…");
    engine.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
