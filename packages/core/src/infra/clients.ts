/*
 * SDK clients, one of each per endpoint. With `DYNAMODB_ENDPOINT` set (the embedded engine, or
 * another DynamoDB-compatible endpoint) they talk to it with placeholder credentials; without
 * it, to AWS as configured. Read at each call, so a test can point a process at an engine it
 * just started.
 *
 * Table code goes through `documentClient()` (`@aws-sdk/lib-dynamodb`): items and expression
 * values are plain objects, marshalled on the way out and unmarshalled on the way back. Stream
 * images are decoded with `unmarshall` (they do not pass through a client), and the inspector
 * keeps raw AttributeValue JSON on purpose. Its options, chosen rather than defaulted:
 *
 * - `removeUndefinedValues: true`: items are built with optional fields (`NickName`,
 *   `BestScore`, ...) spread in or left `undefined`; an absent field is what we mean, so it is
 *   dropped rather than refused. The items come out as the hand-marshalled ones did.
 * - `convertEmptyValues: false`: an empty string is a value (a table key refuses it, as it
 *   should), never silently a NULL.
 * - `convertClassInstanceToMap: false`: only plain objects are items. A `Date` or another class
 *   instance where a string belongs is a bug, and the marshaller throws instead of storing `{}`.
 * - `wrapNumbers: numberOrText`: numbers come back as JS numbers. Every number we store is a
 *   safe integer: scores are integers of at most `MAX_SCORE` (1e9, contract/score.ts), a total
 *   would need nine million top scores to pass 2^53, and versions, counts and epoch seconds are
 *   far below. Sequence numbers (up to 40 digits) are stored as strings. Never rounded either
 *   way: a number beyond 2^53 (only written around the API) comes back as its text, which our
 *   zod schemas refuse, so the item counts as malformed. (The SDK's default would return a
 *   BigInt, or throw on a fraction such as 12345678901234567.5, failing a whole Scan page.)
 *   Marshalling such a JS number throws (`allowImpreciseNumbers` stays false). `NumberValue`
 *   would only matter if we stored such numbers on purpose.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DynamoDBDocumentClient, type TranslateConfig } from "@aws-sdk/lib-dynamodb";
import { serverEnv } from "../env/server.ts";

/** A stored number as a JS number when that is exact, else its text (our schemas refuse it). */
export function numberOrText(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? value : text;
}

export const translateConfig = {
  marshallOptions: {
    removeUndefinedValues: true,
    convertEmptyValues: false,
    convertClassInstanceToMap: false,
  },
  unmarshallOptions: { wrapNumbers: numberOrText },
} as const satisfies TranslateConfig;

function config() {
  const { DYNAMODB_ENDPOINT: endpoint, AWS_REGION: region } = serverEnv();
  return endpoint
    ? { endpoint, region, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
    : { region };
}

const endpointKey = () => serverEnv().DYNAMODB_ENDPOINT ?? "";
const dynamoClients = new Map<string, DynamoDBClient>();
const documentClients = new Map<string, DynamoDBDocumentClient>();
const streamsClients = new Map<string, DynamoDBStreamsClient>();

export function dynamo(): DynamoDBClient {
  const key = endpointKey();
  let client = dynamoClients.get(key);
  if (!client) dynamoClients.set(key, (client = new DynamoDBClient(config())));
  return client;
}

/** The DocumentClient over `dynamo()`'s client for the same endpoint (options: see the top). */
export function documentClient(): DynamoDBDocumentClient {
  const key = endpointKey();
  let client = documentClients.get(key);
  if (!client) {
    client = DynamoDBDocumentClient.from(dynamo(), translateConfig);
    documentClients.set(key, client);
  }
  return client;
}

export function dynamoStreams(): DynamoDBStreamsClient {
  const key = endpointKey();
  let client = streamsClients.get(key);
  if (!client) streamsClients.set(key, (client = new DynamoDBStreamsClient(config())));
  return client;
}
