import type { Metadata } from "next";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { LoginForm, type LoginError } from "@/components/login-form";
import { LockIcon } from "@/components/icons";
import { safeNextPath } from "@/app/_lib/next-path";
import { SESSION_COOKIE, verifySession } from "@/app/_lib/session";
import type { LoginErrorCode } from "./actions";

/** What the `signIn` action's redirect says went wrong (a code in the URL, never the token). */
const errors: Record<LoginErrorCode, LoginError> = {
  unauthorized: { field: true, message: "That operator token is not valid." },
  invalid_input: { field: true, message: "Enter the operator token." },
  too_many_requests: {
    field: true,
    message: "Too many wrong tokens from here: wait a minute, then try again.",
  },
  failed: { field: false, message: "Could not sign in. Try again." },
};

export const metadata: Metadata = { title: "Operator sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeNextPath(params.next);
  const code = typeof params.error === "string" ? params.error : undefined;
  const error = code && code in errors ? errors[code as LoginErrorCode] : undefined;
  if (await verifySession((await cookies()).get(SESSION_COOKIE)?.value)) redirect(next);
  return (
    <div className="mx-auto mt-6 max-w-sm sm:mt-16">
      <div className="rounded-2xl bg-white p-6 shadow-sm ring-1 ring-slate-200/80 sm:p-8">
        <div className="mb-6 flex flex-col items-center text-center">
          <span className="mb-3 flex h-11 w-11 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
            <LockIcon width={20} height={20} />
          </span>
          <h1 className="text-lg font-semibold tracking-tight text-slate-900">Operator sign in</h1>
          <p className="mt-1 text-[13px] text-slate-500">
            The stream inspector and record edits need the operator token.
          </p>
        </div>
        <LoginForm next={next} {...(error ? { initialError: error } : {})} />
      </div>
    </div>
  );
}
