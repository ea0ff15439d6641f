/** What each dashboard module describes; `build.ts` turns it into Grafana's JSON. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardRow } from './common.ts';

export interface DashboardSpec {
  /** Stable across builds and Grafana instances (links and bookmarks use it). */
  uid: string;
  title: string;
  description: string;
  time: { from: string; to: string };
  refresh: string;
  variables: Array<cog.Builder<dashboard.VariableModel>>;
  annotations?: Array<cog.Builder<dashboard.AnnotationQuery>>;
  rows: DashboardRow[];
}
