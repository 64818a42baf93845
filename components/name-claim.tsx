"use client";

import type { ClaimKey } from "@streamboard/core/contract";
import { useEffect, useState, type FormEvent } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Field } from "./field";
import { ApiError, fetchJson } from "./lib/api-client";
import { humanize } from "./lib/format";

/*
 * Names players own, on the player's page: the recovery key of a name this device just claimed
 * (shown once: the server keeps only its hash), and the way to bring a name here from another
 * device with that key. Both work before hydration too (the form posts to /play).
 */

/** A new claim's recovery key, with a copy button. `fromCookie`: a plain POST left it in a cookie. */
export function RecoveryKeyNotice({
  claim,
  fromCookie = false,
  onDone,
}: {
  claim: ClaimKey;
  fromCookie?: boolean;
  onDone?: () => void;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    // Shown: the cookie that carried it across the redirect has done its job.
    if (fromCookie) void fetch("/play/seen", { method: "POST" }).catch(() => undefined);
  }, [fromCookie]);
  return (
    <div
      className="rounded-lg bg-amber-50 px-3.5 py-3 text-[13px] text-amber-900 ring-1 ring-inset ring-amber-200"
      role="status"
      data-testid="recovery-key"
    >
      <p className="font-semibold">
        &ldquo;{claim.playerName}&rdquo; is yours on this device. Keep this key: it lets you use
        your name on another device.
      </p>
      <p className="mt-1">It is shown only this once.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code className="select-all break-all rounded bg-white px-2 py-1 font-mono text-sm text-slate-900 ring-1 ring-inset ring-amber-200">
          {claim.recoveryKey}
        </code>
        <Button
          variant="secondary"
          size="sm"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(claim.recoveryKey)
              .then(() => setCopied(true))
              .catch(() => undefined)
          }
        >
          {copied ? "Copied" : "Copy key"}
        </Button>
        {onDone && (
          <Button variant="ghost" size="sm" onClick={onDone}>
            I have saved it
          </Button>
        )}
      </div>
    </div>
  );
}

/** "Use my name on another device": a name and its recovery key move the name to this device. */
export function RecoverName({
  open,
  defaultName,
  onRecovered,
}: {
  open: boolean;
  defaultName: string;
  onRecovered: (claim: ClaimKey) => void;
}) {
  const [name, setName] = useState<string | null>(null);
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const value = name ?? defaultName;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!value.trim() || !key.trim()) {
      setError("Enter the name and its recovery key.");
      return;
    }
    setBusy(true);
    try {
      const claim = await fetchJson<ClaimKey>("/api/claims/recover", {
        method: "POST",
        body: JSON.stringify({ playerName: value.trim(), recoveryKey: key }),
      });
      setKey("");
      onRecovered(claim);
    } catch (e) {
      setError(e instanceof ApiError ? humanize(e.message) : "Something went wrong. Try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <details open={open || undefined} className="text-sm" data-testid="recover-name">
      <summary className="cursor-pointer font-medium text-indigo-700 underline">
        Use my name on another device
      </summary>
      <form
        method="post"
        action="/play"
        onSubmit={(e) => void submit(e)}
        noValidate
        className="mt-3 space-y-3"
        aria-label="Use my name on this device"
      >
        <p className="text-[13px] text-slate-600">
          Played on another device? Enter your name and the recovery key you got there: the name
          moves to this device, and you get a new key.
        </p>
        {error && (
          <Alert tone="error" title="The name was not moved">
            {error}
          </Alert>
        )}
        <input type="hidden" name="intent" value="recover" />
        <Field
          label="Name to move here"
          name="claimName"
          autoComplete="nickname"
          value={value}
          onChange={(e) => setName(e.target.value)}
        />
        <Field
          label="Recovery key"
          name="recoveryKey"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <Button type="submit" variant="secondary" busy={busy}>
          Move the name here
        </Button>
      </form>
    </details>
  );
}
