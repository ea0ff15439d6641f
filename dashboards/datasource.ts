/**
 * The query shape of the QuestDB Grafana datasource plugin (`questdb-questdb-datasource`), which
 * the foundation SDK does not ship. Fields as the plugin defines them (src/types.ts of
 * questdb/grafana-questdb-datasource): `queryType: 'sql'` with the SQL in `rawSql`, and `format`
 * 0 = time series (the backend turns long frames into wide ones, one series per distinct value of
 * the string columns) or 1 = table. `selectedFormat` is what the query editor shows; setting it
 * to the same explicit value stops the editor from re-guessing the format when a panel is opened.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';

/** The provisioned datasource (deploy/grafana/provisioning/datasources/questdb.yaml). */
export const QUESTDB_DATASOURCE = { type: 'questdb-questdb-datasource', uid: 'pdm-questdb' } as const;

export const QUERY_FORMAT = { timeSeries: 0, table: 1 } as const;
export type QueryFormatName = keyof typeof QUERY_FORMAT;
export type QueryFormat = (typeof QUERY_FORMAT)[QueryFormatName];

export interface QuestDbQuery extends cog.Dataquery {
  refId: string;
  datasource: { type: string; uid: string };
  queryType: 'sql';
  rawSql: string;
  format: QueryFormat;
  selectedFormat: QueryFormat;
  hide?: boolean;
}

export class QuestDbQueryBuilder implements cog.Builder<cog.Dataquery> {
  readonly #query: QuestDbQuery;

  constructor(rawSql: string) {
    this.#query = {
      refId: 'A',
      datasource: { ...QUESTDB_DATASOURCE },
      queryType: 'sql',
      rawSql,
      format: QUERY_FORMAT.timeSeries,
      selectedFormat: QUERY_FORMAT.timeSeries,
      _implementsDataqueryVariant() {},
    };
  }

  refId(refId: string): this {
    this.#query.refId = refId;
    return this;
  }

  format(format: QueryFormatName): this {
    this.#query.format = QUERY_FORMAT[format];
    this.#query.selectedFormat = QUERY_FORMAT[format];
    return this;
  }

  build(): QuestDbQuery {
    return { ...this.#query, datasource: { ...this.#query.datasource } };
  }
}

/** A query whose rows become time series (first column the time, string columns become labels). */
export function seriesQuery(rawSql: string, refId = 'A'): QuestDbQueryBuilder {
  return new QuestDbQueryBuilder(rawSql).refId(refId).format('timeSeries');
}

/** A query whose rows are shown as they come (tables, stats per row, state timelines after partitioning). */
export function tableQuery(rawSql: string, refId = 'A'): QuestDbQueryBuilder {
  return new QuestDbQueryBuilder(rawSql).refId(refId).format('table');
}
