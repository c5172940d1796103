/* sim — the driver: options, streams, the day loop, ground truth. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sim-int.h"

const sim_writer sim_writers[_S_KINDS] = {
    [S_MAIL] = {"logs/%s/mail/maillog", NULL, w_mail_day},
    [S_MAILGW] = {"logs/%s/mail/gateway-5424.log", NULL, w_mailgw_day},
    [S_IIS] = {"logs/%s/exchange/W3SVC1/u_ex.log", w_iis_header, w_iis_day},
    [S_UAL] = {"logs/%s/m365/ual.jsonl", NULL, w_ual_day},
    [S_SIGNIN] = {"logs/%s/entra/signins.jsonl", NULL, w_signin_day},
    [S_SEC] = {"logs/%s/windows/security.jsonl", NULL, w_sec_day},
    [S_SYS] = {"logs/%s/windows/system.jsonl", NULL, w_sys_day},
    [S_SYSMON] = {"logs/%s/windows/sysmon.jsonl", NULL, w_sysmon_day},
    [S_DEF] = {"logs/%s/windows/defender.jsonl", NULL, w_def_day},
    [S_CONN] = {"logs/%s/zeek/conn.log", w_zeek_header, w_conn_day},
    [S_DNS] = {"logs/%s/zeek/dns.log", w_zeek_header, w_dns_day},
    [S_HTTP] = {"logs/%s/zeek/http.log", w_zeek_header, w_http_day},
    [S_SSL] = {"logs/%s/zeek/ssl.log", w_zeek_header, w_ssl_day},
    [S_AUTH] = {"logs/providers/%s/jump01/auth.log", NULL, w_auth_day},
};

void spoor_sim_options_init(spoor_sim_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->agencies = 4;
	o->mailboxes = 40;
	o->providers = 3;
	o->days = 14;
	o->scale = 1.0;
	o->start = sim_days_from_civil(2024, 3, 4) * 86400;
}

static bool stream_on(const sim_agency *a, int kind)
{
	switch (kind) {
	case S_MAIL:
		return a->kind == MK_DOVECOT;
	case S_MAILGW:
	case S_SIGNIN:
		return a->kind != MK_DOVECOT;
	case S_IIS:
		return a->kind == MK_EXCHANGE;
	case S_UAL:
		return a->kind == MK_M365;
	default:
		return true;
	}
}

/* ---- pending session ends: a min-heap by time --------------------------- */
bool pend_push(sim_stream *s, const pend *p)
{
	if (!s->heap) {
		s->heap = xcalloc(SIM_PEND_MAX, sizeof(*s->heap));
		if (!s->heap)
			return false;
	}
	if (s->nheap >= SIM_PEND_MAX)
		return false;
	size_t i = s->nheap++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (s->heap[up].t <= p->t)
			break;
		s->heap[i] = s->heap[up];
		i = up;
	}
	s->heap[i] = *p;
	return true;
}

bool pend_top(sim_stream *s, int64_t upto, pend *out)
{
	if (!s->nheap || s->heap[0].t > upto)
		return false;
	*out = s->heap[0];
	pend last = s->heap[--s->nheap];
	size_t i = 0, n = s->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && s->heap[c + 1].t < s->heap[c].t)
			c++;
		if (last.t <= s->heap[c].t)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = last;
	return true;
}

/* ---- the day loop of one stream ----------------------------------------- */
static void plants_upto(sim_world *w, sim_stream *s, int64_t t, plant_fn pl)
{
	while (s->pcur < s->pend && w->plants[s->pcur].t <= t) {
		pl(w, s, &w->plants[s->pcur]);
		s->pcur++;
	}
}

void stream_day(sim_world *w, sim_stream *s, int64_t day0, double rate, bool server, benign_fn b, plant_fn pl)
{
	const int64_t H = 3600000;
	for (int h = 0; h < 24; h++) {
		int64_t hs = day0 + h * H, he = hs + H;
		double lam = rate * activity(hs, server) * w->o.scale; /* records per hour */
		if (lam <= 0)
			continue;
		double mean = (double)H / lam;
		double t = (double)hs;
		for (;;) {
			t += rng_exp(&s->r, mean);
			if (t >= (double)he)
				break;
			int64_t ti = (int64_t)t;
			plants_upto(w, s, ti, pl);
			b(w, s, ti);
		}
	}
	plants_upto(w, s, day0 + 24 * H - 1, pl);
}

/* ---- ground truth ---------------------------------------------------------- */
void truth_mark(sim_world *w, sim_stream *s, const plant *p, const char *account, const char *contains)
{
	simf *f = &w->truth;
	const plant_info *pi = &plant_infos[p->kind];
	char ip[16];
	O_LIT(f, "{\"file\":\"");
	o_str(f, s->f.rel);
	O_LIT(f, "\",\"line\":");
	o_u64(f, s->f.line + 1);
	O_LIT(f, ",\"offset\":");
	o_u64(f, s->f.off);
	O_LIT(f, ",\"ts\":\"");
	o_iso(f, p->t, 3, 0);
	o_fmt(f, "\",\"kind\":\"%s\",\"behaviour\":\"%s\",\"technique\":\"%s\",\"stage\":\"%s\",\"actor\":\"%s\"",
	      pi->name, pi->behaviour, pi->technique, pi->stage, w->actor[p->actor].name);
	if (p->ag != NONE)
		o_fmt(f, ",\"agency\":\"%s\"", w->ag[p->ag].id);
	if (p->pv != NONE)
		o_fmt(f, ",\"provider\":\"%s\"", w->pv[p->pv].id);
	if (account) {
		O_LIT(f, ",\"account\":\"");
		o_json(f, account);
		O_LIT(f, "\"");
	}
	if (p->ip && p->kind != P_GW_FORWARDED && p->kind != P_IMAP_DOWNLOAD) { /* only where the line has it */
		ip_str(ip, p->ip);
		o_fmt(f, ",\"ip\":\"%s\"", ip);
	}
	bool taken = p->kind == P_IMAP_DOWNLOAD || p->kind == P_EWS_DOWNLOAD || p->kind == P_UAL_MAILITEMS ||
		     p->kind == P_GW_FORWARDED;
	if (taken)
		o_fmt(f, ",\"bytes\":%" PRIu64 ",\"items\":%" PRIu64, p->n1, p->n2);
	O_LIT(f, ",\"contains\":\"");
	o_json(f, contains);
	O_LIT(f, "\"}");
	o_end(f);
	w->planted++;
	/* the summary follows the records as written */
	if (p->ag != NONE && p->user != NONE) {
		sim_user *u = &w->ag[p->ag].users[p->user];
		if (taken) {
			u->taken_bytes += p->n1;
			u->taken_items += p->n2;
		}
		if (pi->behaviour == plant_infos[P_VALID_DOVECOT].behaviour && !u->compromised)
			u->compromised = p->t;
	}
	bool foothold =
	    p->kind == P_VALID_DOVECOT || p->kind == P_VALID_OWA || p->kind == P_VALID_ENTRA || p->kind == P_RDP_LOGON;
	if (foothold && p->ag != NONE && (!w->ag[p->ag].first_compromise || p->t < w->ag[p->ag].first_compromise))
		w->ag[p->ag].first_compromise = p->t;
	if (p->kind == P_JUMP_LOGIN && p->pv != NONE)
		w->pv[p->pv].abused = true;
}

/* ---- the whole run -------------------------------------------------------- */
static int check(const spoor_sim_options *o, spoor_diag *d)
{
	if (!o->out_dir || !*o->out_dir)
		return diag_set(d, SPOOR_EINVAL, "simulate: no output folder");
	if (o->agencies < 1 || o->agencies > SPOOR_SIM_MAX_AGENCIES)
		return diag_set(d, SPOOR_EINVAL, "simulate: agencies must be 1..%d", SPOOR_SIM_MAX_AGENCIES);
	if (o->providers < 1 || o->providers > SPOOR_SIM_MAX_PROVIDERS)
		return diag_set(d, SPOOR_EINVAL, "simulate: providers must be 1..%d", SPOOR_SIM_MAX_PROVIDERS);
	if (o->mailboxes < 8 || o->mailboxes > SPOOR_SIM_MAX_MAILBOXES)
		return diag_set(d, SPOOR_EINVAL, "simulate: mailboxes must be 8..%d", SPOOR_SIM_MAX_MAILBOXES);
	if (o->days < 2 || o->days > SPOOR_SIM_MAX_DAYS)
		return diag_set(d, SPOOR_EINVAL, "simulate: days must be 2..%d", SPOOR_SIM_MAX_DAYS);
	if (!(o->scale > 0) || o->scale > SPOOR_SIM_MAX_SCALE)
		return diag_set(d, SPOOR_EINVAL, "simulate: scale must be in (0, %g]", SPOOR_SIM_MAX_SCALE);
	return 0;
}

int spoor_simulate(const spoor_sim_options *o, spoor_sim_result *res, spoor_diag *d)
{
	sim_world w;
	int rc = check(o, d);
	if (rc)
		return rc;
	memset(&w, 0, sizeof(w));
	w.o = *o;
	if (snprintf(w.root, sizeof(w.root), "%s", o->out_dir) >= (int)sizeof(w.root))
		return diag_set(d, SPOOR_ELIMIT, "simulate: output path too long");
	if (mkdir(w.root, 0755) && errno != EEXIST)
		return diag_set(d, SPOOR_EIO, "simulate: cannot create %s: %s", w.root, strerror(errno));
	w.t0 = (o->start - o->start % 86400) * 1000;
	w.t1 = w.t0 + (int64_t)o->days * 86400000;
	rng_seed(&w.r, o->seed, 0);
	rc = scenario_build(&w, d);
	if (rc)
		goto out;
	w.nstreams = w.nag * S_NAGENCY + w.npv;
	w.streams = xcalloc(w.nstreams, sizeof(*w.streams));
	if (!w.streams) {
		rc = diag_set(d, SPOOR_ENOMEM, "simulate: out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < w.nstreams; i++) {
		sim_stream *s = &w.streams[i];
		if (i < w.nag * S_NAGENCY) {
			s->ag = i / S_NAGENCY;
			s->kind = (int)(i % S_NAGENCY);
			s->pv = NONE;
			s->on = stream_on(&w.ag[s->ag], s->kind);
		} else {
			s->pv = i - w.nag * S_NAGENCY;
			s->ag = NONE;
			s->kind = S_AUTH;
			s->on = true;
		}
		/* each stream draws from its own generator: output does not depend on
		 * the order streams are written in */
		rng_seed(&s->r, o->seed, 1000 + i);
		s->seq = rng_below(&s->r, 100000);
	}
	rc = campaign_plan(&w, d);
	if (rc)
		goto out;
	if ((rc = scenario_write_inventory(&w, d)) || (rc = scenario_write_geoip(&w, d)) ||
	    (rc = campaign_write_indicators(&w, d)) || (rc = simf_open(&w.truth, w.root, "truth/truth.jsonl", d)))
		goto out;
	for (uint32_t i = 0; i < w.nstreams; i++) {
		sim_stream *s = &w.streams[i];
		if (!s->on)
			continue;
		char rel[160];
		snprintf(rel, sizeof(rel), sim_writers[s->kind].path,
			 s->kind == S_AUTH ? w.pv[s->pv].id : w.ag[s->ag].id);
		if ((rc = simf_open(&s->f, w.root, rel, d)))
			goto out;
		if (sim_writers[s->kind].header)
			sim_writers[s->kind].header(&w, s);
	}
	for (uint32_t day = 0; day < o->days; day++) {
		int64_t day0 = w.t0 + (int64_t)day * 86400000;
		for (uint32_t i = 0; i < w.nstreams; i++) {
			sim_stream *s = &w.streams[i];
			if (s->on)
				sim_writers[s->kind].day(&w, s, day0);
		}
	}
	spoor_sim_result r = {0};
	for (uint32_t i = 0; i < w.nstreams; i++) {
		sim_stream *s = &w.streams[i];
		if (!s->on)
			continue;
		r.files++;
		r.records += s->f.line;
		r.bytes += s->f.off;
		int e = simf_close(&s->f, w.t1, d);
		if (e && !rc)
			rc = e;
	}
	r.planted = w.planted;
	if (!rc)
		rc = simf_close(&w.truth, 0, d);
	if (!rc)
		rc = campaign_write_summary(&w, d);
	if (res)
		*res = r;
out:
	for (uint32_t i = 0; w.streams && i < w.nstreams; i++) {
		simf_close(&w.streams[i].f, 0, NULL);
		free(w.streams[i].heap);
	}
	simf_close(&w.truth, 0, NULL);
	free(w.streams);
	free(w.plants);
	scenario_free(&w);
	return rc;
}
