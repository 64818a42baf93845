import type { ReactNode } from "react";

/** What a list shows when it has nothing yet: an icon, one line of why, one of what to do. */
export function EmptyState({
  icon,
  title,
  children,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
}) {
  return (
    <div className="flex flex-col items-center justify-center px-6 py-10 text-center">
      {icon && (
        <div className="mb-3 flex h-10 w-10 items-center justify-center rounded-full bg-slate-100 text-slate-400">
          {icon}
        </div>
      )}
      <p className="text-sm font-medium text-slate-700">{title}</p>
      {children && <p className="mt-1 max-w-xs text-[13px] text-slate-500">{children}</p>}
    </div>
  );
}
