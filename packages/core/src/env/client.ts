import { z } from "zod";

/**
 * The environment browser code may see. Next inlines only `NEXT_PUBLIC_*` variables into client
 * bundles, so a server secret (OPERATOR_TOKEN) can never be listed here by mistake: the schema
 * refuses any other name. The dashboard needs none today; add a variable here, not as a raw
 * `process.env` read in a component (ESLint refuses those).
 */
const ClientEnv = z.object({}).catchall(z.never());
export type ClientEnv = z.infer<typeof ClientEnv>;

export const clientEnv: ClientEnv = ClientEnv.parse({});
