/**
 * The ACLs of pdm's components on a broker with an authorizer: one definition for the local
 * launcher (deploy/local/kafka-security.ts) and docker-compose (`pdm kafka-acls`).
 */
import kafkajs, { type AclEntry, type Admin } from 'kafkajs';
import { topicNames } from './topics.ts';

export type ComponentUser = 'collector' | 'processor' | 'simulator';

// Node's CommonJS export detection misses these four in kafkajs 2.2.4's module.exports: take them from the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

export interface AclOptions {
  topicPrefix?: string;
  /** The processor's consumer group (default pdm-processor, as its config). */
  groupId?: string;
  /** User names of the components (default collector, processor, simulator). */
  users?: Partial<Record<ComponentUser, string>>;
}

/**
 * What each component may do, and nothing more (literal resource names, no wildcards,
 * one prefix):
 * - the collector writes its four topics (vibration, energy, scalar features, gaps), and creates
 *   them when it comes first;
 * - the processor reads them, writes the dead-letter and alerts topics, creates those six when
 *   it comes first, and uses its consumer group;
 * - the processor keeps its models on the model-state topic (reads, writes, creates it) and reads
 *   them back through short-lived groups named `<group>.restore.<uuid>` (the one prefixed grant);
 * - the simulator writes (and creates) the truth topic.
 * Idempotent producers need no cluster ACL: WRITE on a topic implies IDEMPOTENT_WRITE (KIP-679).
 * Reading the truth topic is left to the admin user (tests, benchmarks).
 */
export function componentAcls(opts: AclOptions = {}): AclEntry[] {
  const t = topicNames(opts.topicPrefix ?? '');
  const user = (u: ComponentUser) => `User:${opts.users?.[u] ?? u}`;
  const topic = (principal: string, name: string, ops: AclEntry['operation'][]): AclEntry[] =>
    ops.map((operation) => ({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: name,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    }));
  const { READ, WRITE, CREATE, DESCRIBE } = AclOperationTypes;
  const inputs = [t.vibration, t.energy, t.features, t.gaps];
  return [
    ...inputs.flatMap((n) => topic(user('collector'), n, [WRITE, DESCRIBE, CREATE])),
    ...inputs.flatMap((n) => topic(user('processor'), n, [READ, DESCRIBE, CREATE])),
    ...topic(user('processor'), t.deadLetter, [WRITE, DESCRIBE, CREATE]),
    ...topic(user('processor'), t.alerts, [WRITE, DESCRIBE, CREATE]),
    ...topic(user('processor'), t.modelState, [READ, WRITE, DESCRIBE, CREATE]),
    {
      resourceType: AclResourceTypes.GROUP,
      resourceName: `${opts.groupId ?? 'pdm-processor'}.restore.`,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: user('processor'),
      host: '*',
      operation: READ,
      permissionType: AclPermissionTypes.ALLOW,
    },
    {
      resourceType: AclResourceTypes.GROUP,
      resourceName: opts.groupId ?? 'pdm-processor',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: user('processor'),
      host: '*',
      operation: READ,
      permissionType: AclPermissionTypes.ALLOW,
    },
    ...topic(user('simulator'), t.truth, [WRITE, DESCRIBE, CREATE]),
  ];
}

/** Create the ACLs (as a super user); existing ones are left alone (Kafka ignores a duplicate). */
export async function applyAcls(admin: Admin, acl: AclEntry[]): Promise<void> {
  await admin.createAcls({ acl });
}
