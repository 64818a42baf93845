"use client";

import { useState } from "react";
import { Button } from "./button";

/**
 * "Sign out" ends this browser's session server-side; "Sign out everywhere" ends every operator
 * session (another browser, a forgotten laptop). Either way the cookie is cleared and the page
 * goes to /login.
 */
export function LogoutButton() {
  const [busy, setBusy] = useState<"here" | "everywhere" | null>(null);
  async function logout(where: "here" | "everywhere") {
    setBusy(where);
    const path = where === "here" ? "/api/logout" : "/api/logout/everywhere";
    await fetch(path, { method: "POST" }).catch(() => undefined);
    window.location.assign("/login");
  }
  return (
    <>
      <Button
        variant="ghost"
        size="sm"
        busy={busy === "everywhere"}
        disabled={busy !== null}
        onClick={() => void logout("everywhere")}
      >
        Sign out everywhere
      </Button>
      <Button
        variant="ghost"
        size="sm"
        busy={busy === "here"}
        disabled={busy !== null}
        onClick={() => void logout("here")}
      >
        Sign out
      </Button>
    </>
  );
}
