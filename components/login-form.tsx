"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import { signIn } from "@/app/login/actions";
import { Alert } from "./alert";
import { Button } from "./button";
import { Field } from "./field";
import { ApiError, fetchJson } from "./lib/api-client";

export interface LoginError {
  /** About the token (missing, not valid): shown at the field, which is marked invalid. */
  field: boolean;
  message: string;
}

/**
 * The operator's sign-in. With JavaScript it posts JSON to /api/login and navigates; before (or
 * without) it, the form itself posts to the `signIn` server action, which does the same and
 * redirects. Either way the token goes in a POST body, never in a URL.
 */
export function LoginForm({ next, initialError }: { next: string; initialError?: LoginError }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<LoginError | null>(initialError ?? null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // Each error about the token takes the focus to the field, so it is read with its message.
  const [shown, setShown] = useState(0);
  useEffect(() => {
    if (shown > 0) input.current?.focus();
  }, [shown]);

  function fail(problem: LoginError) {
    setError(problem);
    if (problem.field) setShown((n) => n + 1);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!token.trim()) {
      fail({ field: true, message: "Enter the operator token." });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await fetchJson<undefined>("/api/login", {
        method: "POST",
        body: JSON.stringify({ token: token.trim() }),
      });
      // A full navigation, so the page is rendered with the new session cookie.
      window.location.assign(next);
    } catch (err) {
      fail(
        err instanceof ApiError
          ? { field: err.status === 400 || err.status === 401, message: err.message }
          : { field: false, message: "Could not sign in. Try again." },
      );
      setBusy(false);
    }
  }

  return (
    <form
      action={signIn}
      onSubmit={(e) => void submit(e)}
      noValidate
      className="space-y-4"
      aria-label="Operator sign in"
    >
      {error && !error.field && <Alert tone="error">{error.message}</Alert>}
      <input type="hidden" name="next" value={next} />
      <Field
        ref={input}
        label="Operator token"
        name="token"
        type="password"
        autoComplete="current-password"
        autoFocus
        value={token}
        onChange={(e) => setToken(e.target.value)}
        error={error?.field ? error.message : undefined}
      />
      <Button type="submit" busy={busy} className="w-full">
        Sign in
      </Button>
    </form>
  );
}
