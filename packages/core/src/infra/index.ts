/**
 * Infra: the small layer every domain stands on.
 *
 * - `clients.ts`: one DynamoDB and one DynamoDB Streams client per endpoint.
 * - `tables.ts`: the table definitions, used by `stacks/` (AWS) and the local bootstrap alike.
 * - `resource.ts`: table names, from SST links on AWS and from defaults locally.
 * - `aws-errors.ts`: matching AWS errors by name, and which of them are worth a retry.
 */
export * from "./clients.ts";
export * from "./tables.ts";
export * from "./resource.ts";
export * from "./aws-errors.ts";
