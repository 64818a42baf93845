"use client";

import { Alert } from "@/components/alert";
import { Button } from "@/components/button";

/** A render error in a page: say so plainly and offer a retry, instead of a blank screen. */
export default function PageError({ reset }: { error: Error; reset: () => void }) {
  return (
    <div className="mx-auto mt-16 max-w-md space-y-4">
      <Alert tone="error" title="Something went wrong">
        The page could not be shown. Try again; if it keeps happening, reload the page.
      </Alert>
      <Button variant="secondary" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
