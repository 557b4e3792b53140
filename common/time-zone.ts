/** IANA time zone names as the Temporal server loads them. Pure; the zone database is the runtime's (Intl). */

const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Why `name` is no time zone the Temporal server would load, or undefined. The server loads names with Go's
 * `time.LoadLocation`: exact IANA names, case-sensitive, no offsets (`+01:00`) and no `Local`. Intl accepts
 * more (any case, offsets), so those are refused here first.
 */
export function checkTimezone(name: string): string | undefined {
  const example = 'an IANA time zone name such as "Europe/Paris" or "UTC"';
  if (name === 'Local' || !ZONE_SHAPE.test(name)) return `expected ${example}`;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone: expected ${example}`;
  }
  // IANA names start each part with a capital (America/Port-au-Prince, Etc/GMT+5); Go compares exactly.
  const isCased = name.split('/').every((part) => /^[A-Z]/.test(part));
  if (!isCased || (canonical !== name && canonical.toLowerCase() === name.toLowerCase()))
    return `time zone names are case-sensitive (did you mean "${canonical}"?)`;
  return undefined;
}
