/* shape-zeek — Zeek logs written as JSON (LogAscii::use_json, json-streaming
 * and the OTRF / Mordor exports with `@stream` and underscored names).
 *
 * Recognized by ts plus the connection id (id.orig_h or id_orig_h), or ts
 * plus uid / fuid / _path, or the OTRF exporter's @stream + @system.  The log type (conn, dns, http, ssl ...) comes
 * from
 * `_path` or `@stream` when the record carries one, else from the fields
 * that only that log has (query -> dns, method/uri -> http ...).
 *
 * ECS: @timestamp (ts, epoch seconds or ISO 8601), source.ip/port
 * (id.orig_h/p), destination.ip/port (id.resp_h/p), network.transport
 * (proto), network.protocol (service), source.bytes / destination.bytes /
 * network.bytes (orig_bytes, resp_bytes), dns.question.name (query),
 * url.original (uri), user_agent.original, destination.domain (http host,
 * ssl server_name), user.name (kerberos client, ntlm/ftp/... username).
 * Logsource: product zeek, service = the log type. */
#include "parse/shape-util.h"

static int zk_match(const spoor_event *ev)
{
	/* OTRF / Mordor exporter: every stream, even those without ts
	 * (loaded_scripts) */
	if (shu_has(ev, F_ZK_STREAM) && shu_has(ev, F_ZK_SYSTEM))
		return 92;
	if (!shu_has(ev, F_SRC_TS))
		return 0;
	if (shu_has(ev, F_ZK_ORIG_H) || shu_has(ev, F_ZK_ORIG_H_U))
		return 95;
	if (shu_has(ev, F_ZK_STREAM) || shu_has(ev, F_ZK_PATH))
		return 92; /* a Zeek exporter's stream / path name */
	if (shu_has(ev, F_ZK_UID) || (shu_has(ev, F_ZK_FUID) && shu_has(ev, F_ZK_TX_HOSTS)))
		return 85;
	return 0;
}

/* Known log types: the static name for a `_path` / `@stream` value. */
/* clang-format off */
static const char *const known[] = {
    "conn", "dns", "http", "ssl", "x509", "files", "kerberos", "ntlm", "smb_files", "smb_mapping", "dce_rpc",
    "ssh", "ftp", "smtp", "rdp", "dhcp", "notice", "weird", "pe", "sip", "snmp", "tunnel", "irc", "mysql",
    "radius", "rfb", "socks", "syslog", "dpd", "software", "known_hosts", "known_services", "known_certs",
    "ocsp", "modbus", "dnp3", "ntp", "quic", "ldap", "ldap_search", "analyzer", "intel", "signatures",
    "traceroute", "tls", "loaded_scripts", "capture_loss", "packet_filter", "reporter", "stats",
};
/* clang-format on */

static spoor_sv log_type(spoor_event *ev)
{
	spoor_sv p = shu_text(ev, F_ZK_PATH);
	if (!p.n)
		p = shu_text(ev, F_ZK_STREAM);
	if (p.n) {
		for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
			if (sv_eq_cstr(p, known[i]))
				return sv_cstr(known[i]);
		}
		return p; /* a view into the record: lives as long as the event */
	}
	static const struct {
		uint32_t id;
		const char *type;
	} by_field[] = {
	    {F_ZK_CONN_STATE, "conn"},	  {F_ZK_QUERY, "dns"},
	    {F_ZK_METHOD, "http"},	  {F_ZK_STATUS_CODE, "http"},
	    {F_ZK_SERVER_NAME, "ssl"},	  {F_ZK_CIPHER, "ssl"},
	    {F_ZK_CERT_SUBJECT, "x509"},  {F_ZK_REQUEST_TYPE, "kerberos"},
	    {F_ZK_DOMAINNAME, "ntlm"},	  {F_ZK_SHARE_TYPE, "smb_mapping"},
	    {F_ZK_ENDPOINT, "dce_rpc"},	  {F_ZK_AUTH_SUCCESS, "ssh"},
	    {F_ZK_MAILFROM, "smtp"},	  {F_ZK_COOKIE, "rdp"},
	    {F_ZK_ASSIGNED_ADDR, "dhcp"}, {F_ZK_NOTE, "notice"},
	    {F_ZK_TX_HOSTS, "files"},	  {F_ZK_MIME_TYPE, "files"},
	    {F_ZK_FAILURE_REASON, "dpd"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(by_field); i++) {
		if (event_find(ev, by_field[i].id))
			return sv_cstr(by_field[i].type);
	}
	if (event_find(ev, F_ZK_NAME) && !event_find(ev, F_ZK_SERVICE))
		return SPOOR_SV("weird");
	return sv_make(NULL, 0);
}

static int zk_normalize(spoor_event *ev, const parse_env *env)
{
	(void)env;
	int r;
	spoor_sv ts = shu_text(ev, F_SRC_TS);
	if (ts.n)
		ecs_set_time(ev, ts);
	bool u = !event_find(ev, F_ZK_ORIG_H) && event_find(ev, F_ZK_ORIG_H_U);
	if ((r = ecs_set_ip(ev, F_SOURCE_IP, shu_text(ev, u ? F_ZK_ORIG_H_U : F_ZK_ORIG_H))) < 0)
		return r;
	if ((r = ecs_set_num(ev, F_SOURCE_PORT, shu_text(ev, u ? F_ZK_ORIG_P_U : F_ZK_ORIG_P))) < 0)
		return r;
	if ((r = ecs_set_ip(ev, F_DESTINATION_IP, shu_text(ev, u ? F_ZK_RESP_H_U : F_ZK_RESP_H))) < 0)
		return r;
	if ((r = ecs_set_num(ev, F_DESTINATION_PORT, shu_text(ev, u ? F_ZK_RESP_P_U : F_ZK_RESP_P))) < 0)
		return r;
	if ((r = ecs_set(ev, F_NETWORK_TRANSPORT, shu_text(ev, F_ZK_PROTO))) < 0)
		return r;
	if ((r = ecs_set(ev, F_NETWORK_PROTOCOL, shu_text(ev, F_ZK_SERVICE))) < 0)
		return r;

	spoor_sv ob = shu_text(ev, F_ZK_ORIG_BYTES), rb = shu_text(ev, F_ZK_RESP_BYTES);
	uint64_t o = 0, b = 0;
	bool ho = ob.n && sv_to_u64(ob, &o), hb = rb.n && sv_to_u64(rb, &b);
	if (ho && (r = ecs_set_num(ev, F_SOURCE_BYTES, ob)) < 0)
		return r;
	if (hb && (r = ecs_set_num(ev, F_DESTINATION_BYTES, rb)) < 0)
		return r;
	if ((ho || hb) && (r = shu_set_u64(ev, F_NETWORK_BYTES, o + b)) < 0)
		return r;

	spoor_sv type = log_type(ev);
	bool dns = sv_eq_cstr(type, "dns"), http = sv_eq_cstr(type, "http");
	if (dns || !type.n) {
		if ((r = ecs_set(ev, F_DNS_QUESTION_NAME, shu_text(ev, F_ZK_QUERY))) < 0)
			return r;
	}
	if (http || !type.n) {
		if ((r = ecs_set(ev, F_URL_ORIGINAL, shu_text(ev, F_ZK_URI))) < 0)
			return r;
		if ((r = ecs_set(ev, F_USER_AGENT_ORIGINAL, shu_text(ev, F_ZK_USER_AGENT))) < 0)
			return r;
		if ((r = ecs_set(ev, F_DESTINATION_DOMAIN, shu_text(ev, F_SL_HOST))) < 0)
			return r;
		if ((r = ecs_set(ev, F_EVENT_ACTION, shu_text(ev, F_ZK_METHOD))) < 0)
			return r;
	}
	if (sv_eq_cstr(type, "ssl") && (r = ecs_set(ev, F_DESTINATION_DOMAIN, shu_text(ev, F_ZK_SERVER_NAME))) < 0)
		return r;
	if (sv_eq_cstr(type, "kerberos") && (r = ecs_set_user(ev, shu_text(ev, F_ZK_CLIENT))) < 0)
		return r;
	if ((r = ecs_set_user(ev, shu_text(ev, F_ZK_USERNAME))) < 0)
		return r;
	if (sv_eq_cstr(type, "smtp")) {
		if ((r = ecs_set(ev, F_EMAIL_FROM_ADDRESS, shu_text(ev, F_ZK_MAILFROM))) < 0)
			return r;
		if ((r = ecs_set(ev, F_EMAIL_TO_ADDRESS, shu_text(ev, F_ZK_RCPTTO))) < 0)
			return r;
		if ((r = ecs_set(ev, F_EMAIL_SUBJECT, shu_text(ev, F_ZK_SUBJECT))) < 0)
			return r;
	}
	if (sv_eq_cstr(type, "notice") && (r = ecs_set(ev, F_RULE_NAME, shu_text(ev, F_ZK_NOTE))) < 0)
		return r;
	bool alert = sv_eq_cstr(type, "notice");
	if ((r = ecs_set_cstr(ev, F_EVENT_KIND, alert ? "alert" : "event")) < 0)
		return r;
	if ((r = ecs_set_cstr(ev, F_EVENT_CATEGORY, "network")) < 0)
		return r;
	if ((r = ecs_set(ev, F_EVENT_DATASET, type)) < 0)
		return r;
	ev->ls.product = SPOOR_SV("zeek");
	ev->ls.service = type;
	return 0;
}

const shape_vt shape_zeek = {
    .name = "zeek",
    .summary = "Zeek JSON logs (ts, uid, id.orig_h/id_orig_h ...; conn, dns, http, ssl, files ... from _path, "
	       "@stream or the fields)",
    .match = zk_match,
    .normalize = zk_normalize,
};
