#!/bin/sh
# Start command of docker-compose's kafka service: one KRaft node with SASL_SSL (SCRAM-SHA-512)
# for clients, the StandardAuthorizer (deny unless an ACL allows; user admin is the super user),
# and the controller on the container's loopback with SASL PLAIN for admin alone (controllers
# cannot check SCRAM). The users are created when the storage is first formatted: SCRAM
# credentials live in the metadata, and the broker can authenticate nobody before they exist.
# The same settings as the local launcher (deploy/local/kafka-security.ts).
set -eu
: "${KAFKA_ADMIN_PASSWORD:?}" "${KAFKA_COLLECTOR_PASSWORD:?}" "${KAFKA_PROCESSOR_PASSWORD:?}" "${KAFKA_SIMULATOR_PASSWORD:?}"
# Paths overridable only to try this script outside the image.
pki=${KAFKA_PKI_DIR:-/pki}
data=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
conf=${KAFKA_CONF_DIR:-/tmp/pdm-kafka} # regenerated at each start; not in the data volume (a directory there would be taken for a partition)
bin=${KAFKA_BIN_DIR:-/opt/kafka/bin}
umask 077
mkdir -p "$conf"
store=$(cat "$pki/store-password")
cat > "$conf/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=SASL_SSL://:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=SASL_SSL://kafka:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD" user_admin="$KAFKA_ADMIN_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$pki/broker.p12
ssl.keystore.password=$store
ssl.key.password=$store
ssl.truststore.type=PEM
ssl.truststore.location=$pki/ca.crt
ssl.client.auth=none
ssl.enabled.protocols=TLSv1.3,TLSv1.2
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
log.dirs=$data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=48
PROPS
# For the health check (kafka-broker-api-versions.sh --command-config): the admin over SASL_SSL.
cat > "$conf/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=$pki/ca.crt
PROPS
if [ ! -f "$data/meta.properties" ]; then
  "$bin/kafka-storage.sh" format -c "$conf/server.properties" -t "$("$bin/kafka-storage.sh" random-uuid)" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=collector,password=$KAFKA_COLLECTOR_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=processor,password=$KAFKA_PROCESSOR_PASSWORD]" \
    --add-scram "SCRAM-SHA-512=[name=simulator,password=$KAFKA_SIMULATOR_PASSWORD]" >/dev/null # it prints the SCRAM keys
  touch "$data/.pdm-scram-users"
elif [ ! -f "$data/.pdm-scram-users" ]; then
  echo "kafka-data was formatted without SCRAM users (an older, unauthenticated pdm compose): remove the volume (docker compose down; docker volume rm <project>_kafka-data) to start over; its topics are lost" >&2
  exit 1
fi
exec "$bin/kafka-server-start.sh" "$conf/server.properties"
