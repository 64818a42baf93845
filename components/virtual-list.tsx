"use client";

import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useRef,
  useState,
  type ReactNode,
  type Ref,
} from "react";

export interface VirtualListHandle {
  /** Scrolls just enough to show row `index`. */
  scrollToIndex: (index: number) => void;
}

interface VirtualListProps<T> {
  items: readonly T[];
  /** Every row is this tall (px): the list computes what is visible from scrollTop alone. */
  rowHeight: number;
  /** The viewport's height (px). */
  height: number;
  keyOf: (item: T) => string;
  renderRow: (item: T, index: number) => ReactNode;
  /** Rows rendered beyond each edge, so a quick scroll shows no blank. */
  overscan?: number;
  /** Called once when the last row comes into view (e.g. to load older records). */
  onEndReached?: () => void;
  footer?: ReactNode;
  ref?: Ref<VirtualListHandle>;
  className?: string;
  "aria-label"?: string;
  "data-testid"?: string;
}

/**
 * Renders only the rows in view (plus `overscan`), absolutely placed in a spacer as tall as all
 * of them: thousands of records cost what thirty do. Fixed row heights keep it exact and cheap.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  height,
  keyOf,
  renderRow,
  overscan = 8,
  onEndReached,
  footer,
  ref,
  className = "",
  ...rest
}: VirtualListProps<T>) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const frame = useRef<number | undefined>(undefined);

  const onScroll = useCallback(() => {
    if (frame.current !== undefined) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = undefined;
      setScrollTop(viewport.current?.scrollTop ?? 0);
    });
  }, []);
  useEffect(
    () => () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    },
    [],
  );

  useImperativeHandle(
    ref,
    () => ({
      scrollToIndex(index: number) {
        const element = viewport.current;
        if (!element) return;
        const top = index * rowHeight;
        if (top < element.scrollTop) element.scrollTop = top;
        else if (top + rowHeight > element.scrollTop + element.clientHeight) {
          element.scrollTop = top + rowHeight - element.clientHeight;
        }
      },
    }),
    [rowHeight],
  );

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const atEnd = items.length > 0 && last >= items.length;

  const reported = useRef(-1);
  useEffect(() => {
    if (atEnd && onEndReached && reported.current !== items.length) {
      reported.current = items.length;
      onEndReached();
    }
  }, [atEnd, items.length, onEndReached]);

  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    const item = items[index]!;
    rows.push(
      <div
        key={keyOf(item)}
        style={{
          position: "absolute",
          top: index * rowHeight,
          height: rowHeight,
          left: 0,
          right: 0,
        }}
      >
        {renderRow(item, index)}
      </div>,
    );
  }

  return (
    <div
      ref={viewport}
      onScroll={onScroll}
      style={{ height, overflowY: "auto" }}
      className={`overscroll-contain ${className}`}
      role="listbox"
      // Focusable from script (a fallback for the focus), not a tab stop: the rows are.
      tabIndex={-1}
      aria-label={rest["aria-label"]}
      data-testid={rest["data-testid"]}
      data-count={items.length}
    >
      <div style={{ position: "relative", height: items.length * rowHeight }}>{rows}</div>
      {footer}
    </div>
  );
}
