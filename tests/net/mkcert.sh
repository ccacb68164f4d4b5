#!/bin/sh
# Makes a self-signed certificate for 127.0.0.1 and localhost in DIR:
# DIR/cert.pem (also the CA bundle the tests trust) and DIR/key.pem.
# Usage: tests/net/mkcert.sh DIR
set -eu
dir=$1
[ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ] && exit 0
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
	-subj "/CN=duoterm test" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
