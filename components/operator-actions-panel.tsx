"use client";

import { OperatorActionPage, type OperatorAction } from "@streamboard/core/contract";
import Link from "next/link";
import useSWR from "swr";
import { Alert } from "./alert";
import { Card } from "./card";
import { EmptyState } from "./empty-state";
import { CheckIcon } from "./icons";
import { getJson, type ApiError } from "./lib/api-client";
import { formatClock } from "./lib/format";

const LIMIT = 50;
const getActions = getJson(OperatorActionPage);

const labels: Record<OperatorAction["action"], { label: string; className: string }> = {
  edit: { label: "edit", className: "bg-amber-50 text-amber-800 ring-amber-600/25" },
  delete: { label: "delete", className: "bg-rose-50 text-rose-700 ring-rose-600/20" },
  reapply: { label: "re-apply", className: "bg-indigo-50 text-indigo-700 ring-indigo-600/20" },
  acknowledge: { label: "acknowledge", className: "bg-slate-100 text-slate-600 ring-slate-500/20" },
  release: { label: "release name", className: "bg-violet-50 text-violet-700 ring-violet-600/20" },
};

const shown = (value: unknown) =>
  value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value);

/** What operators did (edit, delete, re-apply, acknowledge), newest first, every 3 s. */
export function OperatorActionsPanel({ className = "" }: { className?: string }) {
  const { data, error } = useSWR<OperatorActionPage, ApiError>(
    `/api/operator-actions?limit=${LIMIT}`,
    getActions,
    {
      refreshInterval: 3000,
      dedupingInterval: 500,
      keepPreviousData: true,
      revalidateOnFocus: false,
    },
  );
  const actions = data?.actions;
  return (
    <Card
      className={className}
      aria-label="Operator actions"
      title="Operator actions"
      description="Edits, deletes, re-applies and acknowledgements · newest first"
      bodyClassName=""
    >
      {error && error.status !== 401 && (
        <div className="px-5 py-3">
          <Alert tone="error" title="Could not read the action log">
            {error.message}
          </Alert>
        </div>
      )}
      {actions?.length === 0 && (
        <EmptyState icon={<CheckIcon />} title="No actions yet">
          What operators do here is recorded, with who and when.
        </EmptyState>
      )}
      {actions && actions.length > 0 && (
        <ol
          className="max-h-[24rem] divide-y divide-slate-100 overflow-y-auto overscroll-contain"
          data-testid="operator-actions"
        >
          {actions.map((a) => (
            <li
              key={a.id}
              className="px-5 py-2.5 text-[12px]"
              data-testid="operator-action"
              data-action={a.action}
              data-record-id={a.recordId ?? ""}
            >
              <div className="flex flex-wrap items-center gap-2">
                <span
                  className={`rounded px-1.5 py-px text-[11px] font-medium ring-1 ring-inset ${labels[a.action].className}`}
                >
                  {labels[a.action].label}
                </span>
                {a.recordId && (
                  <Link
                    className="min-w-0 truncate font-mono text-indigo-700 hover:underline"
                    href={`/inspector?recordId=${encodeURIComponent(a.recordId)}`}
                  >
                    {a.recordId}
                  </Link>
                )}
                <time
                  className="ml-auto shrink-0 tabular-nums text-slate-400"
                  dateTime={a.at}
                  title={a.at}
                >
                  {formatClock(a.at)}
                </time>
              </div>
              <p className="mt-1 text-slate-500">
                by <span className="text-slate-700">{a.by}</span> ·{" "}
                <span data-testid="operator-action-outcome">{a.outcome}</span>
                {a.note && <> · “{a.note}”</>}
              </p>
              {a.changes && Object.keys(a.changes).length > 0 && (
                <ul className="mt-1 space-y-0.5 font-mono text-[11px] text-slate-600">
                  {Object.entries(a.changes).map(([field, change]) => (
                    <li key={field}>
                      {field}: <span className="text-rose-700">{shown(change.from)}</span> →{" "}
                      <span className="text-emerald-700">{shown(change.to)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
