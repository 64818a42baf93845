import type { ScoreRecord } from "@streamboard/core/contract";
import { Button } from "./button";
import { EmptyState } from "./empty-state";
import { ClockIcon } from "./icons";
import { formatScore } from "./lib/format";

const when = (iso: string) =>
  new Date(iso).toLocaleString("en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

/**
 * Every game of the player, newest first, a page of rows at a time: "Load older" shows the next
 * rows, fetching older records with the API's cursor when the loaded ones run out. The best
 * game (all time) is marked.
 */
export function ProfileGamesTable({
  records,
  rows,
  more,
  loading,
  bestRecordId,
  onLoadOlder,
}: {
  records: ScoreRecord[] | undefined;
  rows: number;
  more: boolean;
  loading: boolean;
  bestRecordId: string | undefined;
  onLoadOlder: () => void;
}) {
  if (!records) {
    return (
      <div className="space-y-2 p-5" aria-busy="true">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="h-8 rounded-lg bg-slate-50 motion-safe:animate-pulse" />
        ))}
      </div>
    );
  }
  if (records.length === 0) {
    return (
      <EmptyState icon={<ClockIcon />} title="No games yet">
        A game shows up here a moment after it is submitted.
      </EmptyState>
    );
  }
  const shown = records.slice(0, rows);
  const older = records.length > rows || more;
  return (
    <div>
      <table className="w-full text-sm" data-testid="profile-games-table">
        <caption className="sr-only">Games, newest first</caption>
        <thead>
          <tr className="border-b border-slate-100 text-left text-xs font-medium text-slate-600">
            <th scope="col" className="px-5 py-2 font-medium">
              Played
            </th>
            <th scope="col" className="px-5 py-2 text-right font-medium">
              Score
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {shown.map((record) => {
            const best = record.recordId === bestRecordId;
            return (
              <tr
                key={record.recordId}
                data-testid="profile-game-row"
                data-record-id={record.recordId}
                className={best ? "bg-amber-50" : undefined}
              >
                <td className="px-5 py-2.5 text-slate-700">
                  <time dateTime={record.createdAt}>{when(record.createdAt)}</time>
                  {record.nickName && (
                    <span className="ml-2 text-xs text-slate-600">as “{record.nickName}”</span>
                  )}
                </td>
                <td className="px-5 py-2.5 text-right font-semibold tabular-nums text-slate-900">
                  {best && (
                    <span className="mr-2 rounded-full bg-amber-100 px-2 py-0.5 text-[11px] font-semibold text-amber-900">
                      Best
                    </span>
                  )}
                  {formatScore(record.score)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {older && (
        <div className="border-t border-slate-100 px-5 py-3 text-center">
          <Button variant="secondary" size="sm" busy={loading} onClick={onLoadOlder}>
            Load older
          </Button>
        </div>
      )}
    </div>
  );
}
