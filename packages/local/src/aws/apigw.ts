/*
 * HTTP requests as the web server function receives them on AWS: API Gateway's payload format
 * 2.0, which is also what a Lambda function URL sends (SST puts the OpenNext server behind
 * CloudFront → function URL; OpenNext's `aws-apigw-v2` converter reads it). And the function's
 * answer, decoded back into status, headers, cookies and body.
 *
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export type HttpRequest = {
  method?: string;
  /** Path and query, e.g. `/api/scores?limit=5`. */
  url: string;
  headers?: Record<string, string>;
  /** A JSON body is sent as `application/json` unless `headers` say otherwise. */
  json?: unknown;
  body?: string;
  cookies?: string[];
  /** The viewer's address, as CloudFront appends it to `X-Forwarded-For`. */
  clientIp?: string;
};

/** The public host viewers use (CloudFront), and the function URL's own host behind it. */
export const VIEWER_HOST = "streamboard.example.com";
export const FUNCTION_URL_HOST = "abcdefghij0123456789klmnop.lambda-url.us-east-1.on.aws";

let requestCount = 0;

export function apiGatewayV2Event(request: HttpRequest): APIGatewayProxyEventV2 {
  const method = request.method ?? "GET";
  const [rawPath = "/", rawQueryString = ""] = request.url.split("?", 2);
  const clientIp = request.clientIp ?? "203.0.113.10";
  const body = request.json === undefined ? request.body : JSON.stringify(request.json);
  const headers: Record<string, string> = {
    accept: "*/*",
    "user-agent": "artifact-test",
    // What CloudFront forwards (SST's router function sets x-forwarded-host to the viewer's host).
    host: FUNCTION_URL_HOST,
    "x-forwarded-host": VIEWER_HOST,
    "x-forwarded-for": clientIp,
    "x-forwarded-proto": "https",
    "x-forwarded-port": "443",
    via: "2.0 0123456789abcdef.cloudfront.net (CloudFront)",
    "x-amz-cf-id": `cf-${++requestCount}`,
    ...(request.json !== undefined ? { "content-type": "application/json" } : {}),
    ...lowerCaseKeys(request.headers ?? {}),
  };
  const queryStringParameters = rawQueryString
    ? Object.fromEntries(new URLSearchParams(rawQueryString))
    : undefined;
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    ...(request.cookies?.length ? { cookies: request.cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: FUNCTION_URL_HOST.split(".")[0]!,
      domainName: FUNCTION_URL_HOST,
      domainPrefix: FUNCTION_URL_HOST.split(".")[0]!,
      http: {
        method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "130.176.0.1", // a CloudFront edge: the viewer is in X-Forwarded-For
        userAgent: headers["user-agent"]!,
      },
      requestId: `req-${requestCount}`,
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

export type HttpResponse = {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  json<T = unknown>(): T;
};

/** The function's answer (payload format 2.0), decoded. */
export function decodeResponse(result: APIGatewayProxyStructuredResultV2): HttpResponse {
  const body =
    result.body === undefined
      ? ""
      : result.isBase64Encoded
        ? Buffer.from(result.body, "base64").toString("utf8")
        : result.body;
  const headers = lowerCaseKeys(
    Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
  );
  return {
    status: result.statusCode ?? 200,
    headers,
    cookies: result.cookies ?? [],
    body,
    json<T>() {
      return JSON.parse(body) as T;
    },
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
