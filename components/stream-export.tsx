"use client";

import dynamic from "next/dynamic";
import { useState } from "react";
import { Button } from "./button";
import type { StreamExportProps } from "./stream-export-panel";

// The panel and its paging are loaded when first opened, not with the page.
const StreamExportPanel = dynamic(
  () => import("./stream-export-panel").then((m) => m.StreamExportPanel),
  { ssr: false },
);

/** The Export button and its panel (range, format, progress). */
export function StreamExport(props: StreamExportProps) {
  const [open, setOpen] = useState(false);
  return (
    <div className="relative">
      <Button
        variant="secondary"
        size="sm"
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        aria-controls="stream-export"
      >
        Export
      </Button>
      {open && <StreamExportPanel {...props} />}
    </div>
  );
}
