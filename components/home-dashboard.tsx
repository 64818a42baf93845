"use client";

import type {
  ClaimKey,
  LeaderboardEntry,
  PeriodKind,
  ScoreList,
  ScoreRecord,
} from "@streamboard/core/contract";
// By path: the pure module, not the contract's index with its zod schemas (first-load JS).
import { describePeriod } from "@/packages/core/src/contract/periods.ts";
import { useEffect, useRef, useState } from "react";
import { Alert } from "./alert";
import { BoardPeriodTabs, PERIOD_TABS, ResetsIn } from "./board-period-tabs";
import { Card } from "./card";
import { LeaderboardTable, profileHref } from "./leaderboard-table";
import { LiveIndicator } from "./live-indicator";
import { RecoverName, RecoveryKeyNotice } from "./name-claim";
import { formatScore } from "./lib/format";
import { PENDING_TTL_MS, withPendingScores, type PendingScore } from "./lib/optimistic";
import { RecentRecords } from "./recent-records";
import { ScoreForm } from "./score-form";
import { leaderboardKey, useAround, useLeaderboard } from "./use-leaderboard";
import { useNow } from "./use-now";
import { mutateData, revalidate } from "./use-poll";
import { playerRecordsKey, usePlayerRecords } from "./use-player-records";
import { useStoredPlayer } from "./use-stored-player";

const BOARD_SIZE = 10;
const AROUND = 3;
/** How long a rank change stays marked (▲3) next to the player's row. */
const DELTA_MS = 15_000;

/** "1st", "2nd", "23rd", "111th". */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

export interface HomeNotice {
  /** The player a plain form POST (before hydration) submitted as. */
  player?: string | undefined;
  /** That POST saved a record. */
  saved?: boolean | undefined;
  /** That POST was refused: why. */
  error?: string | undefined;
  /** It was refused because another device holds the name (or a recovery key was wrong). */
  taken?: boolean | undefined;
  /** A plain recovery POST moved the name to this device. */
  moved?: boolean | undefined;
  /** The recovery key that POST's claim got (from a short-lived HttpOnly cookie, never the URL). */
  newKey?: ClaimKey | undefined;
}

/** The player's page: submit a score, see where it puts them on today's, this week's, this month's and the all-time board. */
export function HomeDashboard({
  initialPeriod = "ALL",
  notice = {},
}: {
  initialPeriod?: PeriodKind;
  notice?: HomeNotice;
}) {
  const [storedPlayer, setPlayerName] = useStoredPlayer();
  const playerName = storedPlayer || notice.player || "";
  const [kind, setKind] = useState<PeriodKind>(initialPeriod);
  const [pending, setPending] = useState<PendingScore[]>([]);
  const board = useLeaderboard(BOARD_SIZE, kind);
  const around = useAround(playerName, kind, AROUND);
  const records = usePlayerRecords(playerName);
  const now = useNow();
  const [newClaim, setNewClaim] = useState<{ claim: ClaimKey; fromCookie: boolean } | undefined>(
    notice.newKey && { claim: notice.newKey, fromCookie: true },
  );
  const [taken, setTaken] = useState<string | undefined>(
    notice.taken ? (notice.player ?? "") : undefined,
  );

  // A plain POST (before hydration) named the player: remember them as the form would have.
  const plainDone = notice.saved || notice.moved;
  useEffect(() => {
    if (notice.player && plainDone && (notice.moved || !storedPlayer)) setPlayerName(notice.player);
  }, [notice.player, notice.moved, plainDone, storedPlayer, setPlayerName]);

  const standing = around.data?.player;
  const fresh = pending.filter((p) => now === 0 || now - Date.parse(p.createdAt) < PENDING_TTL_MS);
  const optimistic = board.data
    ? withPendingScores(board.data.entries, fresh, standing ? [standing] : [], BOARD_SIZE)
    : undefined;
  const onBoard = optimistic?.entries.find((e) => e.playerName === playerName);
  // Below the top 10: their own row, under the board.
  const ownRow: LeaderboardEntry | undefined =
    !onBoard && standing && standing.rank > BOARD_SIZE
      ? around.data?.entries.find((e) => e.playerName === playerName)
      : undefined;
  const rank = onBoard?.rank ?? standing?.rank;
  const players = Math.max(board.data?.players ?? 0, standing?.players ?? 0);
  const total = onBoard?.totalScore ?? standing?.totalScore;

  // Rank changes: marked next to the row for a while, and said in the live region.
  const last = useRef<{ kind: PeriodKind; rank: number } | undefined>(undefined);
  const [change, setChange] = useState<{ delta: number; at: number; text: string } | undefined>();
  const confirmedRank = standing?.rank;
  useEffect(() => {
    if (confirmedRank === undefined || !standing) return;
    const before = last.current;
    last.current = { kind, rank: confirmedRank };
    if (!before || before.kind !== kind || before.rank === confirmedRank) return;
    const place = standing.rankExact
      ? ordinal(confirmedRank)
      : `in the top ${standing.topPercent}%`;
    setChange({
      delta: before.rank - confirmedRank,
      at: Date.now(),
      text: `You are now ${place} of ${standing.players} ${PERIOD_TABS[kind].toLowerCase()}.`,
    });
  }, [confirmedRank, kind, standing]);
  const delta = change && now - change.at < DELTA_MS ? change.delta : undefined;

  function onSubmitted(record: ScoreRecord) {
    setTaken(undefined);
    setPlayerName(record.playerName);
    setPending((current) => [
      ...current.filter((p) => Date.now() - Date.parse(p.createdAt) < PENDING_TTL_MS),
      {
        recordId: record.recordId,
        playerName: record.playerName,
        score: record.score,
        createdAt: record.createdAt,
      },
    ]);
    mutateData<ScoreList>(playerRecordsKey(record.playerName), (current) => ({
      records: [record, ...(current?.records ?? []).filter((r) => r.recordId !== record.recordId)],
    }));
    // The aggregator counts a score in ~0.25 s: read the board and the player's row again soon,
    // not at the next poll, so the confirmed row shows within a second.
    const keys = [
      leaderboardKey(kind, BOARD_SIZE),
      leaderboardKey(kind, AROUND, record.playerName),
    ];
    for (const delay of [150, 300, 450, 600, 800, 1000, 1300]) {
      window.setTimeout(() => keys.forEach((key) => void revalidate(key)), delay);
    }
  }

  const periodName = board.data?.period ?? kind;
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-12">
      <p className="sr-only" aria-live="polite" data-testid="rank-announcer">
        {change?.text ?? ""}
      </p>
      <div className="space-y-4 lg:col-span-7">
        <BoardPeriodTabs
          selected={kind}
          hrefOf={(k) => `/?period=${k}`}
          onSelect={(k) => {
            setKind(k);
            window.history.replaceState(null, "", `/?period=${k}`);
          }}
        />
        {playerName && rank !== undefined && (
          <p className="text-sm text-slate-700" data-testid="my-rank">
            <a href={profileHref(playerName)} className="font-semibold text-slate-900 underline">
              {playerName}
            </a>
            :{" "}
            {standing && !standing.rankExact && !onBoard ? (
              <>top {standing.topPercent}%</>
            ) : (
              <>
                rank <strong className="tabular-nums">{rank}</strong> of{" "}
                <span className="tabular-nums">{players}</span>
              </>
            )}{" "}
            {PERIOD_TABS[kind].toLowerCase()}
            {total !== undefined && <> · {formatScore(total)} points</>}
          </p>
        )}
        <Card
          title={describePeriod(periodName)}
          description={`Top ${BOARD_SIZE} of ${players} ${players === 1 ? "player" : "players"}`}
          bodyClassName="pb-2"
          actions={
            <div className="flex items-center gap-3">
              <ResetsIn at={board.data?.resetsAt} />
              <LiveIndicator state={board.error ? "error" : "live"} />
            </div>
          }
        >
          <LeaderboardTable
            entries={optimistic?.entries}
            highlight={playerName || undefined}
            pendingPlayers={optimistic?.syncing}
            extra={ownRow ? [ownRow] : []}
            delta={delta}
          />
          <p className="px-5 pb-2 pt-3 text-xs text-slate-600">
            Equal totals: whoever reached the total first ranks higher.{" "}
            <a
              className="font-medium text-indigo-700 underline"
              href={`/leaderboard?period=${kind}`}
            >
              See the whole board
            </a>
          </p>
        </Card>
      </div>
      <div className="space-y-6 lg:col-span-5">
        <Card title="Submit a score" description="Played a game? Add its score to your total.">
          {notice.error && (
            <div className="mb-4">
              <Alert tone="error" title="The score was not saved">
                {notice.error}
              </Alert>
            </div>
          )}
          {notice.saved && !notice.error && (
            <p className="mb-4 text-sm text-emerald-800" role="status">
              Saved. Your score is on its way to the board.
            </p>
          )}
          {notice.moved && !notice.error && (
            <p className="mb-4 text-sm text-emerald-800" role="status">
              {notice.player} is now yours on this device.
            </p>
          )}
          <ScoreForm
            defaultPlayerName={playerName}
            onSubmitted={onSubmitted}
            onClaimed={(claim) => setNewClaim({ claim, fromCookie: false })}
            onNameTaken={setTaken}
          />
          <div className="mt-4 space-y-3 border-t border-slate-100 pt-4">
            {newClaim && (
              <RecoveryKeyNotice
                key={newClaim.claim.recoveryKey}
                claim={newClaim.claim}
                fromCookie={newClaim.fromCookie}
                onDone={() => setNewClaim(undefined)}
              />
            )}
            <RecoverName
              key={taken ?? ""}
              open={taken !== undefined}
              defaultName={taken ?? ""}
              onRecovered={(claim) => {
                setTaken(undefined);
                setPlayerName(claim.playerName);
                setNewClaim({ claim, fromCookie: false });
              }}
            />
          </div>
        </Card>
        <Card
          title="Your recent games"
          description={playerName ? `Playing as ${playerName}` : "Submit a score to get started"}
          bodyClassName=""
        >
          <RecentRecords
            playerName={playerName}
            records={records.data?.records}
            error={records.error?.message}
          />
        </Card>
      </div>
    </div>
  );
}
