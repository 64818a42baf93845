"use client";

import { ScorePatch, ScoreRecord } from "@streamboard/core/contract";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Field } from "./field";
import { ApiError, fetchJson } from "./lib/api-client";
import { humanize } from "./lib/format";
import { patchOf, type EditableRecord } from "./lib/score-patch";

export type { EditableRecord };

interface EditRecordDialogProps {
  record: EditableRecord;
  onClose: () => void;
  onSaved: (record: ScoreRecord) => void;
}

type FieldName = "playerName" | "score" | "nickName";

/** PATCH /api/scores/{id} with only the fields that changed: one MODIFY on the stream. */
export function EditRecordDialog({ record, onClose, onSaved }: EditRecordDialogProps) {
  const [playerName, setPlayerName] = useState(record.playerName);
  const [score, setScore] = useState(String(record.score));
  const [nickName, setNickName] = useState(record.nickName ?? "");
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setServerError(null);
    const patch = patchOf(record, { playerName, score, nickName });
    if (Object.keys(patch).length === 0) {
      setServerError("Nothing changed.");
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
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const saved = await fetchJson(
        `/api/scores/${encodeURIComponent(record.recordId)}`,
        {
          method: "PATCH",
          body: JSON.stringify(parsed.data),
        },
        ScoreRecord,
      );
      onSaved(saved);
    } catch (error) {
      setServerError(
        error instanceof ApiError ? humanize(error.message) : "Could not save the record.",
      );
      setBusy(false);
    }
  }

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
      <form onSubmit={(e) => void save(e)} noValidate className="space-y-4 p-6">
        <div>
          <h2 id="edit-record-title" className="text-base font-semibold text-slate-900">
            Edit score record
          </h2>
          <p className="mt-0.5 font-mono text-xs text-slate-500">{record.recordId}</p>
        </div>
        {serverError && <Alert tone="error">{serverError}</Alert>}
        <Field
          label="Player name"
          name="edit-playerName"
          value={playerName}
          onChange={(e) => setPlayerName(e.target.value)}
          error={errors.playerName}
          hint="Moving a record to another player moves its score with it."
        />
        <div className="grid grid-cols-2 gap-4">
          <Field
            label="Score"
            name="edit-score"
            inputMode="numeric"
            value={score}
            onChange={(e) => setScore(e.target.value)}
            error={errors.score}
          />
          <Field
            label="Nickname"
            name="edit-nickName"
            placeholder="Optional"
            hint="Empty it to remove the nickname."
            value={nickName}
            onChange={(e) => setNickName(e.target.value)}
            error={errors.nickName}
          />
        </div>
        <div className="flex justify-end gap-2 pt-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" busy={busy}>
            Save changes
          </Button>
        </div>
      </form>
    </dialog>
  );
}
