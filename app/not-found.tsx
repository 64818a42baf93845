import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center">
      <p className="text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">
        This page is not on the board
      </h1>
      <p className="mt-2 text-sm text-slate-500">The address may be mistyped, or the page moved.</p>
      <Link
        href="/"
        className="mt-6 inline-flex rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700"
      >
        Back to the leaderboard
      </Link>
    </div>
  );
}
