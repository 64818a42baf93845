import type { ReactNode } from "react";
import { AlertIcon, CheckIcon } from "./icons";

const tones = {
  error: "bg-rose-50 text-rose-800 ring-rose-200",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  info: "bg-slate-50 text-slate-700 ring-slate-200",
};

export function Alert({
  tone,
  title,
  children,
}: {
  tone: keyof typeof tones;
  title?: string;
  children?: ReactNode;
}) {
  return (
    <div
      role={tone === "error" ? "alert" : "status"}
      className={`flex gap-2.5 rounded-lg px-3.5 py-3 text-[13px] ring-1 ring-inset ${tones[tone]}`}
    >
      <span className="mt-px shrink-0">
        {tone === "success" ? (
          <CheckIcon width={16} height={16} />
        ) : (
          <AlertIcon width={16} height={16} />
        )}
      </span>
      <div className="min-w-0">
        {title && <p className="font-semibold">{title}</p>}
        {children && <div className={title ? "mt-0.5" : ""}>{children}</div>}
      </div>
    </div>
  );
}
