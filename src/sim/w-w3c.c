/* sim — Exchange front-end IIS logs (W3C extended, W3SVC1): OWA forms logons,
 * EWS, ActiveSync, Autodiscover, MAPI.  Field layout of Exchange 2016/2019
 * front ends; failed OWA logons redirect to logon.aspx?...reason=2 (IPBan). */
#include <inttypes.h>

#include "sim-int.h"

static const char UA_OUTLOOK[] = "Microsoft+Office/16.0+(Windows+NT+10.0;+Microsoft+Outlook+16.0.17328;+Pro)";
static const char UA_BROWSER[] = "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/"
				 "537.36+(KHTML,+like+Gecko)+Chrome/122.0.0.0+Safari/537.36+Edg/122.0.0.0";
static const char UA_EAS[] = "Apple-iPhone15C2/2104.92";
static const char UA_EWS[] = "ExchangeServicesClient/15.00.0913.015";

void w_iis_header(sim_world *w, sim_stream *s)
{
	simf *f = &s->f;
	O_LIT(f, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: ");
	o_w3c(f, w->t0);
	O_LIT(f, "\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
		 "cs(Referer) sc-status sc-substatus sc-win32-status time-taken sc-bytes cs-bytes\n");
	f->line += 4;
}

static void line(sim_world *w, sim_stream *s, int64_t t, const char *method, const char *stem, const char *query,
		 const char *user, uint32_t ip, const char *ua, const char *ref, unsigned status, uint64_t scb,
		 uint64_t csb)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	o_w3c(f, t);
	o_ch(f, ' ');
	o_ip(f, a->hosts[H_MAIL].ip);
	o_ch(f, ' ');
	o_str(f, method);
	o_ch(f, ' ');
	o_str(f, stem);
	o_ch(f, ' ');
	o_str(f, query);
	O_LIT(f, " 443 ");
	o_str(f, user);
	o_ch(f, ' ');
	o_ip(f, ip);
	o_ch(f, ' ');
	o_str(f, ua);
	o_ch(f, ' ');
	o_str(f, ref);
	o_ch(f, ' ');
	o_u64(f, status);
	O_LIT(f, " 0 0 ");
	o_u64(f, 15 + rng_below(&s->r, 400));
	o_ch(f, ' ');
	o_u64(f, scb);
	o_ch(f, ' ');
	o_u64(f, csb);
	o_end(f);
}

static void owa_logon(sim_world *w, sim_stream *s, int64_t t, const char *upn, uint32_t ip, bool ok, const char *ua)
{
	char q[160], ref[200];
	char g[40];
	rand_guid(&s->r, g);
	snprintf(q, sizeof(q), "&CorrelationID=<empty>;&cafeReqId=%s;&encoding=;", g);
	snprintf(ref, sizeof(ref),
		 "https://mail.%s/owa/auth/logon.aspx?replaceCurrent=1&url=https%%3a%%2f%%2fmail.%s%%2fowa%%2f%s",
		 S_AG(w, s)->domain, S_AG(w, s)->domain, ok ? "" : "&reason=2");
	line(w, s, t, "POST", "/owa/auth.owa", q, upn, ip, ua, ref, 302, 1200 + rng_below(&s->r, 300), 1800);
}

static void iis_benign(sim_world *w, sim_stream *s, int64_t t)
{
	sim_agency *a = S_AG(w, s);
	sim_user *u = sim_pick_user(a, &s->r, t);
	char upn[96], q[200];
	user_upn(a, u, upn, sizeof(upn));
	uint32_t k = rng_below(&s->r, 1000);
	uint32_t abroad = sim_trip_ip(u, t), ip = abroad ? abroad : u->pc_ip, phone = abroad ? abroad : u->phone_ip;
	if (k < 380) {
		snprintf(q, sizeof(q), "mailboxId=%s&smtpAddress=%s&clientId=%08X&CorrelationID=<empty>;", u->name, upn,
			 (unsigned)rng_u64(&s->r));
		line(w, s, t, "POST", "/mapi/emsmdb/", q, upn, ip, UA_OUTLOOK, "-", 200, rng_size(&s->r, 9000),
		     rng_size(&s->r, 1500));
	} else if (k < 600) {
		snprintf(q, sizeof(q), "User=%s&DeviceId=%012" PRIX64 "&DeviceType=iPhone&Cmd=Sync", u->name,
			 (uint64_t)(hash_bytes(u->name, strlen(u->name), 3) & 0xffffffffffffULL));
		line(w, s, t, "POST", "/Microsoft-Server-ActiveSync/default.eas", q, upn, phone, UA_EAS, "-", 200,
		     rng_size(&s->r, 6000), 400);
	} else if (k < 720) {
		line(w, s, t, "POST", "/EWS/Exchange.asmx", "&CorrelationID=<empty>;", upn, ip, UA_OUTLOOK, "-", 200,
		     rng_size(&s->r, 4000), 900);
	} else if (k < 800) {
		line(w, s, t, "POST", "/autodiscover/autodiscover.xml", "&CorrelationID=<empty>;", upn, ip, UA_OUTLOOK,
		     "-", 200, 3100, 380);
	} else if (k < 960) {
		/* OWA from the office, home or abroad; sometimes a typo first */
		uint32_t src = abroad ? abroad : rng_chance(&s->r, 0.3) ? u->home_ip : ip;
		if (rng_chance(&s->r, 0.04))
			owa_logon(w, s, t, upn, src, false, UA_BROWSER);
		owa_logon(w, s, t + 1, upn, src, true, UA_BROWSER);
	} else {
		/* scanners probing */
		static const char *const stem[] = {
		    "/owa/auth/x.js", "/ecp/Current/exporttool/microsoft.exchange.ediscovery.exporttool.application",
		    "/autodiscover/autodiscover.json", "/aspnet_client/", "/owa/auth/logon.aspx"};
		line(w, s, t, "GET", stem[rng_below(&s->r, ARRAY_SIZE(stem))], "-", "-",
		     pool_ip(w, &s->r, POOL_SCANNER), "Mozilla/5.0+zgrab/0.x", "-", 404, 1245, 210);
	}
}

static void iis_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	char upn[96], c[320], ip[16];
	user_upn(a, &a->users[p->user], upn, sizeof(upn));
	ip_str(ip, p->ip);
	switch (p->kind) {
	case P_SPRAY_OWA:
	case P_VALID_OWA:
		snprintf(c, sizeof(c), "/owa/auth.owa");
		snprintf(c, sizeof(c), "%s %s", upn, ip);
		truth_mark(w, s, p, upn, c);
		owa_logon(w, s, p->t, upn, p->ip, p->kind == P_VALID_OWA, UA_BROWSER);
		break;
	case P_EWS_DOWNLOAD: {
		snprintf(c, sizeof(c), "%s %s %s", upn, ip, UA_EWS);
		truth_mark(w, s, p, upn, c);
		char q[128];
		snprintf(q, sizeof(q), "&CorrelationID=<empty>;&ItemCount=%" PRIu64 ";", p->n2);
		line(w, s, p->t, "POST", "/EWS/Exchange.asmx", q, upn, p->ip, UA_EWS, "-", 200, p->n1, 2200);
		break;
	}
	default:
		break;
	}
}

void w_iis_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 4.0 * S_AG(w, s)->nusers, false, iis_benign, iis_plant);
}
