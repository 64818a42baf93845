import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { serverEnv } from "../env/server.ts";

/**
 * SDK clients. With `DYNAMODB_ENDPOINT` set (the embedded engine, or another DynamoDB-compatible
 * endpoint) they talk to it with placeholder credentials; without it, to AWS as configured.
 * Read at each call, so a test can point a process at an engine it just started.
 */
function config() {
  const { DYNAMODB_ENDPOINT: endpoint, AWS_REGION: region } = serverEnv();
  return endpoint
    ? { endpoint, region, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
    : { region };
}

const dynamoClients = new Map<string, DynamoDBClient>();
const streamsClients = new Map<string, DynamoDBStreamsClient>();

export function dynamo(): DynamoDBClient {
  const key = serverEnv().DYNAMODB_ENDPOINT ?? "";
  let client = dynamoClients.get(key);
  if (!client) dynamoClients.set(key, (client = new DynamoDBClient(config())));
  return client;
}

export function dynamoStreams(): DynamoDBStreamsClient {
  const key = serverEnv().DYNAMODB_ENDPOINT ?? "";
  let client = streamsClients.get(key);
  if (!client) streamsClients.set(key, (client = new DynamoDBStreamsClient(config())));
  return client;
}
