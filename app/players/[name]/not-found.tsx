import Link from "next/link";

export default function PlayerNotFound() {
  return (
    <div className="mx-auto mt-16 max-w-md text-center" data-testid="player-not-found">
      <p className="text-sm font-semibold text-indigo-700">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">
        No such player on the board
      </h1>
      <p className="mt-2 text-sm text-slate-600">
        Nobody has played a game under this name yet. Check the spelling, or pick a player from the
        leaderboard.
      </p>
      <Link
        href="/"
        className="mt-6 inline-flex rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
      >
        Back to the leaderboard
      </Link>
    </div>
  );
}
