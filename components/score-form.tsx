"use client";

import type { ClaimKey, ScoreInput, ScoreRecord, ScoreSubmitted } from "@streamboard/core/contract";
// The contract's rules as plain checks (by path: the player's page loads no zod); the API
// validates with schemas built from the same constants and messages.
import {
  MAX_NAME_LENGTH,
  MAX_SCORE,
  nameProblem,
  scoreProblem,
} from "@/packages/core/src/contract/score-rules.ts";
import { useRef, useState, type FormEvent } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Field } from "./field";
import { ApiError, fetchJson } from "./lib/api-client";
import { formatScore, humanize } from "./lib/format";

type FieldName = "playerName" | "score" | "nickName";
type FieldErrors = Partial<Record<FieldName, string>>;

const fieldNames: readonly string[] = ["playerName", "score", "nickName"];
const DIGITS = /^\d+$/;
const NOT_SAVED = "The score was not saved";

// Room past the limit, so an over-long name gets the schema's message instead of a silent cut.
const INPUT_MAX_LENGTH = MAX_NAME_LENGTH * 2;

function fieldErrorsOf(issues: { path: string; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const field = issue.path.split(".")[0] ?? "";
    if (fieldNames.includes(field)) errors[field as FieldName] ??= humanize(issue.message);
  }
  return errors;
}

interface ScoreFormProps {
  /** The remembered player, prefilled until the user types another name. */
  defaultPlayerName: string;
  onSubmitted: (record: ScoreRecord) => void;
  /** The score claimed the name for this device: its recovery key, to show once. */
  onClaimed?: (claim: ClaimKey) => void;
  /** Another device holds the name (403 name_taken). */
  onNameTaken?: (playerName: string) => void;
}

/**
 * Validates with the contract's score rules — the constants and messages the API's `ScoreInput` is built from — so the form and the
 * server agree on what a valid score is; the server's answer is still shown if they ever differ.
 */
export function ScoreForm({
  defaultPlayerName,
  onSubmitted,
  onClaimed,
  onNameTaken,
}: ScoreFormProps) {
  const [playerName, setPlayerName] = useState<string | null>(null);
  const [score, setScore] = useState("");
  const [nickName, setNickName] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<{ title: string; text: string } | null>(null);
  const [submitted, setSubmitted] = useState<ScoreRecord | null>(null);
  const [busy, setBusy] = useState(false);
  // One Idempotency-Key per distinct submission: a retry after a network error reuses it.
  const attempt = useRef<{ body: string; key: string } | null>(null);

  const name = playerName ?? defaultPlayerName;

  /** Shows the errors and moves focus to the first field that has one. */
  function showErrors(form: HTMLFormElement, found: FieldErrors) {
    setErrors(found);
    const first = fieldNames.find((f) => found[f as FieldName]);
    const input = first ? form.elements.namedItem(first) : null;
    if (input instanceof HTMLElement) input.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    // Hydrated: JSON to /api/scores. Before hydration the browser posts the form to /play.
    event.preventDefault();
    const form = event.currentTarget;
    setServerError(null);
    setSubmitted(null);

    const trimmedScore = score.trim();
    // Digits only: Number() would take "1e3", "0x10" or "1.5" as scores.
    const digits = DIGITS.test(trimmedScore);
    const candidate = {
      playerName: name,
      score: digits ? Number(trimmedScore) : undefined,
      ...(nickName.trim() ? { nickName } : {}),
    };
    const found: FieldErrors = {};
    const playerProblem = nameProblem("playerName", name);
    if (playerProblem) found.playerName = humanize(playerProblem);
    const nickProblem = nickName.trim() ? nameProblem("nickName", nickName) : undefined;
    if (nickProblem) found.nickName = humanize(nickProblem);
    const problem = scoreProblem(candidate.score);
    if (problem) found.score = humanize(problem);
    if (trimmedScore === "") found.score = "Enter your score.";
    else if (!digits) found.score = "The score must be digits only, like 1200.";
    if (Object.keys(found).length > 0) {
      showErrors(form, found);
      return;
    }
    const input: ScoreInput = {
      playerName: name.trim(),
      score: candidate.score!,
      ...(nickName.trim() ? { nickName: nickName.trim() } : {}),
    };
    setErrors({});

    const body = JSON.stringify(input);
    if (attempt.current?.body !== body) attempt.current = { body, key: crypto.randomUUID() };
    setBusy(true);
    try {
      const { claim, ...record } = await fetchJson<ScoreSubmitted>("/api/scores", {
        method: "POST",
        body,
        headers: { "Idempotency-Key": attempt.current.key },
      });
      attempt.current = null;
      setSubmitted(record);
      setScore("");
      setPlayerName(record.playerName);
      onSubmitted(record);
      if (claim) onClaimed?.(claim);
    } catch (error) {
      if (error instanceof ApiError && error.code === "name_taken") {
        setServerError({ title: "This name belongs to another device", text: error.message });
        onNameTaken?.(input.playerName);
      } else if (error instanceof ApiError) {
        showErrors(form, fieldErrorsOf(error.issues));
        setServerError({ title: NOT_SAVED, text: humanize(error.message) });
      } else {
        setServerError({ title: NOT_SAVED, text: "Something went wrong. Try again." });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      method="post"
      action="/play"
      onSubmit={(e) => void submit(e)}
      noValidate
      className="space-y-4"
      aria-label="Submit a score"
    >
      {serverError && (
        <Alert tone="error" title={serverError.title}>
          {serverError.text}
        </Alert>
      )}
      <Field
        label="Player name"
        name="playerName"
        autoComplete="nickname"
        placeholder="e.g. ada_lovelace"
        maxLength={INPUT_MAX_LENGTH}
        value={name}
        onChange={(e) => setPlayerName(e.target.value)}
        error={errors.playerName}
        hint={`Letters, digits, spaces and _ - . (up to ${MAX_NAME_LENGTH})`}
      />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Field
          label="Score"
          name="score"
          inputMode="numeric"
          pattern="[0-9]*"
          placeholder={`0 – ${formatScore(MAX_SCORE)}`}
          value={score}
          onChange={(e) => setScore(e.target.value)}
          error={errors.score}
        />
        <Field
          label="Nickname"
          name="nickName"
          placeholder="Optional"
          maxLength={INPUT_MAX_LENGTH}
          value={nickName}
          onChange={(e) => setNickName(e.target.value)}
          error={errors.nickName}
        />
      </div>
      <div className="flex items-center justify-between gap-3 pt-1">
        <p className="min-w-0 text-[13px] text-slate-500" aria-live="polite">
          {submitted && (
            <span className="text-emerald-700">
              Saved {formatScore(submitted.score)} for <strong>{submitted.playerName}</strong>.
            </span>
          )}
        </p>
        <Button type="submit" busy={busy} className="shrink-0">
          Submit score
        </Button>
      </div>
    </form>
  );
}
