import type { KnownKeys } from "./core-args.ts";

/*
 * Never called, only type-checked: `npm run typecheck:infra` fails with "Unused
 * '@ts-expect-error' directive" the day a misspelt component argument stops being an error
 * (say, the SST globals degrade to `any`), so CI keeps proving that typos in stacks/ are caught.
 */
export function typoCanary(table: sst.aws.Dynamo) {
  new sst.aws.Dynamo("Canary", {
    fields: { id: "string" },
    primaryIndex: { hashKey: "id" },
    // @ts-expect-error -- misspelt argument
    strem: "new-and-old-images",
  });
  new sst.aws.Dynamo("Canary", {
    fields: { id: "string" },
    primaryIndex: { hashKey: "id" },
    // @ts-expect-error -- misspelt value
    stream: "new-and-old-image",
  });
  // One call per typo: a call reports only its first mismatching argument.
  // @ts-expect-error -- misspelt function argument
  table.subscribe("Canary", { handler: "canary.handler", timout: "30 seconds" });
  table.subscribe("Canary", "canary.handler", {
    // @ts-expect-error -- misspelt event source mapping argument
    transform: { eventSourceMapping: { bathSize: 100 } },
  });
  // A misspelt key in core's subscription settings, reaching the mapping through a spread.
  const settings = { bathSize: 100 };
  // @ts-expect-error -- unknown key in a spread
  void ({ ...settings } satisfies KnownKeys<typeof settings, aws.lambda.EventSourceMappingArgs>);
  // @ts-expect-error -- misspelt Next.js argument
  new sst.aws.Nextjs("Canary", { enviroment: { OPERATOR_TOKEN: "" } });
}
