import type { ReactNode } from "react";

interface CardProps {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  bodyClassName?: string;
  "aria-label"?: string;
}

/** The panel every section sits in: a title row, optional actions, then the body. */
export function Card({
  title,
  description,
  actions,
  children,
  className = "",
  bodyClassName = "p-5",
  ...rest
}: CardProps) {
  return (
    <section
      className={`min-w-0 rounded-2xl bg-white shadow-sm ring-1 ring-slate-200/80 ${className}`}
      aria-label={rest["aria-label"]}
    >
      {(title ?? actions) !== undefined && (
        <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 px-5 py-4">
          <div className="min-w-0">
            {title !== undefined && (
              <h2 className="text-[15px] font-semibold tracking-tight text-slate-900">{title}</h2>
            )}
            {description !== undefined && (
              <p className="mt-0.5 text-[13px] text-slate-500">{description}</p>
            )}
          </div>
          {actions}
        </header>
      )}
      <div className={bodyClassName}>{children}</div>
    </section>
  );
}
