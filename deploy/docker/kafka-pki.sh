#!/bin/sh
# One-shot of docker-compose (service kafka-pki, in the Kafka image for its keytool): a CA and a
# certificate for the broker `kafka` signed by it, in the kafka-pki volume. Re-running changes
# nothing. The keystore password is random and stays in the volume (store-password, 0600):
# Kafka needs it in clear in its config; clients need only ca.crt.
set -eu
dir=${KAFKA_PKI_DIR:-/pki}
cd "$dir"
if [ -f ca.crt ] && [ -f broker.p12 ] && [ -f store-password ]; then
  echo "Kafka PKI already in the kafka-pki volume: nothing to do"
  exit 0
fi
rm -f ca.crt ca.p12 broker.p12 broker.csr broker.crt store-password
umask 077
head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n=' > store-password
pass="-storepass:file $dir/store-password"
ec="-keyalg EC -groupname secp256r1 -storetype PKCS12"
# shellcheck disable=SC2086 # $pass and $ec are lists of arguments on purpose
{
  keytool -genkeypair -keystore ca.p12 $pass $ec -alias ca -dname "CN=pdm Kafka CA" -ext bc:c -ext KU=keyCertSign,cRLSign -validity 3650
  keytool -exportcert -keystore ca.p12 $pass -alias ca -rfc -file ca.crt
  keytool -genkeypair -keystore broker.p12 $pass $ec -alias broker -dname "CN=kafka" -validity 825
  keytool -certreq -keystore broker.p12 $pass -alias broker -file broker.csr
  keytool -gencert -keystore ca.p12 $pass -alias ca -infile broker.csr -outfile broker.crt -rfc -validity 825 \
    -ext SAN=dns:kafka,dns:localhost,ip:127.0.0.1 -ext KU=digitalSignature -ext EKU=serverAuth
  keytool -importcert -keystore broker.p12 $pass -alias ca -file ca.crt -noprompt
  keytool -importcert -keystore broker.p12 $pass -alias broker -file broker.crt -noprompt
}
rm -f broker.csr broker.crt
chmod 644 ca.crt
# The Kafka image's appuser and the app image's node user are both uid 1000.
if [ "$(id -u)" = 0 ]; then chown 1000:1000 ca.crt ca.p12 broker.p12 store-password; fi
echo "Kafka PKI created: CA ca.crt, broker certificate for kafka in broker.p12"
