/**
 * The alert episodes open at a time, from the processor's `alerts` table (one row per episode
 * start and one per end): the starts with no end of the same episode (machine, kind, channel,
 * started_at) at or before that time. Matched by the episode's identity rather than "the latest
 * event is a start": an end and the next start may carry the same timestamp.
 */

export interface OpenEpisodesOptions {
  /** SQL time the episodes are open at (e.g. `$__toTime`, `now()`). */
  asOf: string;
  /** Extra condition on the starts (e.g. a kind or the dashboard's machine filter); default none. */
  where?: string;
}

export function openEpisodesSql(alertsTable: string, opts: OpenEpisodesOptions): string {
  const where = opts.where ? ` AND ${opts.where}` : '';
  return `SELECT s.ts AS ts, s.machine AS machine, s.kind AS kind, s.channel AS channel, s.started_at AS started_at,
        s.severity AS severity, s.value AS value, s.detail AS detail
      FROM (SELECT * FROM ${alertsTable} WHERE event = 'start' AND ts <= ${opts.asOf}${where}) s
      LEFT JOIN (SELECT machine, kind, channel, started_at FROM ${alertsTable} WHERE event = 'end' AND ts <= ${opts.asOf}) e
        ON s.machine = e.machine AND s.kind = e.kind AND s.channel = e.channel AND s.started_at = e.started_at
      WHERE e.started_at IS NULL`;
}
