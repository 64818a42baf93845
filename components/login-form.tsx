"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "./alert";
import { Button } from "./button";
import { Field } from "./field";
import { ApiError, fetchJson } from "./lib/api-client";

export function LoginForm({ next }: { next: string }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!token.trim()) {
      setError("Enter the operator token.");
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
      setError(err instanceof ApiError ? err.message : "Could not sign in. Try again.");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="space-y-4">
      {error && <Alert tone="error">{error}</Alert>}
      <Field
        label="Operator token"
        name="token"
        type="password"
        autoComplete="current-password"
        autoFocus
        value={token}
        onChange={(e) => setToken(e.target.value)}
      />
      <Button type="submit" busy={busy} className="w-full">
        Sign in
      </Button>
    </form>
  );
}
