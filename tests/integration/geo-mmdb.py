#!/usr/bin/env python3
"""GeoIP from a MaxMind database: builds a small .mmdb with Debian's
libmaxmind-db-writer-perl (GeoIP2-City, ASN and Anonymous-IP record shapes),
then runs `spoor hunt --geo DB --analytics` on sshd logons and checks the
countries, distance and ASN the analytics saw, and that a VPN exit the
database flags (is_anonymous_vpn) is not compared for travel.  Skips (77) when the Perl module is
missing (scripts/deps.sh installs it)."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("SPOOR_BIN", "spoor")
if subprocess.run(["perl", "-MMaxMind::DB::Writer::Tree", "-e", "1"], capture_output=True).returncode != 0:
    print("SKIP: libmaxmind-db-writer-perl is not installed (scripts/deps.sh)")
    sys.exit(77)
d = tempfile.mkdtemp(prefix="spoor-mmdb-")
db = os.path.join(d, "test.mmdb")
PERL = r'''
use MaxMind::DB::Writer::Tree;
my %types = (country => 'map', iso_code => 'utf8_string', city => 'map', names => 'map', en => 'utf8_string',
  location => 'map', latitude => 'double', longitude => 'double', autonomous_system_number => 'uint32',
  autonomous_system_organization => 'utf8_string', is_anonymous_vpn => 'boolean');
my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24, database_type => 'spoor-test',
  languages => ['en'], description => { en => 'spoor test' }, map_key_type_callback => sub { $types{ $_[0] } },
  alias_ipv6_to_ipv4 => 1, remove_reserved_networks => 0);
$t->insert_network('203.0.113.0/24', { country => { iso_code => 'TW' }, city => { names => { en => 'Taipei' } },
  location => { latitude => 25.033, longitude => 121.565 }, autonomous_system_number => 4782,
  autonomous_system_organization => 'Government Service Network' });
$t->insert_network('45.83.64.0/22', { country => { iso_code => 'NL' }, city => { names => { en => 'Amsterdam' } },
  location => { latitude => 52.37, longitude => 4.90 }, autonomous_system_number => 208843,
  autonomous_system_organization => 'Hosting B' });
$t->insert_network('192.0.2.0/24', { country => { iso_code => 'US' }, city => { names => { en => 'New York' } },
  location => { latitude => 40.71, longitude => -74.01 }, autonomous_system_number => 9009,
  autonomous_system_organization => 'Exit Net', is_anonymous_vpn => 1 });
open my $fh, '>:raw', $ARGV[0] or die; $t->write_tree($fh); close $fh;
'''
p = subprocess.run(["perl", "-e", PERL, db], capture_output=True, text=True)
if p.returncode != 0:
    sys.exit("perl: " + p.stderr)
log = os.path.join(d, "auth.log")
with open(log, "w") as f:
    f.write("Mar  2 01:00:00 bastion sshd[1]: Accepted publickey for chen from 203.0.113.10 port 5000 ssh2: RSA SHA256:x\n"
            "Mar  2 01:40:00 bastion sshd[2]: Accepted publickey for chen from 45.83.64.12 port 5001 ssh2: RSA SHA256:x\n"
            "Mar  2 01:50:00 bastion sshd[3]: Accepted publickey for lin from 198.51.100.1 port 5001 ssh2: RSA SHA256:x\n"
            # an Anonymous-IP VPN exit (is_anonymous_vpn): not compared, so NL -> US is no travel
            "Mar  2 02:00:00 bastion sshd[4]: Accepted publickey for chen from 192.0.2.5 port 5002 ssh2: RSA SHA256:x\n")
cfg = os.path.join(d, "c.yaml")
with open(cfg, "w") as f:
    f.write("firstseen:\n  baseline: 0s\n")
p = subprocess.run([BIN, "hunt", "-v", "--year", "2026", "--geo", db, "--analytics-config", cfg, log],
                   capture_output=True, text=True)
alerts = [json.loads(l) for l in p.stdout.splitlines()]
fails = []
tr = [a for a in alerts if a["spoor.analytic"] == "travel"]
if p.returncode != 0:
    fails.append("exit %d: %s" % (p.returncode, p.stderr))
if len(tr) != 1 or tr[0]["spoor.from.country"] != "TW" or tr[0]["spoor.to.country"] != "NL" or \
        not 9400 < tr[0]["spoor.distance_km"] < 9500:
    fails.append("travel: %s" % tr)
fs = [a for a in alerts if a["spoor.analytic"] == "firstseen" and a.get("spoor.new.asn") == "208843"]
if len(fs) != 1:
    fails.append("firstseen with the database's ASN: %s" % alerts)
if "4 events with a source address, 3 located, 3 with an AS" not in p.stderr:
    fails.append("geo summary: %s" % p.stderr)
bad = subprocess.run([BIN, "hunt", "--analytics", "--geo", log + ".mmdb", log], capture_output=True, text=True)
if bad.returncode != 2 or "not a MaxMind database" not in bad.stderr:
    fails.append("a missing database: exit %d %s" % (bad.returncode, bad.stderr))
for f in os.listdir(d):
    os.unlink(os.path.join(d, f))
os.rmdir(d)
for f in fails:
    print("FAIL", f)
print("mmdb: %d alerts, travel TW->NL and the ASN from the database" % len(alerts) if not fails else "")
sys.exit(1 if fails else 0)
