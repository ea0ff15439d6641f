/**
 * Kafka topics of the product. Vibration blocks, energy readings and scalar sensors' overall values
 * (`pdm.features.v1`) are keyed by machine id so one machine's messages stay in order on one
 * partition. `pdm.truth.v1` carries the
 * simulator's ground truth and is never read by the processing (only by tests, benchmarks and
 * the truth recorder); `pdm.deadletter.v1` receives what could not be processed, with the reason;
 * `pdm.model-state.v1` (compacted, keyed by machine) holds each machine's latest model state, so
 * the processor that receives a machine's partition, on any host, resumes its model;
 * `pdm.alerts.v1` (keyed by machine) carries each alert episode's start and end
 * (common/wire/alert-event.ts), for whatever notifies people or opens work orders.
 */
export const TOPICS = {
  vibration: 'pdm.vibration.v1',
  energy: 'pdm.energy.v1',
  features: 'pdm.features.v1',
  gaps: 'pdm.gaps.v1',
  deadLetter: 'pdm.deadletter.v1',
  truth: 'pdm.truth.v1',
  modelState: 'pdm.model-state.v1',
  alerts: 'pdm.alerts.v1',
} as const;

export type TopicRole = keyof typeof TOPICS;

/** Topic names with an optional prefix (tests run side by side on one broker with their own prefix). */
export function topicNames(prefix = ''): Record<TopicRole, string> {
  const out = {} as Record<TopicRole, string>;
  for (const [role, name] of Object.entries(TOPICS)) out[role as TopicRole] = `${prefix}${name}`;
  return out;
}
