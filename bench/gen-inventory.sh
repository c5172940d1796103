#!/bin/sh
# gen-inventory.sh [AGENCIES] [PROVIDERS] — a synthetic inventory for the
# enrichment benchmark (docs/providers.md "Cost"): each agency has a /16,
# 20 hosts in 4 roles, mail and AD domains and 3 admins; each provider a
# /24, 2 jump hosts, 5 accounts (one service-only), 2 keys, 3 served
# agencies (one limited to a host group), a window and a contract.
set -eu
na=${1:-100}
np=${2:-500}
awk -v na="$na" -v np="$np" 'BEGIN {
	print "agencies:"
	split("dc web file app", roles, " ")
	for (a = 1; a <= na; a++) {
		printf "  - id: ag%03d\n    name: Agency %d\n", a, a
		printf "    mail_domains: [ag%03d.gov.example]\n    ad_domains: [AG%03d, ag%03d.local]\n", a, a, a
		printf "    networks: [10.%d.%d.0/20]\n", int(a / 16), (a % 16) * 16
		printf "    admins: [ag%03d-adm1, ag%03d-adm2, ag%03d-adm3]\n    hosts:\n", a, a, a
		for (h = 1; h <= 20; h++)
			printf "      - {name: ag%03d-h%02d, ip: 10.%d.%d.%d, role: %s}\n", a, h, int(a / 16), (a % 16) * 16, h, roles[(h % 4) + 1]
	}
	print "providers:"
	for (p = 1; p <= np; p++) {
		printf "  - id: pr%03d\n    name: Provider %d\n", p, p
		printf "    source_networks: [100.%d.%d.0/24]\n", 64 + int(p / 256), p % 256
		printf "    jump_hosts: [pr%03d-jump1, 100.%d.%d.250]\n", p, 64 + int(p / 256), p % 256
		printf "    accounts: [pr%03d-a1, pr%03d-a2, pr%03d-a3, pr%03d-a4, {name: pr%03d-svc, service: true}]\n", p, p, p, p, p
		printf "    key_fingerprints: [\"SHA256:pr%03dkeyA\", \"SHA256:pr%03dkeyB\"]\n    serves:\n", p, p
		printf "      - agency: ag%03d\n      - agency: ag%03d\n", (p % na) + 1, ((p + 7) % na) + 1
		printf "      - {agency: ag%03d, hosts: [\"role:web\", ag%03d-h01]}\n", ((p + 13) % na) + 1, ((p + 13) % na) + 1
		printf "    windows:\n      - {days: mon-fri, start: \"07:00\", end: \"19:00\", tz: Europe/Berlin}\n"
		printf "    contract: {start: 2019-01-01, end: 2027-12-31}\n"
	}
}'
