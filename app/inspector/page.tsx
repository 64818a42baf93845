import type { Metadata } from "next";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { InspectorDashboard } from "@/components/inspector-dashboard";
import { SESSION_COOKIE, verifySession } from "@/app/_lib/session";

export const metadata: Metadata = { title: "Stream inspector" };
export const dynamic = "force-dynamic";

export default async function InspectorPage() {
  // proxy.ts redirects first; this check is the one that holds if its matcher ever misses.
  if (!(await verifySession((await cookies()).get(SESSION_COOKIE)?.value))) {
    redirect("/login?next=/inspector");
  }
  // The dashboard reads its view from the query string (useSearchParams).
  return (
    <Suspense>
      <InspectorDashboard />
    </Suspense>
  );
}
