/** 75.4 -> "01:15"; hours when needed: 3725 -> "1:02:05". */
export function formatTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export function formatTimeRange(start: number, end: number): string {
  return `${formatTimestamp(start)}-${formatTimestamp(end)}`;
}
