import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { writeFileAtomically, type Durability } from "./atomic-file.ts";

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length > 0) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "streamboard-atomic-"));
  dirs.push(dir);
  return dir;
}

test.each<Durability>(["none", "file", "file-and-directory"])(
  "replaces the content whole and leaves no temporary file (durability %s)",
  (durability) => {
    const dir = tempDir();
    const file = path.join(dir, "state.json");
    writeFileAtomically(file, "a much longer first version\n", durability);
    expect(fs.readFileSync(file, "utf8")).toBe("a much longer first version\n");

    writeFileAtomically(file, "short\n", durability);
    expect(fs.readFileSync(file, "utf8")).toBe("short\n");
    writeFileAtomically(file, "", durability);
    expect(fs.readFileSync(file, "utf8")).toBe("");
    expect(fs.readdirSync(dir)).toEqual(["state.json"]);
  },
);

test("a write that cannot be renamed into place removes its temporary file", () => {
  const dir = tempDir();
  // A directory where the file belongs: the rename fails.
  const file = path.join(dir, "occupied");
  fs.mkdirSync(file);
  fs.writeFileSync(path.join(file, "keep"), "");

  expect(() => writeFileAtomically(file, "new", "file")).toThrow();
  expect(fs.readdirSync(dir)).toEqual(["occupied"]);
});
