/**
 * `pdm kafka-acls`: give pdm's components their Kafka ACLs (common/kafka-acls.ts), as a super
 * user. docker-compose runs it once after the broker is up; the local launcher does the same
 * by itself. Creating an ACL that exists changes nothing, so it can run at every start.
 */
import { describeError } from '../../common/errors.ts';
import { brokersFromEnv, createKafka, kafkaError, kafkaSecurityFromEnv } from '../../common/kafka.ts';
import { applyAcls, componentAcls } from '../../common/kafka-acls.ts';
import { type CommandLineOf, command, commandSpec, text } from '../command-line.ts';

const HELP = `Usage: pdm kafka-acls [--topic-prefix P] [--group G]

Creates the ACLs of pdm's components on a broker with an authorizer (SECURITY.md): user
collector writes (and may create) the vibration, energy and gap topics; user processor reads
them in its consumer group and writes (and may create) the dead-letter topic; user simulator
writes (and may create) the truth topic. Nothing else is allowed to them.

  --topic-prefix P   prefix of the topic names (the components' kafka.topicPrefix; default none)
  --group G          the processor's consumer group (default pdm-processor)
  --collector-user U, --processor-user U, --simulator-user U
                     the components' user names (default collector, processor, simulator)
Environment: PDM_KAFKA_BROKERS; PDM_KAFKA_SECURITY_PROTOCOL, PDM_KAFKA_CA_FILE and a super
user in PDM_KAFKA_USERNAME / PDM_KAFKA_PASSWORD.
`;

const SPEC = commandSpec({
  name: 'kafka-acls',
  help: HELP,
  options: {
    'topic-prefix': text(),
    group: text(),
    'collector-user': text(),
    'processor-user': text(),
    'simulator-user': text(),
  },
});

export const run = command(SPEC, kafkaAcls);

async function kafkaAcls({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const brokers = brokersFromEnv();
  const acl = componentAcls({
    topicPrefix: values['topic-prefix'] ?? '',
    groupId: values.group,
    users: { collector: values['collector-user'], processor: values['processor-user'], simulator: values['simulator-user'] },
  });
  const admin = createKafka(brokers, 'pdm-kafka-acls', kafkaSecurityFromEnv()).admin();
  try {
    await admin.connect();
    await applyAcls(admin, acl);
  } catch (err) {
    process.stderr.write(`pdm kafka-acls: ${describeError(kafkaError(err, 'cannot create the ACLs', brokers))}\n`);
    return 1;
  } finally {
    await admin.disconnect().catch(() => {});
  }
  process.stdout.write(`${acl.length} ACLs in place on ${brokers.join(',')}\n`);
  return 0;
}
