import { validationError } from "./aws-error.ts";
import type { BackendResponse } from "./dynalite-backend.ts";
import { tableNameOf } from "./table-catalog.ts";

type Body = Record<string, unknown>;

/** The members of a batch response keyed by table name, as the caller keyed its request. */
const KEYED_BY_TABLE = [
  "Responses",
  "UnprocessedKeys",
  "UnprocessedItems",
  "ItemCollectionMetrics",
];
const TRANSACT_ACTIONS = ["ConditionCheck", "Put", "Delete", "Update", "Get"];

const isObject = (value: unknown): value is Body =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * AWS takes a table ARN wherever it takes a table name; dynalite only names. Rewrites `body` in
 * place (TableName, batch RequestItems keys, transaction items) so that every later layer sees
 * names only, and returns how to answer under the keys the caller used.
 */
export function resolveTableArns(body: Body): {
  changed: boolean;
  restore: (response: BackendResponse) => BackendResponse;
} {
  let changed = false;
  const rename = (holder: Body) => {
    if (typeof holder.TableName !== "string") return;
    const name = tableNameOf(holder.TableName);
    if (name !== holder.TableName) {
      holder.TableName = name;
      changed = true;
    }
  };
  rename(body);
  if (Array.isArray(body.TransactItems)) {
    for (const item of body.TransactItems as unknown[]) {
      if (!isObject(item)) continue;
      for (const action of TRANSACT_ACTIONS) if (isObject(item[action])) rename(item[action]);
    }
  }

  // name → the key the caller used, for the tables it named by ARN
  const callerKeys = new Map<string, string>();
  if (isObject(body.RequestItems)) {
    const byName: Body = {};
    for (const [key, requests] of Object.entries(body.RequestItems)) {
      const name = tableNameOf(key);
      if (Object.hasOwn(byName, name)) {
        throw validationError(
          `One or more parameter values were invalid: table ${name} is named more than once in RequestItems`,
        );
      }
      byName[name] = requests;
      if (name !== key) callerKeys.set(name, key);
    }
    if (callerKeys.size > 0) {
      body.RequestItems = byName;
      changed = true;
    }
  }

  return {
    changed,
    restore(response) {
      if (callerKeys.size === 0 || response.statusCode !== 200) return response;
      const output = JSON.parse(response.body) as Body;
      for (const member of KEYED_BY_TABLE) {
        const byName = output[member];
        if (!isObject(byName)) continue;
        output[member] = Object.fromEntries(
          Object.entries(byName).map(([name, value]) => [callerKeys.get(name) ?? name, value]),
        );
      }
      return { ...response, body: JSON.stringify(output) };
    },
  };
}
