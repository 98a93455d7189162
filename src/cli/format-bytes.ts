const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** A byte count for people: bytes below 1 KB, else KB, MB, GB or TB (powers of 1024) with one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.96 KB rounds to "1024.0 KB": say 1.0 MB instead.
  if (value.toFixed(1) === '1024.0' && unit < UNITS.length - 1) {
    value = 1;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit] ?? 'TB'}`;
}
