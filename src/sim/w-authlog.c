/* sim — auth.log of each provider's jump host (Debian sshd, sudo, PAM, cron;
 * RFC 3164 in UTC).  Staff log in with keys from the provider's office; the
 * internet knocks with passwords. */
#include <inttypes.h>

#include "sim-int.h"

static void hdr(simf *f, int64_t t, const char *prog, uint64_t pid)
{
	o_bsd(f, t, 0);
	O_LIT(f, " jump01 ");
	o_str(f, prog);
	if (pid) {
		o_ch(f, '[');
		o_u64(f, pid);
		o_ch(f, ']');
	}
	O_LIT(f, ": ");
}

static void auth_benign(sim_world *w, sim_stream *s, int64_t t)
{
	simf *f = &s->f;
	sim_provider *p = &w->pv[s->pv];
	uint32_t k = rng_below(&s->r, 100);
	uint64_t pid = 2000 + s->seq++ % 60000;
	if (k < 55) {
		/* internet noise */
		static const char *const u[] = {"admin", "ubuntu", "test", "oracle", "postgres", "git", "user", "pi"};
		uint32_t ip = rng_chance(&s->r, 0.5) ? pool_ip(w, &s->r, POOL_SCANNER)
						     : IP4(198, 51, 100, 2 + rng_below(&s->r, 190));
		const char *name = u[rng_below(&s->r, ARRAY_SIZE(u))];
		unsigned port = 30000 + rng_below(&s->r, 30000);
		hdr(f, t, "sshd", pid);
		o_fmt(f, "Invalid user %s from ", name);
		o_ip(f, ip);
		o_fmt(f, " port %u", port);
		o_end(f);
		hdr(f, t + 1500, "sshd", pid);
		o_fmt(f, "Failed password for invalid user %s from ", name);
		o_ip(f, ip);
		o_fmt(f, " port %u ssh2", port);
		o_end(f);
		hdr(f, t + 1800, "sshd", pid);
		O_LIT(f, "Connection closed by invalid user ");
		o_str(f, name);
		o_ch(f, ' ');
		o_ip(f, ip);
		o_fmt(f, " port %u [preauth]", port);
		o_end(f);
	} else if (k < 80) {
		/* staff with keys from the office */
		int st = (int)rng_below(&s->r, 4);
		uint32_t ip = p->net + 20 + (uint32_t)st;
		unsigned port = 40000 + rng_below(&s->r, 20000);
		hdr(f, t, "sshd", pid);
		o_fmt(f, "Accepted publickey for %s from ", p->staff[st]);
		o_ip(f, ip);
		o_fmt(f, " port %u ssh2: ED25519 %s", port, p->staff_fp[st]);
		o_end(f);
		hdr(f, t, "sshd", pid);
		o_fmt(f, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", p->staff[st],
		      1001 + st);
		o_end(f);
		hdr(f, t + 40, "systemd-logind", 612);
		o_fmt(f, "New session %" PRIu64 " of user %s.", s->seq, p->staff[st]);
		o_end(f);
		if (rng_chance(&s->r, 0.3)) {
			hdr(f, t + 60000, "sudo", 0);
			o_fmt(f, "%s : TTY=pts/%u ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl status xrdp",
			      p->staff[st], rng_below(&s->r, 4), p->staff[st]);
			o_end(f);
		}
	} else {
		hdr(f, t, "CRON", pid);
		O_LIT(f, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
		o_end(f);
		hdr(f, t, "CRON", pid + 1);
		O_LIT(f, "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)");
		o_end(f);
		hdr(f, t + 200, "CRON", pid);
		O_LIT(f, "pam_unix(cron:session): session closed for user root");
		o_end(f);
	}
}

static void auth_plant(sim_world *w, sim_stream *s, const plant *p)
{
	simf *f = &s->f;
	sim_provider *pv = &w->pv[s->pv];
	const char *staff = pv->staff[p->host];
	char c[320], ip[16];
	if (p->kind == P_JUMP_LOGIN) {
		ip_str(ip, p->ip);
		snprintf(c, sizeof(c), "Accepted password for %s from %s", staff, ip);
		truth_mark(w, s, p, staff, c);
		hdr(f, p->t, "sshd", 2000 + p->key % 60000);
		o_fmt(f, "Accepted password for %s from %s port %" PRIu64 " ssh2", staff, ip, p->key);
		o_end(f);
	} else if (p->kind == P_JUMP_SUDO) {
		snprintf(c, sizeof(c), "%s : TTY=pts/3 ; PWD=/home/%s ; USER=root ; COMMAND=/bin/bash", staff, staff);
		truth_mark(w, s, p, staff, c);
		hdr(f, p->t, "sudo", 0);
		o_str(f, c);
		o_end(f);
	}
}

void w_auth_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 8.0, true, auth_benign, auth_plant);
}
