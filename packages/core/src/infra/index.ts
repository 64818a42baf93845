/**
 * Infra: the small layer every domain stands on.
 *
 * - `clients.ts`: per endpoint, one DynamoDB client, the DocumentClient over it (what table
 *   code uses; its marshalling options are argued at the top) and one DynamoDB Streams client.
 * - `tables.ts`: the table definitions, used by `stacks/` (AWS) and the local bootstrap alike.
 * - `resource.ts`: table names, from SST links on AWS and from defaults locally.
 * - `aws-errors.ts`: matching AWS errors by name, and which of them are worth a retry.
 * - `concurrency.ts`: `forEachConcurrently`, bounded parallel requests.
 */
export * from "./clients.ts";
export * from "./tables.ts";
export * from "./resource.ts";
export * from "./aws-errors.ts";
export * from "./concurrency.ts";
