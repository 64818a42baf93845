import fs from "node:fs";
import path from "node:path";

/**
 * How much a write must survive. A rename alone is atomic for readers and for a killed process
 * (the file is old or new, never half): that is `"none"`. A power loss is another matter: without
 * `"file"` the renamed file may come back empty; without `"directory"` the rename itself may be
 * undone.
 */
export type Durability = "none" | "file" | "file-and-directory";

/**
 * Replaces `file` whole with `content`: written to a temporary file beside it (the same directory,
 * so the rename stays on one file system), fsynced as `durability` asks, then renamed over it.
 * A reader, or a process started after a kill -9, sees the old content or the new, never a mix.
 */
export function writeFileAtomically(
  file: string,
  content: string,
  durability: Durability = "none",
): void {
  // The pid keeps two processes that write the same file from sharing a temporary file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeFileSync(fd, content);
      if (durability !== "none") fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  if (durability === "file-and-directory") syncDirectory(path.dirname(file));
}

function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the file itself is synced.
  }
}
