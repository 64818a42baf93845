import Link from "next/link";
import { BoltIcon } from "./icons";
import { NavLinks } from "./nav-links";

export function SiteHeader() {
  return (
    <header className="bg-slate-900">
      <div className="mx-auto flex h-14 max-w-7xl items-center justify-between gap-2 px-3 sm:gap-4 sm:px-6 lg:px-8">
        <Link href="/" className="flex items-center gap-2.5 text-white" aria-label="Streamboard">
          <span className="flex h-7 w-7 items-center justify-center rounded-lg bg-gradient-to-br from-indigo-400 to-violet-600 shadow-sm">
            <BoltIcon width={16} height={16} className="text-white" />
          </span>
          {/* The name gives way to the nav on a phone; the link keeps it as its label. */}
          <span className="hidden text-[15px] font-semibold tracking-tight min-[440px]:inline">
            Streamboard
          </span>
        </Link>
        <NavLinks />
      </div>
    </header>
  );
}
