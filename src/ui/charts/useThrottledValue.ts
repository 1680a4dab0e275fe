import { useEffect, useRef, useState } from 'react';

/**
 * The value as it was at most `intervalMs` ago, refreshed in its own timer task `offsetMs` into each
 * slot. Live charts use different offsets so each redraws in a separate short task instead of all
 * in one long one that would stall the page.
 */
export function useThrottledValue<T>(value: T, intervalMs: number, offsetMs = 0): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const lastShown = useRef(0);
  latest.current = value;

  useEffect(() => {
    if (value === shown) return;
    const now = performance.now();
    const wait = Math.max(offsetMs, lastShown.current + intervalMs - now);
    const timer = setTimeout(() => {
      lastShown.current = performance.now();
      setShown(latest.current);
    }, wait);
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs, offsetMs]);

  return shown;
}
