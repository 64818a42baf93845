/** Limits every web instance shares: token buckets in DynamoDB, their rules, the client's address. */
export * from "./buckets.ts";
export * from "./rules.ts";
export * from "./client.ts";
