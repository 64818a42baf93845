import fs from "node:fs";
import path from "node:path";

/** Another live process (or this one) holds the directory. */
export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

const held = new Set<string>();

/**
 * One owner per data dir: LevelDB and the runner's checkpoints each take a single writer, and a
 * second one fails obscurely (dynalite crashes with "Database is closed"). A pid file names the
 * holder; a stale one (its process gone) is taken over. Returns the release function.
 */
export function lockDataDir(dir: string, file = "owner.pid", hint = ""): () => void {
  const lockFile = path.join(dir, file);
  if (held.has(lockFile))
    throw new DataDirInUseError(`The data dir ${dir} is already in use by this process.`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(fs.readFileSync(lockFile, "utf8").trim());
    if (holder !== process.pid && isAlive(holder)) {
      throw new DataDirInUseError(`The data dir ${dir} is in use by process ${holder}${hint}.`);
    }
    fs.writeFileSync(lockFile, String(process.pid));
  }
  held.add(lockFile);
  return () => {
    if (!held.delete(lockFile)) return;
    try {
      if (fs.readFileSync(lockFile, "utf8").trim() === String(process.pid)) fs.unlinkSync(lockFile);
    } catch {
      // Already gone.
    }
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
