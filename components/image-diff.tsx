import type { InspectorRecord, RawAttributeValue } from "@streamboard/core/contract";
import { describeAttribute, diffImages } from "./lib/dynamo-json";

function Value({ value, tone }: { value: RawAttributeValue | undefined; tone?: "old" | "new" }) {
  if (!value) return <span className="text-slate-400">—</span>;
  const { type, text } = describeAttribute(value);
  const color =
    tone === "old"
      ? "text-rose-700 line-through decoration-rose-300"
      : tone === "new"
        ? "font-semibold text-emerald-700"
        : "text-slate-800";
  return (
    <span className="inline-flex max-w-full items-baseline gap-1.5">
      <span className="shrink-0 rounded bg-slate-100 px-1 text-[10px] font-medium text-slate-500">
        {type}
      </span>
      <span className={`break-all ${color}`}>{text}</span>
    </span>
  );
}

function KeyTag() {
  return (
    <span className="ml-1.5 rounded bg-indigo-50 px-1 text-[9px] font-semibold uppercase text-indigo-600">
      key
    </span>
  );
}

/**
 * The images a record carries, attribute by attribute: for a MODIFY old and new side by side
 * with the changed attributes marked; for an INSERT its new image, for a REMOVE its old one.
 */
export function ImageDiff({ record }: { record: InspectorRecord }) {
  const { keys, oldImage, newImage } = record;
  const rows = diffImages(keys, oldImage, newImage);
  const keyNames = new Set(Object.keys(keys));

  if (!oldImage || !newImage) {
    const label = newImage ? "New image" : "Old image";
    return (
      <div className="rounded-lg bg-slate-50/80 px-3 py-2 ring-1 ring-inset ring-slate-200/70">
        <p className="mb-1 text-[10px] font-medium uppercase tracking-wider text-slate-400">
          {label}
        </p>
        <dl
          className="grid grid-cols-1 gap-x-6 gap-y-1 font-mono text-[12px] sm:grid-cols-2"
          data-testid="image"
        >
          {rows.map((row) => (
            <div
              key={row.name}
              className="flex min-w-0 items-baseline gap-2"
              data-attribute={row.name}
            >
              <dt className="w-24 shrink-0 truncate text-slate-500">
                {row.name}
                {keyNames.has(row.name) && <KeyTag />}
              </dt>
              <dd className="min-w-0">
                <Value value={row.new ?? row.old} />
              </dd>
            </div>
          ))}
        </dl>
      </div>
    );
  }

  return (
    <div className="overflow-x-auto rounded-lg ring-1 ring-slate-200">
      <table className="w-full min-w-[24rem] font-mono text-[12px]" data-testid="image-diff">
        <thead className="bg-slate-50 text-left text-[10px] uppercase tracking-wider text-slate-500">
          <tr>
            <th className="w-32 px-3 py-1.5 font-medium">Attribute</th>
            <th className="px-3 py-1.5 font-medium">Old image</th>
            <th className="px-3 py-1.5 font-medium">New image</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr
              key={row.name}
              className={row.changed ? "bg-amber-50" : ""}
              data-changed={row.changed || undefined}
              data-attribute={row.name}
            >
              <td className="whitespace-nowrap px-3 py-1.5 text-slate-500">
                {row.changed && (
                  <span className="mr-1.5 text-amber-500" aria-label="changed">
                    ●
                  </span>
                )}
                {row.name}
                {keyNames.has(row.name) && <KeyTag />}
              </td>
              <td className="px-3 py-1.5">
                <Value value={row.old} tone={row.changed ? "old" : undefined} />
              </td>
              <td className="px-3 py-1.5">
                <Value value={row.new} tone={row.changed ? "new" : undefined} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
