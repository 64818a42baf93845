import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import Big from "big.js";

export type Item = Record<string, AttributeValue>;

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

// DynamoDB's sizing rules: a number takes about one byte per two significant digits plus one.
function numberSize(n: string): number {
  const digits = n.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "");
  return Math.ceil(digits.replace(/0+$/, "").length / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return Buffer.from(value.B as unknown as string, "base64").length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS)
    return value.BS.reduce(
      (sum, b) => sum + Buffer.from(b as unknown as string, "base64").length,
      0,
    );
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  return 0;
}

/** The size DynamoDB bills for an item: attribute names plus values. */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** True when two items hold the same attributes and values, whatever their order. */
export function sameItem(a: Item | undefined, b: Item | undefined): boolean {
  if (!a || !b) return a === b;
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([k, v]) => {
        // Sets are unordered: compare their members sorted.
        const member: unknown =
          (k === "SS" || k === "NS" || k === "BS") && Array.isArray(v)
            ? [...(v as string[])].sort()
            : v;
        return `${JSON.stringify(k)}:${canonical(member)}`;
      });
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

const normalNumber = (n: string) => new Big(n).toFixed();

/**
 * The item as dynalite stores it: numbers in canonical form ("01.50" → "1.5"), as dynalite's
 * validation rewrites them (same library, same call), so an image built from a request matches
 * the image read back later. Only called on items dynalite has accepted.
 */
export function normalizeItem(item: Item): Item {
  const out: Item = {};
  for (const [name, value] of Object.entries(item)) out[name] = normalizeValue(value);
  return out;
}

function normalizeValue(value: AttributeValue): AttributeValue {
  if (value.N !== undefined) return { N: normalNumber(value.N) };
  if (value.NS) return { NS: value.NS.map(normalNumber) };
  if (value.L) return { L: value.L.map(normalizeValue) };
  if (value.M) return { M: normalizeItem(value.M) };
  return value;
}
