"use client";

import type { ScoreList, ScoreRecord } from "@streamboard/core/contract";
import { useState } from "react";
import { useSWRConfig } from "swr";
import { Card } from "./card";
import { LeaderboardTable } from "./leaderboard-table";
import { LiveIndicator } from "./live-indicator";
import { formatScore } from "./lib/format";
import { PENDING_TTL_MS, withPendingScores, type PendingScore } from "./lib/optimistic";
import { RecentRecords } from "./recent-records";
import { ScoreForm } from "./score-form";
import { useLeaderboard } from "./use-leaderboard";
import { useNow } from "./use-now";
import { usePlayer } from "./use-player";
import { playerRecordsKey, usePlayerRecords } from "./use-player-records";
import { useStoredPlayer } from "./use-stored-player";

const BOARD_SIZE = 10;

/** The player's page: submit a score, see it on the board at once, watch the board follow. */
export function HomeDashboard() {
  const [playerName, setPlayerName] = useStoredPlayer();
  const [pending, setPending] = useState<PendingScore[]>([]);
  const board = useLeaderboard(BOARD_SIZE);
  const player = usePlayer(playerName);
  const records = usePlayerRecords(playerName);
  const { mutate } = useSWRConfig();
  const now = useNow();

  const fresh = pending.filter((p) => now === 0 || now - Date.parse(p.createdAt) < PENDING_TTL_MS);
  const optimistic = board.data
    ? withPendingScores(board.data.entries, fresh, player.data ? [player.data] : [], BOARD_SIZE)
    : undefined;

  function onSubmitted(record: ScoreRecord) {
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
    void mutate<ScoreList>(
      playerRecordsKey(record.playerName),
      (current) => ({
        records: [
          record,
          ...(current?.records ?? []).filter((r) => r.recordId !== record.recordId),
        ],
      }),
      { revalidate: true },
    );
  }

  // The player's own line: their board row when it is the fresher (it is polled faster, and
  // carries pending scores), else their aggregate from /api/players.
  const onBoard = optimistic?.entries.find((e) => e.playerName === playerName);
  const me =
    onBoard && (!player.data || onBoard.updatedAt >= player.data.updatedAt) ? onBoard : player.data;
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-12">
      <div className="space-y-6 lg:col-span-5">
        <Card
          title="Submit a score"
          description="Each game is one record; the stream turns it into your total."
        >
          <ScoreForm defaultPlayerName={playerName} onSubmitted={onSubmitted} />
        </Card>
        <Card
          title="Your recent games"
          description={playerName ? `Playing as ${playerName}` : "Submit a score to get started"}
          bodyClassName=""
          actions={
            me ? (
              <div className="text-right" data-testid="player-summary">
                <p className="text-sm font-semibold tabular-nums text-slate-900">
                  #{me.rank} · {formatScore(me.totalScore)}
                </p>
                <p className="text-xs text-slate-500">
                  {me.gamesPlayed} {me.gamesPlayed === 1 ? "game" : "games"} · best{" "}
                  {formatScore(me.bestScore)}
                </p>
              </div>
            ) : undefined
          }
        >
          <RecentRecords
            playerName={playerName}
            records={records.data?.records}
            error={records.error?.message}
          />
        </Card>
      </div>
      <Card
        className="lg:col-span-7 lg:self-start"
        title="Leaderboard"
        description="Top 10 players by total score, updated from the stream"
        bodyClassName="pb-2"
        actions={<LiveIndicator state={board.error ? "error" : "live"} />}
      >
        <LeaderboardTable
          entries={optimistic?.entries}
          highlight={playerName || undefined}
          pendingPlayers={optimistic?.syncing}
        />
      </Card>
    </div>
  );
}
