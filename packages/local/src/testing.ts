import { dynamo } from "@streamboard/core/dynamo";
import { localResourceEnvironment } from "@streamboard/core/resource";
import { ensureTables } from "./bootstrap.ts";
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from "./engine/index.ts";

/**
 * For integration tests: an in-memory engine on a free port, this process pointed at it
 * (`DYNAMODB_ENDPOINT`, `SST_RESOURCE_*`), and the project's tables created.
 */
export async function startTestEngine(
  options: Partial<LocalEngineOptions> = {},
): Promise<LocalEngine> {
  const engine = await startLocalEngine({ port: 0, inMemory: true, ...options });
  Object.assign(process.env, localResourceEnvironment(), { DYNAMODB_ENDPOINT: engine.endpoint });
  await ensureTables(dynamo());
  return engine;
}
