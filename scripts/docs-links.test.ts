import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";

/*
 * The README and docs/ point at files and sections; a move (core went from flat files to
 * folders) must not leave them pointing at nothing. Checked: relative Markdown links and their
 * #anchors, and repository paths in backticks (`packages/…`, `stacks/…`, and the README's
 * `core/…` shorthand for packages/core/src/).
 */

const docs = [
  "README.md",
  ...fs
    .readdirSync("docs")
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const ROOTS = ["app", "components", "packages", "stacks", "e2e", "bench", "docs", "scripts"];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      heading!
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replaceAll(" ", "-"),
    );
  }
  return anchors;
}

/** What a backticked path names on disk, or undefined when it is not a repository path. */
function pathOf(text: string): string | undefined {
  if (/[<>*{}|\s]/.test(text)) return undefined; // a pattern or a command, not a path
  const file = text.replace(/[.,:;)]+$/, "").replace(/\.handler$/, ".ts");
  if (file.startsWith("core/")) return `packages/core/src/${file.slice("core/".length)}`;
  return ROOTS.some((root) => file.startsWith(`${root}/`)) ? file : undefined;
}

describe.each(docs)("%s", (doc) => {
  const markdown = fs.readFileSync(doc, "utf8");
  const dir = path.dirname(doc);

  test("every relative link and #anchor leads somewhere", () => {
    const broken: string[] = [];
    for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
      const [file, anchor] = target!.split("#");
      const resolved = file ? path.join(dir, file) : doc;
      if (!fs.existsSync(resolved)) broken.push(target!);
      else if (anchor && resolved.endsWith(".md")) {
        if (!anchorsOf(fs.readFileSync(resolved, "utf8")).has(anchor)) broken.push(target!);
      }
    }
    expect(broken).toEqual([]);
  });

  test("every repository path in backticks exists", () => {
    const missing: string[] = [];
    for (const [, text] of markdown.matchAll(/`([^`\n]+)`/g)) {
      const file = pathOf(text!);
      if (file && !fs.existsSync(file)) missing.push(text!);
    }
    expect(missing).toEqual([]);
  });
});
