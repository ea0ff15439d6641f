/**
 * Reading built dashboards back: every SQL query in them (panel targets, variable queries,
 * annotation targets) with where it sits, and the tables a query reads. Used by the structure
 * tests and by the tests that run every query against QuestDB.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

export interface DashboardQuery {
  /** Human path for messages: `<dashboard uid> / panel "<title>" / A`. */
  where: string;
  kind: 'panel' | 'variable' | 'annotation';
  rawSql: string;
  /** 0 time series, 1 table (undefined for variable queries, which are plain SQL strings). */
  format?: number;
  datasource?: { type?: string; uid?: string };
  /** Variable a panel repeats over: inside each copy it holds one value. */
  repeat?: string;
  /** The panel's min interval, when it has one. */
  minInterval?: string;
  refId?: string;
}

interface RawTarget {
  refId?: string;
  rawSql?: string;
  format?: number;
  datasource?: { type?: string; uid?: string };
}

export function isRowPanel(p: dashboard.Panel | dashboard.RowPanel): p is dashboard.RowPanel {
  return p.type === 'row';
}

/** Panels that are not rows, including any nested in collapsed rows. */
export function leafPanels(d: dashboard.Dashboard): dashboard.Panel[] {
  const out: dashboard.Panel[] = [];
  for (const p of d.panels ?? []) {
    if (isRowPanel(p)) out.push(...((p.panels ?? []) as dashboard.Panel[]));
    else out.push(p);
  }
  return out;
}

export function dashboardQueries(d: dashboard.Dashboard): DashboardQuery[] {
  const uid = d.uid ?? '?';
  const out: DashboardQuery[] = [];
  for (const panel of leafPanels(d)) {
    for (const t of (panel.targets ?? []) as RawTarget[]) {
      out.push({
        where: `${uid} / panel "${panel.title}" / ${t.refId}`,
        kind: 'panel',
        rawSql: t.rawSql ?? '',
        format: t.format,
        datasource: t.datasource ?? panel.datasource,
        repeat: panel.repeat,
        minInterval: panel.interval,
        refId: t.refId,
      });
    }
  }
  for (const v of d.templating.list ?? []) {
    if (v.type !== 'query') continue;
    out.push({
      where: `${uid} / variable $${v.name}`,
      kind: 'variable',
      rawSql: typeof v.query === 'string' ? v.query : String((v.query as { rawSql?: string } | undefined)?.rawSql ?? ''),
      datasource: v.datasource,
    });
  }
  const annotations = (d.annotations as { list?: dashboard.AnnotationQuery[] }).list ?? [];
  for (const a of annotations) {
    const t = a.target as RawTarget | undefined;
    out.push({
      where: `${uid} / annotation "${a.name}"`,
      kind: 'annotation',
      rawSql: t?.rawSql ?? '',
      format: t?.format,
      datasource: t?.datasource ?? a.datasource,
      refId: t?.refId,
    });
  }
  return out;
}

/**
 * Tables a QuestDB query reads: names after FROM / JOIN (not subqueries, not the query's own
 * common table expressions `WITH s AS (...)`) and `table_columns('name')`.
 */
export function referencedTables(sql: string): string[] {
  const names = new Set<string>();
  const ctes = new Set([...sql.matchAll(/(?:\bWITH|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(/gi)].map((m) => m[1].toLowerCase()));
  // A name followed by a bracket is a table function (table_columns(...)), not a table.
  for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi))
    if (!ctes.has(m[1].toLowerCase())) names.add(m[1]);
  for (const m of sql.matchAll(/table_columns\(\s*'([^']+)'\s*\)/gi)) names.add(m[1]);
  return [...names].sort();
}
