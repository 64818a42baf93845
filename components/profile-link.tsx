import Link from "next/link";
import type { ComponentProps } from "react";

/** Where a player's profile lives. */
export const profileHref = (name: string) => `/players/${encodeURIComponent(name)}`;

/** A link to a player's profile; the name is the text unless children say otherwise. */
export function PlayerLink({
  name,
  children,
  className = "font-medium text-indigo-700 underline-offset-2 hover:underline",
  ...rest
}: { name: string } & Omit<ComponentProps<typeof Link>, "href">) {
  return (
    <Link href={profileHref(name)} className={className} {...rest}>
      {children ?? name}
    </Link>
  );
}
