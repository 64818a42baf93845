/*
 * Core's table definitions and subscription settings in the shapes SST and Pulumi take: the same
 * objects the local bootstrap and runner use. Pure (no `$app`, no `sst.*` globals), so the
 * contract test imports this file without SST: packages/local/src/infra-contract.test.ts.
 */
import { aggregatorSubscription } from "@streamboard/core/aggregator";
import { streamLogSubscription, type SubscriptionSettings } from "@streamboard/core/stream";
import { tables, type TableDefinition, type TableId } from "@streamboard/core/infra";

/**
 * A core table definition → the arguments of `sst.aws.Dynamo` (on demand). An index with a
 * `projection` list projects those attributes (SST's `projection: string[]`, INCLUDE), `"keys-only"`
 * only the keys (SST's `"keys-only"`), else all.
 */
export function toDynamoArgs(table: TableDefinition) {
  const globalIndexes = table.globalIndexes
    ? Object.fromEntries(
        Object.entries(table.globalIndexes).map(([name, { projection, ...keys }]) => [
          name,
          {
            ...keys,
            ...(projection === undefined
              ? {}
              : { projection: projection === "keys-only" ? projection : [...projection] }),
          } as { hashKey: string; rangeKey?: string; projection?: "keys-only" | string[] },
        ]),
      )
    : undefined;
  return {
    fields: { ...table.fields },
    primaryIndex: { ...table.primaryIndex },
    ...(globalIndexes ? { globalIndexes } : {}),
    ...(table.stream ? { stream: table.stream } : {}),
    ...(table.ttl ? { ttl: table.ttl } : {}),
  };
}

/**
 * Subscription settings (already in the names of `aws.lambda.EventSourceMapping`) → its
 * arguments. Pulumi wants a mutable array where core has a readonly tuple.
 */
export function toEventSourceMappingArgs(settings: SubscriptionSettings) {
  return { ...settings, functionResponseTypes: [...settings.functionResponseTypes] };
}

/** `sst.aws.Dynamo` arguments of each table, by the id that is also its link name. */
export const dynamoArgs = Object.fromEntries(
  Object.entries(tables).map(([id, table]) => [id, toDynamoArgs(table)]),
) as Record<TableId, ReturnType<typeof toDynamoArgs>>;

/** The aggregator's event source mapping arguments, from the local runner's settings object. */
export const aggregatorEventSourceMapping = toEventSourceMappingArgs(aggregatorSubscription);

/** The stream log's event source mapping arguments, from its runner's settings object. */
export const streamLogEventSourceMapping = toEventSourceMappingArgs(streamLogSubscription);

/**
 * `Partial<Args>` that also types every key of `T` missing from `Args` as `never`. Spread keys
 * escape TypeScript's excess-property check; `{ ...t } satisfies KnownKeys<T, Args>` does not.
 */
export type KnownKeys<T, Args> = Partial<Args> & Record<Exclude<keyof T, keyof Args>, never>;
