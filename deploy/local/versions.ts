/**
 * What the local launcher fetches from Maven Central, and why these versions.
 * Kafka 4.4.0: newest 4.x on Maven Central, proven with kafkajs 2.2.4 by
 * test/integration/services/kafkajs-compat.test.ts. Its pom brings log4j-core but no SLF4J
 * binding (Kafka logs through slf4j-api 1.7.x), so we add log4j-slf4j-impl (the 1.x binding) at
 * the same Log4j version; without it Kafka falls back to the no-op logger and we lose its log.
 * QuestDB 9.3.4: newest on Maven Central that runs on Java 17 (9.4+ is compiled for Java 25).
 */
export interface MavenCoordinate {
  groupId: string;
  artifactId: string;
  version: string;
}

export interface ArtifactSet {
  /** Cache directory name: `<artifact>-<version>`. */
  name: string;
  /** Human label for progress lines. */
  label: string;
  dependencies: MavenCoordinate[];
  /** Download size to expect, checked against free space before fetching (jars + Maven's own copy). */
  approxBytes: number;
}

export const KAFKA_VERSION = '4.4.0';
export const KAFKA_LOG4J_VERSION = '2.25.5';
export const QUESTDB_VERSION = '9.3.4';
export const MIN_JAVA_MAJOR = 17;

export const KAFKA_ARTIFACTS: ArtifactSet = {
  name: `kafka_2.13-${KAFKA_VERSION}`,
  label: `Apache Kafka ${KAFKA_VERSION}`,
  dependencies: [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
    { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-core', version: KAFKA_LOG4J_VERSION },
    { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: KAFKA_LOG4J_VERSION },
  ],
  approxBytes: 120 * 1024 * 1024,
};

export const QUESTDB_ARTIFACTS: ArtifactSet = {
  name: `questdb-${QUESTDB_VERSION}`,
  label: `QuestDB ${QUESTDB_VERSION}`,
  dependencies: [{ groupId: 'org.questdb', artifactId: 'questdb', version: QUESTDB_VERSION }],
  approxBytes: 80 * 1024 * 1024,
};
