"use client";

import {
  ScorePatch,
  ScoreRecord,
  StoredScoreRecord,
  type RecordProblem,
} from "@streamboard/core/contract";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Field } from "./field";
import { ApiError, fetchJson } from "./lib/api-client";
import { humanize } from "./lib/format";
import { patchOf, type EditableRecord } from "./lib/score-patch";

export type { EditableRecord };

interface EditRecordDialogProps {
  recordId: string;
  onClose: () => void;
  onSaved: (record: ScoreRecord) => void;
}

type FieldName = "playerName" | "score" | "nickName" | "createdAt";

/** The stored attribute each field edits (problems name attributes as stored). */
const attributeOf: Record<FieldName, string> = {
  playerName: "PlayerName",
  score: "Score",
  nickName: "NickName",
  createdAt: "CreatedAt",
};

/**
 * Loads the record (GET /api/scores/{id}), and PATCHes only the fields that changed: one MODIFY
 * on the stream. A record written around the API with missing or bad fields comes flagged: each
 * problem is shown at the input that completes it; a server 400 (still incomplete) stays inline.
 */
export function EditRecordDialog({ recordId, onClose, onSaved }: EditRecordDialogProps) {
  const [stored, setStored] = useState<StoredScoreRecord | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  // Closing hands the focus back to what opened the dialog (its Edit button). The dialog is
  // unmounted rather than closed, so the browser's own return of focus cannot be relied on.
  useEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (element && !element.open) element.showModal();
    return () => {
      element?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    fetchJson(`/api/scores/${encodeURIComponent(recordId)}`, {}, StoredScoreRecord).then(
      (record) => {
        if (!cancelled) setStored(record);
      },
      (error: unknown) => {
        if (!cancelled) {
          setLoadError(
            error instanceof ApiError ? humanize(error.message) : "Could not load the record.",
          );
        }
      },
    );
    return () => {
      cancelled = true;
    };
  }, [recordId]);

  return (
    <dialog
      ref={dialog}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className="w-[calc(100%-2rem)] max-w-md rounded-2xl bg-white p-0 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40 backdrop:backdrop-blur-[2px]"
      aria-labelledby="edit-record-title"
    >
      {stored ? (
        <EditForm stored={stored} onClose={onClose} onSaved={onSaved} />
      ) : (
        <div className="space-y-4 p-6">
          <h2 id="edit-record-title" className="text-base font-semibold text-slate-900">
            Edit score record
          </h2>
          <p className="font-mono text-xs text-slate-500">{recordId}</p>
          {loadError ? (
            <Alert tone="error">{loadError}</Alert>
          ) : (
            <div className="h-24 animate-pulse rounded-lg bg-slate-50" aria-busy="true" />
          )}
          <div className="flex justify-end">
            <Button variant="secondary" onClick={onClose}>
              Close
            </Button>
          </div>
        </div>
      )}
    </dialog>
  );
}

function EditForm({
  stored,
  onClose,
  onSaved,
}: {
  stored: StoredScoreRecord;
  onClose: () => void;
  onSaved: (record: ScoreRecord) => void;
}) {
  const problems: RecordProblem[] = "invalid" in stored ? stored.problems : [];
  const problemOf = (field: FieldName) =>
    problems.find((p) => p.field === attributeOf[field])?.message;
  const record: EditableRecord = {
    recordId: stored.recordId,
    playerName: stored.playerName,
    score: stored.score,
    nickName: stored.nickName,
    createdAt: stored.createdAt,
  };
  // CreatedAt is asked for only when it is what is wrong: valid records edit as they always did.
  const askCreatedAt = problemOf("createdAt") !== undefined;
  const [playerName, setPlayerName] = useState(record.playerName ?? "");
  const [score, setScore] = useState(record.score === undefined ? "" : String(record.score));
  const [nickName, setNickName] = useState(record.nickName ?? "");
  const [createdAt, setCreatedAt] = useState(askCreatedAt ? "" : (record.createdAt ?? ""));
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // A validation error takes the focus to the first field it marked (aria-invalid, described by
  // its message), not left on Save.
  const [errorsShown, setErrorsShown] = useState(0);
  useEffect(() => {
    if (errorsShown > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errorsShown]);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setServerError(null);
    const patch = patchOf(record, {
      playerName,
      score,
      nickName,
      ...(askCreatedAt ? { createdAt } : {}),
    });
    if (Object.keys(patch).length === 0) {
      setServerError(
        problems.length > 0 ? "Complete the missing fields first." : "Nothing changed.",
      );
      return;
    }
    const parsed = ScorePatch.safeParse(patch);
    if (!parsed.success) {
      const found: Partial<Record<FieldName, string>> = {};
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? "") as FieldName;
        found[field] ??=
          field === "score" && Number.isNaN(patch.score)
            ? "The score must be a whole number."
            : humanize(issue.message);
      }
      setErrors(found);
      setErrorsShown((n) => n + 1);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const saved = await fetchJson(
        `/api/scores/${encodeURIComponent(record.recordId)}`,
        { method: "PATCH", body: JSON.stringify(parsed.data) },
        ScoreRecord,
      );
      onSaved(saved);
    } catch (error) {
      // Still incomplete (400), changed meanwhile (409), …: said here; the dialog stays open.
      setServerError(
        error instanceof ApiError ? humanize(error.message) : "Could not save the record.",
      );
      setBusy(false);
    }
  }

  return (
    <form ref={form} onSubmit={(e) => void save(e)} noValidate className="space-y-4 p-6">
      <div>
        <h2 id="edit-record-title" className="text-base font-semibold text-slate-900">
          {problems.length > 0 ? "Complete score record" : "Edit score record"}
        </h2>
        <p className="mt-0.5 font-mono text-xs text-slate-500">{record.recordId}</p>
      </div>
      {problems.length > 0 && (
        <Alert tone="info" title="This record was written around the API and is incomplete">
          <ul className="mt-1 list-disc space-y-0.5 pl-4" data-testid="record-problems">
            {problems.map((p) => (
              <li key={p.field}>{p.message}</li>
            ))}
          </ul>
        </Alert>
      )}
      {serverError && (
        <div data-testid="edit-server-error">
          <Alert tone="error">{serverError}</Alert>
        </div>
      )}
      <Field
        label="Player name"
        name="edit-playerName"
        value={playerName}
        onChange={(e) => setPlayerName(e.target.value)}
        error={
          errors.playerName ??
          (playerName === (record.playerName ?? "") ? problemOf("playerName") : undefined)
        }
        hint="Moving a record to another player moves its score with it."
      />
      <div className="grid grid-cols-2 gap-4">
        <Field
          label="Score"
          name="edit-score"
          inputMode="numeric"
          value={score}
          onChange={(e) => setScore(e.target.value)}
          error={
            errors.score ??
            (score === (record.score === undefined ? "" : String(record.score))
              ? problemOf("score")
              : undefined)
          }
        />
        <Field
          label="Nickname"
          name="edit-nickName"
          placeholder="Optional"
          hint="Empty it to remove the nickname."
          value={nickName}
          onChange={(e) => setNickName(e.target.value)}
          error={errors.nickName ?? problemOf("nickName")}
        />
      </div>
      {askCreatedAt && (
        <Field
          label="Played at (UTC)"
          name="edit-createdAt"
          placeholder="2025-01-31T12:00:00Z"
          value={createdAt}
          onChange={(e) => setCreatedAt(e.target.value)}
          error={errors.createdAt ?? (createdAt === "" ? problemOf("createdAt") : undefined)}
          hint="ISO-8601 UTC: decides the record's day, week and month."
        />
      )}
      <div className="flex justify-end gap-2 pt-2">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" busy={busy}>
          Save changes
        </Button>
      </div>
    </form>
  );
}
