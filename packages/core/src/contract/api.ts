import { z } from "zod";
import { ErrorCode } from "./error.ts";

/*
 * The envelope of every `/api/` error, 5xx included, as the route handlers write it
 * (`app/_lib/api.ts`), the browser reads it (`components/lib/api-client.ts`) and the e2e tests
 * check it (`e2e/fixtures.ts`).
 */

/** One bad input field: its dotted path in the body or query ("" for the whole) and why. */
export const ApiIssue = z.object({ path: z.string(), message: z.string() });
export type ApiIssue = z.infer<typeof ApiIssue>;

/** `{ "error": { "code": "snake_case", "message": "...", "issues"?: [...] } }` */
export const ApiErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string().min(1),
    issues: z.array(ApiIssue).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/**
 * Codes the browser gives a failed call the server never answered with an ApiErrorBody: no
 * answer at all (`network_error`), or one from something in between, e.g. a proxy's HTML 502
 * (`http_error`). Never sent by the API.
 */
export const ClientErrorCode = z.enum(["network_error", "http_error"]);
export type ClientErrorCode = z.infer<typeof ClientErrorCode>;
