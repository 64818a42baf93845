import { networkInterfaces } from "node:os";
import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./app/_lib/security-headers";

/** The hosts `next dev` serves its HMR socket and dev chunks to. */
function devOrigins(host: string | undefined): string[] {
  const origins = new Set(["localhost", "127.0.0.1"]);
  const address = host?.replace(/^\[(.*)\]$/, "$1");
  if (address === "0.0.0.0" || address === "::") {
    for (const list of Object.values(networkInterfaces())) {
      for (const info of list ?? []) if (!info.internal) origins.add(info.address);
    }
  } else if (address) {
    origins.add(address);
  }
  return [...origins];
}

const nextConfig: NextConfig = {
  // Workspace packages export TypeScript source (`"./*": "./src/*.ts"`) with `.ts` import paths.
  transpilePackages: ["@streamboard/core"],
  // Loaded with Node's require at run time rather than bundled: the AWS SDK is large and
  // Node-only, and `sst` reads its links (`SST_RESOURCE_*`) from the process environment.
  serverExternalPackages: [
    "@aws-sdk/client-dynamodb",
    "@aws-sdk/client-dynamodb-streams",
    "@aws-sdk/util-dynamodb",
    "sst",
  ],
  // `npm run typecheck` checks the whole workspace; skipping it here keeps `next build` from
  // type-checking everything a second time on a shared two-core machine.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  // `next dev` serves its dev socket and chunks only to origins it knows: `npm run dev` prints
  // http://localhost:PORT, and 127.0.0.1 is the same machine. Without this, a page opened on
  // 127.0.0.1 never hydrates and its forms fall back to plain POSTs. `npm run dev -- --host H`
  // (STREAMBOARD_DEV_HOST) adds H, or with 0.0.0.0 this machine's own addresses.
  allowedDevOrigins: devOrigins(process.env.STREAMBOARD_DEV_HOST),
  reactStrictMode: true,
  // The build's static files never pass through proxy.ts (its matcher leaves them out); they
  // get the headers that do not depend on the request. Pages and routes get all of them there.
  headers() {
    const headers = Object.entries(STATIC_SECURITY_HEADERS).map(([key, value]) => ({ key, value }));
    return Promise.resolve([
      { source: "/_next/static/:path*", headers },
      { source: "/favicon.ico", headers },
    ]);
  },
};

export default nextConfig;
