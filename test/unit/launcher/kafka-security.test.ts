/**
 * What the secured local broker is told (server.properties lines, format arguments) and the ACLs
 * each component gets: least privilege, literal names, the configured prefix and group.
 */
import { describe, expect, it } from 'vitest';
import { componentAcls } from '../../../common/kafka-acls.ts';
import { kafkaLayout, kafkaServerProperties } from '../../../deploy/local/kafka.ts';
import { type KafkaSecrets, scramFormatArgs } from '../../../deploy/local/kafka-security.ts';

const secrets: KafkaSecrets = {
  storePassword: 'store',
  users: {
    admin: { username: 'admin', password: 'a' },
    collector: { username: 'collector', password: 'c' },
    processor: { username: 'processor', password: 'p' },
    simulator: { username: 'simulator', password: 's' },
  },
};

/** 'principal operation resource' triples, readable in a failure. */
function grants(opts?: Parameters<typeof componentAcls>[0]): string[] {
  const op = ['', '', 'ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE'];
  const type = ['', '', 'Topic', 'Group'];
  const pattern = ['', '', '', '', '*']; // 3 LITERAL, 4 PREFIXED (shown as a trailing *)
  return componentAcls(opts).map((a) => {
    expect([3, 4]).toContain(a.resourcePatternType); // LITERAL or PREFIXED
    expect(a.permissionType).toBe(3); // ALLOW
    return `${a.principal} ${op[a.operation]} ${type[a.resourceType]}:${a.resourceName}${pattern[a.resourcePatternType]}`;
  });
}

describe('secured local broker', () => {
  it('listens with SASL_SSL only, denies what no ACL allows, admin above ACLs', () => {
    const props = kafkaServerProperties(kafkaLayout('/k'), { broker: 9092, controller: 9093 }, secrets);
    expect(props).toContain('listeners=SASL_SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093\n');
    expect(props).not.toMatch(/PLAINTEXT:\/\//);
    expect(props).toContain('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n');
    expect(props).toContain('super.users=User:admin\n');
    expect(props).toContain('allow.everyone.if.no.acl.found=false\n');
    expect(props).toContain('ssl.keystore.location=/k/security/broker.p12\n');
    // Without secrets: the plaintext loopback broker as before.
    expect(kafkaServerProperties(kafkaLayout('/k'), { broker: 9092, controller: 9093 })).toContain('listeners=PLAINTEXT://127.0.0.1:9092,');
  });

  it('creates every user at format time', () => {
    expect(scramFormatArgs(secrets)).toEqual([
      '--add-scram',
      'SCRAM-SHA-512=[name=admin,password=a]',
      '--add-scram',
      'SCRAM-SHA-512=[name=collector,password=c]',
      '--add-scram',
      'SCRAM-SHA-512=[name=processor,password=p]',
      '--add-scram',
      'SCRAM-SHA-512=[name=simulator,password=s]',
    ]);
  });

  it('gives each component what it needs and nothing more', () => {
    const g = grants();
    const of = (user: string) => g.filter((x) => x.startsWith(`User:${user} `)).sort();
    expect(of('collector')).toEqual(
      ['pdm.energy.v1', 'pdm.features.v1', 'pdm.gaps.v1', 'pdm.vibration.v1']
        .flatMap((t) => ['CREATE', 'DESCRIBE', 'WRITE'].map((o) => `User:collector ${o} Topic:${t}`))
        .sort(),
    );
    expect(of('processor')).toEqual(
      [
        ...['pdm.energy.v1', 'pdm.features.v1', 'pdm.gaps.v1', 'pdm.vibration.v1'].flatMap((t) =>
          ['CREATE', 'DESCRIBE', 'READ'].map((o) => `User:processor ${o} Topic:${t}`),
        ),
        ...['CREATE', 'DESCRIBE', 'WRITE'].map((o) => `User:processor ${o} Topic:pdm.deadletter.v1`),
        // Alert episodes out; whoever notifies people reads them (admin or its own user, granted by the plant).
        ...['CREATE', 'DESCRIBE', 'WRITE'].map((o) => `User:processor ${o} Topic:pdm.alerts.v1`),
        ...['CREATE', 'DESCRIBE', 'READ', 'WRITE'].map((o) => `User:processor ${o} Topic:pdm.model-state.v1`),
        'User:processor READ Group:pdm-processor',
        'User:processor READ Group:pdm-processor.restore.*',
      ].sort(),
    );
    expect(of('simulator')).toEqual(['CREATE', 'DESCRIBE', 'WRITE'].map((o) => `User:simulator ${o} Topic:pdm.truth.v1`).sort());
  });

  it('follows the topic prefix, the group and the user names it is given', () => {
    const g = grants({ topicPrefix: 'plant2.', groupId: 'proc-2', users: { collector: 'edge-7' } });
    expect(g).toContain('User:edge-7 WRITE Topic:plant2.pdm.vibration.v1');
    expect(g).toContain('User:processor READ Group:proc-2');
    expect(g).toContain('User:processor READ Group:proc-2.restore.*');
    expect(g).toContain('User:processor WRITE Topic:plant2.pdm.model-state.v1');
    expect(g).toContain('User:processor WRITE Topic:plant2.pdm.alerts.v1');
    expect(g.some((x) => x.startsWith('User:collector '))).toBe(false);
  });
});
