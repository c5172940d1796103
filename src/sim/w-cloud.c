/* sim — Microsoft 365: the Unified Audit Log (Office 365 Management Activity
 * API records, one JSON object per line) and Entra ID sign-ins (Azure Monitor
 * diagnostic-settings export, category SignInLogs). */
#include <inttypes.h>

#include "sim-int.h"

static const char UA_WEB[] =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";

/* ---- UAL ---------------------------------------------------------------------- */
static void ual_begin(sim_world *w, sim_stream *s, int64_t t, const char *op, unsigned rtype, const char *workload,
		      const char *upn, uint32_t ip, bool ok)
{
	simf *f = &s->f;
	char g[40];
	rand_guid(&s->r, g);
	O_LIT(f, "{\"CreationTime\":\"");
	o_iso(f, t - t % 1000, 0, 0);
	f->len--, f->off--; /* UAL times carry no zone */
	O_LIT(f, "\",\"Id\":\"");
	o_str(f, g);
	O_LIT(f, "\",\"Operation\":\"");
	o_str(f, op);
	/* ResultStatus: Exchange admin cmdlets (RecordType 1) say True / False,
	 * mailbox and directory records Succeeded / Failed */
	const char *rs = rtype == 1 ? (ok ? "True" : "False") : ok ? "Succeeded" : "Failed";
	O_LIT(f, "\",\"OrganizationId\":\"");
	o_str(f, S_AG(w, s)->tenant);
	o_fmt(f,
	      "\",\"RecordType\":%u,\"ResultStatus\":\"%s\",\"UserKey\":\"1003%012" PRIX64
	      "\",\"UserType\":0,\"Version\":1,"
	      "\"Workload\":\"%s\",\"ClientIP\":\"",
	      rtype, rs, (uint64_t)(hash_bytes(upn, strlen(upn), 1) & 0xffffffffffffULL), workload);
	o_ip(f, ip);
	O_LIT(f, "\",\"UserId\":\"");
	o_str(f, upn);
	O_LIT(f, "\"");
}

static void ual_benign(sim_world *w, sim_stream *s, int64_t t)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	sim_user *u = sim_pick_user(a, &s->r, t);
	char upn[96];
	user_upn(a, u, upn, sizeof(upn));
	uint32_t ip = rng_chance(&s->r, 0.8) ? a->pub + 1 + rng_below(&s->r, 8) : u->home_ip;
	if (sim_trip_ip(u, t))
		ip = sim_trip_ip(u, t);
	uint32_t k = rng_below(&s->r, 1000);
	if (k < 400) {
		ual_begin(w, s, t, "MailItemsAccessed", 50, "Exchange", upn, ip, true);
		o_fmt(f,
		      ",\"ClientIPAddress\":\"%u.%u.%u.%u\",\"ClientInfoString\":\"Client=REST;Client=RESTSystem;\","
		      "\"MailboxOwnerUPN\":\"%s\",\"OperationCount\":%u,\"OperationProperties\":[{\"Name\":"
		      "\"MailAccessType\",\"Value\":\"Bind\"}]}",
		      ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255, upn, 1 + rng_below(&s->r, 12));
	} else if (k < 650) {
		ual_begin(w, s, t, "Send", 2, "Exchange", upn, ip, true);
		o_fmt(f,
		      ",\"MailboxOwnerUPN\":\"%s\",\"Item\":{\"Subject\":\"Re: meeting notes\",\"SizeInBytes\":%" PRIu64
		      "}}",
		      upn, rng_size(&s->r, 30000));
	} else if (k < 900) {
		ual_begin(w, s, t, "FileAccessed", 6, "SharePoint", upn, ip, true);
		o_fmt(f,
		      ",\"ObjectId\":\"https://%s.sharepoint.example/sites/policy/Shared Documents/report-%u.docx\","
		      "\"UserAgent\":\"%s\"}",
		      a->id, rng_below(&s->r, 400), UA_WEB);
	} else if (k < 985) {
		ual_begin(w, s, t, "UserLoggedIn", 15, "AzureActiveDirectory", upn, ip, true);
		o_fmt(f,
		      ",\"ExtendedProperties\":[{\"Name\":\"UserAgent\",\"Value\":\"%s\"},{\"Name\":\"RequestType\","
		      "\"Value\":\"OAuth2:Authorize\"}]}",
		      UA_WEB);
	} else if (k < 995) {
		/* users tidy their inbox: rules that move newsletters */
		ual_begin(w, s, t, "New-InboxRule", 1, "Exchange", upn, ip, true);
		o_fmt(f, ",\"Parameters\":[{\"Name\":\"Name\",\"Value\":\"Newsletters\"},{\"Name\":\"From\",\"Value\":"
			 "\"news@trade-assoc.example\"},"
			 "{\"Name\":\"MoveToFolder\",\"Value\":\"Newsletters\"}]}");
	} else {
		/* an admin forwards a departing employee's mail to the manager, inside the org (hard negative) */
		sim_user *adm = &a->users[rng_below(&s->r, 2)];
		char aupn[96];
		user_upn(a, adm, aupn, sizeof(aupn));
		ual_begin(w, s, t, "Set-Mailbox", 1, "Exchange", aupn, a->pub + 1, true);
		o_fmt(f,
		      ",\"ObjectId\":\"%s\",\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"%s\"},"
		      "{\"Name\":\"ForwardingSmtpAddress\",\"Value\":\"smtp:%s@%s\"},{\"Name\":"
		      "\"DeliverToMailboxAndForward\",\"Value\":\"True\"}]}",
		      upn, upn, a->users[2 % a->nusers].name, a->domain);
	}
	o_end(f);
}

static void ual_plant(sim_world *w, sim_stream *s, const plant *p)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	const sim_actor *T = &w->actor[ACT_TAIDOOR];
	char upn[96], c[320], ip[16];
	user_upn(a, &a->users[p->user], upn, sizeof(upn));
	ip_str(ip, p->ip);
	switch (p->kind) {
	case P_UAL_CONSENT:
		snprintf(c, sizeof(c), "\"Operation\":\"Consent to application.\"");
		truth_mark(w, s, p, upn, c);
		ual_begin(w, s, p->t, "Consent to application.", 8, "AzureActiveDirectory", upn, p->ip, true);
		o_fmt(f,
		      ",\"ObjectId\":\"%s\",\"Target\":[{\"ID\":\"%s\",\"Type\":2}],\"ModifiedProperties\":["
		      "{\"Name\":\"ConsentContext.IsAdminConsent\",\"NewValue\":\"False\",\"OldValue\":\"\"},"
		      "{\"Name\":\"ConsentAction.Permissions\",\"NewValue\":\"Scope: Mail.Read Mail.Send "
		      "offline_access User.Read\",\"OldValue\":\"\"},"
		      "{\"Name\":\"TargetId.ServicePrincipalNames\",\"NewValue\":\"%s\",\"OldValue\":\"\"}]}",
		      T->app_id, T->app_name, T->app_name);
		break;
	case P_UAL_FORWARD:
		snprintf(c, sizeof(c), "\"Value\":\"%s\"", T->fwd_addr);
		truth_mark(w, s, p, upn, c);
		ual_begin(w, s, p->t, "New-InboxRule", 1, "Exchange", upn, p->ip, true);
		o_fmt(f,
		      ",\"ObjectId\":\"%s\\\\%08" PRIx64 "\",\"Parameters\":[{\"Name\":\"Name\",\"Value\":\".\"},"
		      "{\"Name\":\"ForwardTo\",\"Value\":\"%s\"},{\"Name\":\"MarkAsRead\",\"Value\":\"True\"},"
		      "{\"Name\":\"StopProcessingRules\",\"Value\":\"True\"}]}",
		      upn, p->key & 0xffffffff, T->fwd_addr);
		break;
	case P_UAL_DELEGATE: {
		char other[96];
		user_upn(a, &a->users[p->host], other, sizeof(other));
		snprintf(c, sizeof(c), "\"Operation\":\"Add-MailboxFolderPermission\"");
		truth_mark(w, s, p, upn, c);
		ual_begin(w, s, p->t, "Add-MailboxFolderPermission", 1, "Exchange", upn, p->ip, true);
		o_fmt(
		    f,
		    ",\"ObjectId\":\"%s:\\\\Inbox\",\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"%s:\\\\Inbox\"},"
		    "{\"Name\":\"User\",\"Value\":\"%s\"},{\"Name\":\"AccessRights\",\"Value\":\"Reviewer\"}]}",
		    upn, upn, other);
		break;
	}
	case P_UAL_MAILITEMS:
		snprintf(c, sizeof(c), "\"OperationCount\":%" PRIu64, p->n2);
		truth_mark(w, s, p, upn, c);
		ual_begin(w, s, p->t, "MailItemsAccessed", 50, "Exchange", upn, p->ip, true);
		o_fmt(f,
		      ",\"ClientIPAddress\":\"%s\",\"ClientInfoString\":\"Client=REST;Client=RESTSystem;;\","
		      "\"ClientAppId\":\"%s\","
		      "\"MailboxOwnerUPN\":\"%s\",\"OperationCount\":%" PRIu64
		      ",\"OperationProperties\":[{\"Name\":\"MailAccessType\",\"Value\":\"Sync\"}]}",
		      ip, T->app_id, upn, p->n2);
		break;
	default:
		return;
	}
	o_end(f);
}

void w_ual_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 3.0 * S_AG(w, s)->nusers, false, ual_benign, ual_plant);
}

/* ---- Entra sign-ins --------------------------------------------------------------- */
static void signin(sim_world *w, sim_stream *s, int64_t t, const char *upn, uint32_t ip, unsigned err, const char *app,
		   const char *client, const char *ua, const char *country, const char *city)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	char g[40], c[40];
	rand_guid(&s->r, g);
	rand_guid(&s->r, c);
	O_LIT(f, "{\"time\":\"");
	o_iso(f, t, 7, 0);
	O_LIT(f, "\",\"resourceId\":\"/tenants/");
	o_str(f, a->tenant);
	O_LIT(f, "/providers/Microsoft.aadiam\",\"operationName\":\"Sign-in activity\",\"operationVersion\":\"1.0\","
		 "\"category\":\"SignInLogs\",\"tenantId\":\"");
	o_str(f, a->tenant);
	o_fmt(f, "\",\"resultType\":\"%u\",\"resultSignature\":\"None\",\"durationMs\":0,\"callerIpAddress\":\"", err);
	o_ip(f, ip);
	o_fmt(f,
	      "\",\"correlationId\":\"%s\",\"identity\":\"%s\",\"Level\":4,\"location\":\"%s\",\"properties\":{\"id\":"
	      "\"%s\","
	      "\"createdDateTime\":\"",
	      c, upn, country, g);
	o_iso(f, t, 7, 0);
	o_fmt(f, "\",\"userPrincipalName\":\"%s\",\"appDisplayName\":\"%s\",\"ipAddress\":\"", upn, app);
	o_ip(f, ip);
	o_fmt(f,
	      "\",\"clientAppUsed\":\"%s\",\"userAgent\":\"%s\",\"status\":{\"errorCode\":%u%s},"
	      "\"location\":{\"city\":\"%s\",\"countryOrRegion\":\"%s\"},\"isInteractive\":true}}",
	      client, ua, err,
	      err == 50126
		  ? ",\"failureReason\":\"Invalid username or password or Invalid on-premise username or password.\""
	      : err == 50074 ? ",\"failureReason\":\"Strong Authentication is required.\""
			     : "",
	      city, country);
	o_end(f);
}

static const geo_block *geo_of(sim_world *w, uint32_t ip)
{
	for (uint32_t i = 0; i < w->ngeo; i++)
		if (w->geo[i].net == (ip & 0xffffff00u))
			return &w->geo[i];
	return NULL;
}

static void signin_benign(sim_world *w, sim_stream *s, int64_t t)
{
	sim_agency *a = S_AG(w, s);
	sim_user *u = sim_pick_user(a, &s->r, t);
	char upn[96];
	user_upn(a, u, upn, sizeof(upn));
	uint32_t k = rng_below(&s->r, 100);
	uint32_t ip = k < 70	     ? a->pub + 1 + rng_below(&s->r, 8)
		      : k < 85	     ? u->home_ip
		      : k < 93	     ? u->phone_ip
		      : u->vpn	     ? pool_ip(w, &s->r, POOL_VPN)
				     : u->home_ip;
	if (sim_trip_ip(u, t))
		ip = sim_trip_ip(u, t);
	const geo_block *g = geo_of(w, ip);
	const char *cc = g ? g->country : "TW", *city = g ? g->city : "Taipei";
	bool phone = k >= 85 && k < 93;
	const char *app = phone			   ? "Microsoft Outlook"
			  : rng_chance(&s->r, 0.5) ? "Office 365 Exchange Online"
						   : "Microsoft Teams";
	const char *ua = phone ? "Outlook-iOS/2.0" : UA_WEB;
	if (rng_chance(&s->r, 0.04)) {
		signin(w, s, t, upn, ip, 50126, app, phone ? "Mobile Apps and Desktop clients" : "Browser", ua, cc,
		       city);
		t += 9000;
	}
	if (k >= 93 && rng_chance(&s->r, 0.5)) {
		signin(w, s, t, upn, ip, 50074, app, "Browser", ua, cc, city);
		t += 25000;
	}
	signin(w, s, t, upn, ip, 0, app, phone ? "Mobile Apps and Desktop clients" : "Browser", ua, cc, city);
}

static void signin_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	char upn[96], c[320], ip[16];
	user_upn(a, &a->users[p->user], upn, sizeof(upn));
	ip_str(ip, p->ip);
	const geo_block *g = geo_of(w, p->ip);
	snprintf(c, sizeof(c),
		 "\"userPrincipalName\":\"%s\",\"appDisplayName\":\"Office 365 Exchange Online\",\"ipAddress\":\"%s\"",
		 upn, ip);
	if (p->kind != P_SPRAY_ENTRA && p->kind != P_VALID_ENTRA)
		return;
	truth_mark(w, s, p, upn, c);
	/* legacy authentication (ROPC) with the BAV2ROPC agent: what sprays look like */
	signin(w, s, p->t, upn, p->ip, p->kind == P_SPRAY_ENTRA ? 50126 : 0, "Office 365 Exchange Online",
	       "Authenticated SMTP", "BAV2ROPC", g ? g->country : "HK", g ? g->city : "Hong Kong");
}

void w_signin_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 1.2 * S_AG(w, s)->nusers, false, signin_benign, signin_plant);
}
