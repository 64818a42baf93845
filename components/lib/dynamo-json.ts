import type { RawAttributeValue, RawItem } from "@streamboard/core/contract";

/**
 * Raw DynamoDB JSON as the stream carries it (`{"Score":{"N":"999"}}`), for display only: the
 * inspector shows types and values as they are, and compares images attribute by attribute.
 */

/** The type tag and a printable value of one attribute, e.g. `{ type: "N", text: "999" }`. */
export function describeAttribute(value: RawAttributeValue): { type: string; text: string } {
  if ("S" in value) return { type: "S", text: value.S };
  if ("N" in value) return { type: "N", text: value.N };
  if ("BOOL" in value) return { type: "BOOL", text: String(value.BOOL) };
  if ("NULL" in value) return { type: "NULL", text: "null" };
  const [type, raw] = (Object.entries(value)[0] as [string, unknown] | undefined) ?? ["?", null];
  return { type, text: JSON.stringify(raw) };
}

export function stringAttribute(image: RawItem | undefined, name: string): string | undefined {
  const value = image?.[name];
  return value && "S" in value ? value.S : undefined;
}

export function numberAttribute(image: RawItem | undefined, name: string): number | undefined {
  const value = image?.[name];
  return value && "N" in value ? Number(value.N) : undefined;
}

export interface AttributeRow {
  name: string;
  old?: RawAttributeValue | undefined;
  new?: RawAttributeValue | undefined;
  changed: boolean;
}

/** Keys first, then the rest alphabetically, each with its old and new value. */
export function diffImages(
  keys: RawItem,
  oldImage: RawItem | undefined,
  newImage: RawItem | undefined,
): AttributeRow[] {
  const keyNames = Object.keys(keys);
  const names = new Set([...Object.keys(oldImage ?? {}), ...Object.keys(newImage ?? {})]);
  const rest = [...names].filter((n) => !keyNames.includes(n)).sort();
  return [...keyNames, ...rest].map((name) => {
    const before = oldImage?.[name];
    const after = newImage?.[name];
    const changed =
      oldImage !== undefined &&
      newImage !== undefined &&
      JSON.stringify(before) !== JSON.stringify(after);
    return { name, old: before, new: after, changed };
  });
}
