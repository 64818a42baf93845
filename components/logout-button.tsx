"use client";

import { useState } from "react";
import { Button } from "./button";

export function LogoutButton() {
  const [busy, setBusy] = useState(false);
  async function logout() {
    setBusy(true);
    await fetch("/api/logout", { method: "POST" }).catch(() => undefined);
    window.location.assign("/login");
  }
  return (
    <Button variant="ghost" size="sm" busy={busy} onClick={() => void logout()}>
      Sign out
    </Button>
  );
}
