/* shape-suricata — Suricata EVE JSON (eve.json): alerts and protocol
 * records (dns, http, tls, flow, fileinfo, ...).
 *
 * Recognized by timestamp + event_type + src_ip / dest_ip / flow_id.
 *
 * ECS: @timestamp, source.ip/port (src_ip/src_port), destination.ip/port,
 * network.transport (proto, lowercased), network.protocol (app_proto),
 * event.kind "alert" for alerts ("event" otherwise), rule.name
 * (alert.signature), rule.id (alert.signature_id), event.severity
 * (alert.severity), event.action (alert.action), dns.question.name,
 * url.original, user_agent.original, destination.domain (http.hostname,
 * tls.sni), source.bytes / destination.bytes / network.bytes (flow.*).
 * Logsource: product suricata, service = event_type for the known types. */
#include "parse/shape-util.h"

static int su_match(const spoor_event *ev)
{
	if (!shu_has(ev, F_SU_EVENT_TYPE) || !shu_has(ev, F_SRC_TIMESTAMP))
		return 0;
	if (shu_has(ev, F_SU_SRC_IP) || shu_has(ev, F_SU_DEST_IP) || shu_has(ev, F_SU_FLOW_ID))
		return 95;
	/* stats records carry no addresses */
	return sv_eq_cstr(shu_raw(ev, F_SU_EVENT_TYPE), "stats") && shu_has(ev, F_SU_STATS_UPTIME) ? 90 : 0;
}

static const char *const types[] = {
    "alert", "anomaly", "dns",	 "http",	   "tls",   "flow",   "netflow", "fileinfo",
    "ssh",   "smtp",	"smb",	 "dhcp",	   "krb5",  "nfs",    "ftp",	 "ftp_data",
    "rdp",   "sip",	"snmp",	 "tftp",	   "ikev2", "mqtt",   "http2",	 "quic",
    "stats", "drop",	"pgsql", "bittorrent-dht", "rfb",   "dcerpc", "modbus",	 "dnp3",
};

static const shu_map transports[] = {
    {"TCP", "tcp"}, {"UDP", "udp"}, {"ICMP", "icmp"}, {"IPv6-ICMP", "ipv6-icmp"}, {"SCTP", "sctp"}, {"GRE", "gre"},
};

static int su_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	spoor_sv ts = shu_text(ev, F_SRC_TIMESTAMP);
	if (ts.n)
		ecs_set_time(ev, ts);
	if ((r = ecs_set_ip(ev, F_SOURCE_IP, shu_text(ev, F_SU_SRC_IP))) < 0)
		return r;
	if ((r = ecs_set_num(ev, F_SOURCE_PORT, shu_text(ev, F_SU_SRC_PORT))) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_DESTINATION_IP, shu_text(ev, F_SU_DEST_IP))) < 0)
		return r;
	if ((r = ecs_set_num(ev, F_DESTINATION_PORT, shu_text(ev, F_SU_DEST_PORT))) < 0)
		return r;
	spoor_sv proto = shu_text(ev, F_ZK_PROTO);
	const char *tr = proto.n ? shu_lookup(transports, ARRAY_SIZE(transports), proto) : NULL;
	if ((r = tr ? ecs_set_cstr(ev, F_NETWORK_TRANSPORT, tr) : ecs_set(ev, F_NETWORK_TRANSPORT, proto)) < 0)
		return r;
	if ((r = ecs_set(ev, F_NETWORK_PROTOCOL, shu_text(ev, F_SU_APP_PROTO))) < 0)
		return r;

	spoor_sv et = shu_text(ev, F_SU_EVENT_TYPE);
	const char *svc = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (sv_eq_cstr(et, types[i]))
			svc = types[i];
	}
	bool alert = svc && !strcmp(svc, "alert");
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, alert ? "alert" : sv_eq_cstr(et, "stats") ? "metric" : "event")) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_CATEGORY, alert ? "intrusion_detection" : "network")) < 0)
		return r;
	if ((r = ecs_set(ev, F_EVENT_DATASET, et)) < 0)
		return r;
	if (alert) {
		if ((r = ecs_set(ev, F_RULE_NAME, shu_text(ev, F_SU_SIGNATURE))) < 0)
			return r;
		if ((r = ecs_set_num(ev, F_RULE_ID, shu_text(ev, F_SU_SIGNATURE_ID))) < 0)
			return r;
		if ((r = ecs_set_num(ev, F_EVENT_SEVERITY, shu_text(ev, F_SU_SEVERITY))) < 0)
			return r;
		if ((r = ecs_set(ev, F_EVENT_ACTION, shu_text(ev, F_SU_ACTION))) < 0)
			return r;
	}
	spoor_sv q = shu_text(ev, F_SU_DNS_RRNAME);
	if (!q.n)
		q = shu_text(ev, F_SU_DNS_Q0_RRNAME);
	if ((r = ecs_set(ev, F_DNS_QUESTION_NAME, q)) < 0)
		return r;
	if ((r = ecs_set(ev, F_URL_ORIGINAL, shu_text(ev, F_SU_HTTP_URL))) < 0)
		return r;
	if ((r = ecs_set(ev, F_USER_AGENT_ORIGINAL, shu_text(ev, F_SU_HTTP_UA))) < 0)
		return r;
	spoor_sv dom = shu_text(ev, F_SU_HTTP_HOSTNAME);
	if (!dom.n)
		dom = shu_text(ev, F_SU_TLS_SNI);
	if ((r = ecs_set(ev, F_DESTINATION_DOMAIN, dom)) < 0)
		return r;
	spoor_sv bs = shu_text(ev, F_SU_BYTES_TOSERVER), bc = shu_text(ev, F_SU_BYTES_TOCLIENT);
	uint64_t s = 0, c = 0;
	bool hs = bs.n && sv_to_u64(bs, &s), hc = bc.n && sv_to_u64(bc, &c);
	if (hs && (r = ecs_set_num(ev, F_SOURCE_BYTES, bs)) < 0)
		return r;
	if (hc && (r = ecs_set_num(ev, F_DESTINATION_BYTES, bc)) < 0)
		return r;
	if ((hs || hc) && (r = shu_set_u64(ev, F_NETWORK_BYTES, s + c)) < 0)
		return r;
	if ((r = ecs_set(ev, F_HOST_NAME, shu_text(ev, F_SL_HOST))) < 0)
		return r;

	ev->ls.product = SPOOR_SV("suricata");
	ev->ls.service = svc ? sv_cstr(svc) : sv_make(NULL, 0);
	return 0;
}

const shape_vt shape_suricata = {
    .name = "suricata",
    .summary = "Suricata EVE JSON (timestamp, event_type, src_ip/dest_ip, alert.signature ...): alerts and protocol "
	       "records",
    .match = su_match,
    .normalize = su_normalize,
};
