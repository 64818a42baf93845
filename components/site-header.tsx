import Link from "next/link";
import { BoltIcon } from "./icons";
import { NavLinks } from "./nav-links";

export function SiteHeader() {
  return (
    <header className="bg-slate-900">
      <div className="mx-auto flex h-14 max-w-7xl items-center justify-between gap-4 px-4 sm:px-6 lg:px-8">
        <Link href="/" className="flex items-center gap-2.5 text-white">
          <span className="flex h-7 w-7 items-center justify-center rounded-lg bg-gradient-to-br from-indigo-400 to-violet-600 shadow-sm">
            <BoltIcon width={16} height={16} className="text-white" />
          </span>
          <span className="text-[15px] font-semibold tracking-tight">Streamboard</span>
        </Link>
        <NavLinks />
      </div>
    </header>
  );
}
