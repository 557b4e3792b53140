#!/usr/bin/env bash
# Makes a private CA and, signed by it, a server certificate and a client certificate, for Gantry's TLS:
# Temporal mTLS (TEMPORAL_TLS_CERT/KEY/CA, `gantry tls-proxy`) and Docker TCP endpoints (dockerd --tlsverify).
#   bash scripts/gen-certs.sh DIR [SERVER_NAME...]     (default names: localhost 127.0.0.1)
# Writes DIR/ca.pem, ca-key.pem, server.pem, server-key.pem, client.pem, client-key.pem (keys mode 0600).
# Existing files are kept: run it again with a fresh DIR to rotate.
set -euo pipefail
dir="${1:?usage: gen-certs.sh DIR [SERVER_NAME...]}"
shift
names=("$@")
((${#names[@]} > 0)) || names=(localhost 127.0.0.1)
mkdir -p "$dir"
cd "$dir"
umask 077
san=""
for name in "${names[@]}"; do
  if [[ "$name" =~ ^[0-9.]+$ || "$name" == *:* ]]; then san+="IP:$name,"; else san+="DNS:$name,"; fi
done
san="${san%,}"
if [[ ! -e ca.pem ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=gantry-ca" -keyout ca-key.pem -out ca.pem 2>/dev/null
fi
issue() { # NAME CN EXTENSIONS
  [[ -e "$1.pem" ]] && return 0
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
    -keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 \
    -extfile <(printf '%s\n' "$3") -out "$1.pem" 2>/dev/null
  rm -f "$1.csr"
}
issue server "${names[0]}" "subjectAltName=$san
extendedKeyUsage=serverAuth"
issue client "gantry-client" "extendedKeyUsage=clientAuth"
chmod 0644 ca.pem server.pem client.pem
echo "gantry: certificates in $PWD (server names: ${names[*]})"
