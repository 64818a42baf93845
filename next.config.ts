import type { NextConfig } from "next";

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
  // 127.0.0.1 never hydrates and its forms fall back to plain POSTs.
  allowedDevOrigins: ["localhost", "127.0.0.1"],
  reactStrictMode: true,
};

export default nextConfig;
