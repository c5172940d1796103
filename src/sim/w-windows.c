/* sim — Windows Security, System, Sysmon and Defender events as evtx_dump
 * writes them in JSON (one record per line: Event.System.* with #attributes,
 * Event.EventData or Event.UserData), as collected from the agencies' servers
 * by event forwarding. */
#include <inttypes.h>

#include "sim-int.h"

typedef struct evsys {
	const char *provider, *guid, *source; /* source: EventSourceName or NULL */
	unsigned id, qualifiers, version, level, task;
	const char *keywords, *channel;
} evsys;

static void ev_begin(sim_world *w, sim_stream *s, int64_t t, uint32_t host, const evsys *e)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	O_LIT(f, "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\"},"
		 "\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"");
	o_str(f, e->provider);
	if (e->guid) {
		O_LIT(f, "\",\"Guid\":\"");
		o_str(f, e->guid);
	}
	if (e->source) {
		O_LIT(f, "\",\"EventSourceName\":\"");
		o_str(f, e->source);
	}
	O_LIT(f, "\"}},\"EventID\":");
	if (e->qualifiers) {
		O_LIT(f, "{\"#attributes\":{\"Qualifiers\":");
		o_u64(f, e->qualifiers);
		O_LIT(f, "},\"#text\":");
		o_u64(f, e->id);
		o_ch(f, '}');
	} else {
		o_u64(f, e->id);
	}
	o_fmt(f, ",\"Version\":%u,\"Level\":%u,\"Task\":%u,\"Opcode\":0,\"Keywords\":\"%s\",", e->version, e->level,
	      e->task, e->keywords);
	O_LIT(f, "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"");
	o_iso(f, t, 7, 0);
	O_LIT(f, "\"}},\"EventRecordID\":");
	o_u64(f, ++s->rid[host]);
	O_LIT(f, ",\"Correlation\":null,\"Execution\":{\"#attributes\":{\"ProcessID\":");
	o_u64(f, e->channel[0] == 'S' && e->channel[1] == 'e' ? 688 : 1000 + host * 412);
	O_LIT(f, ",\"ThreadID\":");
	o_u64(f, 1000 + rng_below(&s->r, 9000));
	O_LIT(f, "}},\"Channel\":\"");
	o_str(f, e->channel);
	O_LIT(f, "\",\"Computer\":\"");
	o_str(f, a->hosts[host].name);
	o_ch(f, '.');
	o_str(f, a->addns);
	O_LIT(f, "\",\"Security\":null},");
}

static void ev_end(simf *f)
{
	O_LIT(f, "}}");
	o_end(f);
}

static const char SEC_GUID[] = "{54849625-5478-4994-A5BA-3E3B0328C30D}";

/* ---- Security ------------------------------------------------------------- */
static void logon(sim_world *w, sim_stream *s, int64_t t, uint32_t host, unsigned id, const char *user,
		  const char *domain, unsigned type, uint32_t ip, const char *ws, uint64_t logonid)
{
	simf *f = &s->f;
	evsys e = {"Microsoft-Windows-Security-Auditing",
		   SEC_GUID,
		   NULL,
		   id,
		   0,
		   id == 4624 ? 2 : 0,
		   0,
		   12544,
		   id == 4624 ? "0x8020000000000000" : "0x8010000000000000",
		   "Security"};
	sim_agency *a = S_AG(w, s);
	ev_begin(w, s, t, host, &e);
	O_LIT(f, "\"EventData\":{\"SubjectUserSid\":\"S-1-0-0\",\"SubjectUserName\":\"-\",\"SubjectDomainName\":\"-\","
		 "\"SubjectLogonId\":\"0x0\",\"TargetUserSid\":\"");
	if (id == 4624)
		o_fmt(f, "%s-%u", a->sid, 1100 + (unsigned)(hash_bytes(user, strlen(user), 7) % 5000));
	else
		O_LIT(f, "S-1-0-0");
	O_LIT(f, "\",\"TargetUserName\":\"");
	o_str(f, user);
	O_LIT(f, "\",\"TargetDomainName\":\"");
	o_str(f, domain);
	if (id == 4624) {
		O_LIT(f, "\",\"TargetLogonId\":\"0x");
		o_fmt(f, "%" PRIx64, logonid);
		o_fmt(f, "\",\"LogonType\":%u,\"LogonProcessName\":\"%s\",\"AuthenticationPackageName\":\"%s\",", type,
		      type == 3 ? "Kerberos" : "User32 ", type == 3 ? "Kerberos" : "Negotiate");
	} else {
		o_fmt(f,
		      "\",\"Status\":\"0xc000006d\",\"FailureReason\":\"%%%%2313\",\"SubStatus\":\"0xc000006a\","
		      "\"LogonType\":%u,\"LogonProcessName\":\"NtLmSsp \",\"AuthenticationPackageName\":\"NTLM\",",
		      type);
	}
	O_LIT(f, "\"WorkstationName\":\"");
	o_str(f, ws);
	O_LIT(f,
	      "\",\"LogonGuid\":\"{00000000-0000-0000-0000-000000000000}\",\"TransmittedServices\":\"-\","
	      "\"LmPackageName\":\"-\",\"KeyLength\":0,\"ProcessId\":\"0x0\",\"ProcessName\":\"-\",\"IpAddress\":\"");
	o_ip(f, ip);
	O_LIT(f, "\",\"IpPort\":\"");
	o_u64(f, type == 3 ? 0 : 49152 + rng_below(&s->r, 16000));
	O_LIT(f, "\"}");
	ev_end(f);
}

static void cleared(sim_world *w, sim_stream *s, int64_t t, uint32_t host, bool security, const char *user,
		    const char *channel)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	evsys e = {security ? "Microsoft-Windows-Eventlog" : "Microsoft-Windows-Eventlog",
		   "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}",
		   NULL,
		   security ? 1102 : 104,
		   0,
		   0,
		   4,
		   security ? 104 : 104,
		   security ? "0x4020000000000000" : "0x8000000000000000",
		   security ? "Security" : "System"};
	ev_begin(w, s, t, host, &e);
	O_LIT(f, "\"UserData\":{\"LogFileCleared\":{\"#attributes\":{\"xmlns\":\"http://manifests.microsoft.com/win/"
		 "2004/08/windows/eventlog\"},");
	if (security) {
		o_fmt(f, "\"SubjectUserSid\":\"%s-%u\",\"SubjectUserName\":\"", a->sid,
		      1100u + (unsigned)(strlen(user) * 7));
		o_str(f, user);
		O_LIT(f, "\",\"SubjectDomainName\":\"");
		o_str(f, a->ad);
		o_fmt(f, "\",\"SubjectLogonId\":\"0x%x\"}}", 0x3e7000 + rng_below(&s->r, 0xfffff));
	} else {
		O_LIT(f, "\"SubjectUserName\":\"");
		o_str(f, user);
		O_LIT(f, "\",\"SubjectDomainName\":\"");
		o_str(f, a->ad);
		O_LIT(f, "\",\"Channel\":\"");
		o_str(f, channel);
		O_LIT(f, "\",\"BackupPath\":\"\"}}");
	}
	ev_end(f);
}

static const uint32_t servers[] = {H_DC1, H_DC2, H_MAIL, H_FILE, H_WEB, H_APP};

static void sec_benign(sim_world *w, sim_stream *s, int64_t t)
{
	sim_agency *a = S_AG(w, s);
	uint32_t k = rng_below(&s->r, 1000);
	sim_user *u = &a->users[rng_below(&s->r, a->nusers)];
	char ws[24];
	snprintf(ws, sizeof(ws), "%s-PC%04u", a->ad, u->pc);
	if (k < 700) {
		uint32_t host = servers[rng_below(&s->r, ARRAY_SIZE(servers))];
		logon(w, s, t, host, 4624, u->name, a->ad, 3, u->pc_ip, ws, rng_u64(&s->r) & 0xffffffff);
	} else if (k < 760) {
		/* a mistyped password against the DC */
		logon(w, s, t, H_DC1 + rng_below(&s->r, 2), 4625, u->name, a->ad, 3, u->pc_ip, ws, 0);
	} else if (k < 800) {
		/* admins RDP into servers from their workstations */
		sim_user *ad = &a->users[rng_below(&s->r, 2)];
		snprintf(ws, sizeof(ws), "%s-PC%04u", a->ad, ad->pc);
		logon(w, s, t, servers[rng_below(&s->r, ARRAY_SIZE(servers))], 4624, ad->name, a->ad, 10, ad->pc_ip, ws,
		      rng_u64(&s->r) & 0xffffffff);
	} else if (k < 830) {
		/* provider maintenance: only inside its window */
		for (uint32_t p = 0; p < w->npv; p++) {
			sim_provider *pv = &w->pv[p];
			if (!(pv->serves >> s->ag & 1) || !in_window(pv, t))
				continue;
			uint32_t host;
			do
				host = rng_below(&s->r, H_NHOSTS);
			while (!(pv->hosts_served[s->ag] >> host & 1));
			logon(w, s, t, host, 4624, pv->svc, a->ad, 10, pv->jump_ip, "JUMP01",
			      rng_u64(&s->r) & 0xffffffff);
			break;
		}
	} else {
		/* service accounts and machine accounts */
		static const char *const svc[] = {"svc_backup", "svc_sql", "svc_scan", "MAIL01$", "FS01$", "APP01$"};
		uint32_t host = servers[rng_below(&s->r, ARRAY_SIZE(servers))];
		logon(w, s, t, host, 4624, svc[rng_below(&s->r, ARRAY_SIZE(svc))], a->ad, 3, a->hosts[H_APP].ip, "-",
		      rng_u64(&s->r) & 0xffffffff);
	}
}

static void sec_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	char c[320], ip[16], who[64];
	if (p->kind == P_RDP_LOGON) {
		sim_provider *pv = &w->pv[p->pv];
		ip_str(ip, p->ip);
		snprintf(c, sizeof(c), "\"TargetUserName\":\"%s\"", pv->svc);
		snprintf(who, sizeof(who), "%s\\%s", a->ad, pv->svc);
		truth_mark(w, s, p, who, c);
		logon(w, s, p->t, p->host, 4624, pv->svc, a->ad, 10, p->ip, "JUMP01", p->key);
	} else if (p->kind == P_LOG_CLEAR_SEC) {
		snprintf(who, sizeof(who), "%s\\%s", a->ad, w->pv[p->pv].svc);
		truth_mark(w, s, p, who, "\"EventID\":1102");
		cleared(w, s, p->t, p->host, true, w->pv[p->pv].svc, "Security");
	}
}

void w_sec_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 0.6 * S_AG(w, s)->nusers, true, sec_benign, sec_plant);
}

/* ---- System ----------------------------------------------------------------- */
static void service_installed(sim_world *w, sim_stream *s, int64_t t, uint32_t host, const char *name, const char *path,
			      const char *account)
{
	simf *f = &s->f;
	evsys e = {"Service Control Manager",
		   "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
		   "Service Control Manager",
		   7045,
		   16384,
		   0,
		   4,
		   0,
		   "0x8080000000000000",
		   "System"};
	ev_begin(w, s, t, host, &e);
	O_LIT(f, "\"EventData\":{\"ServiceName\":\"");
	o_json(f, name);
	O_LIT(f, "\",\"ImagePath\":\"");
	o_json(f, path);
	O_LIT(f, "\",\"ServiceType\":\"user mode service\",\"StartType\":\"auto start\",\"AccountName\":\"");
	o_json(f, account);
	O_LIT(f, "\"}");
	ev_end(f);
}

static void sys_benign(sim_world *w, sim_stream *s, int64_t t)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	uint32_t host = servers[rng_below(&s->r, ARRAY_SIZE(servers))];
	uint32_t k = rng_below(&s->r, 10000);
	if (k < 20) {
		static const char *const n[][2] = {
		    {"Google Update Service (gupdate)",
		     "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc"},
		    {"Veeam Backup Agent", "\"C:\\Program Files\\Veeam\\Endpoint Backup\\Veeam.EndPoint.Service.exe\""},
		    {"Zabbix Agent 2", "\"C:\\Program Files\\Zabbix Agent 2\\zabbix_agent2.exe\" -c \"C:\\Program "
				       "Files\\Zabbix Agent 2\\zabbix_agent2.conf\""},
		    {"Microsoft Monitoring Agent",
		     "\"C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\HealthService.exe\""},
		};
		uint32_t i = rng_below(&s->r, ARRAY_SIZE(n));
		service_installed(w, s, t, host, n[i][0], n[i][1], "LocalSystem");
		return;
	}
	if (k < 22) {
		/* an admin clears the Application log (hard negative for log-clear rules) */
		cleared(w, s, t, host, false, a->users[rng_below(&s->r, 2)].name, "Application");
		return;
	}
	static const char *const svc[] = {"Windows Update",
					  "Background Intelligent Transfer Service",
					  "Windows Modules Installer",
					  "Microsoft Defender Antivirus Network Inspection Service",
					  "Volume Shadow Copy",
					  "WinHTTP Web Proxy Auto-Discovery Service",
					  "Print Spooler"};
	evsys e = {"Service Control Manager",
		   "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
		   "Service Control Manager",
		   7036,
		   16384,
		   0,
		   4,
		   0,
		   "0x8080000000000000",
		   "System"};
	ev_begin(w, s, t, host, &e);
	O_LIT(f, "\"EventData\":{\"param1\":\"");
	o_str(f, svc[rng_below(&s->r, ARRAY_SIZE(svc))]);
	O_LIT(f, "\",\"param2\":\"");
	o_str(f, rng_chance(&s->r, 0.5) ? "running" : "stopped");
	O_LIT(f, "\",\"Binary\":\"\"}");
	ev_end(f);
}

static void sys_plant(sim_world *w, sim_stream *s, const plant *p)
{
	sim_agency *a = S_AG(w, s);
	const sim_actor *A = &w->actor[ACT_BLACKTECH];
	char c[320], who[64];
	if (p->kind == P_SERVICE_INSTALL) {
		snprintf(c, sizeof(c), "\"ServiceName\":\"%s\"", A->svc_name);
		snprintf(who, sizeof(who), "%s\\%s", a->ad, w->pv[p->pv].svc);
		truth_mark(w, s, p, who, c);
		service_installed(w, s, p->t, p->host, A->svc_name, A->svc_path, "LocalSystem");
	} else if (p->kind == P_LOG_CLEAR_SYS) {
		snprintf(who, sizeof(who), "%s\\%s", a->ad, w->pv[p->pv].svc);
		truth_mark(w, s, p, who, "\"EventID\":104");
		cleared(w, s, p->t, p->host, false, w->pv[p->pv].svc, "System");
	}
}

void w_sys_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 0.2 * S_AG(w, s)->nusers, true, sys_benign, sys_plant);
}

/* ---- Sysmon ----------------------------------------------------------------- */
static void proc(sim_world *w, sim_stream *s, int64_t t, uint32_t host, const char *image, const char *cmd,
		 const char *parent, const char *pcmd, const char *user, const char *sha256, uint64_t pid)
{
	simf *f = &s->f;
	char guid[40];
	evsys e = {"Microsoft-Windows-Sysmon", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}", NULL, 1, 0, 5, 4, 1,
		   "0x8000000000000000",       "Microsoft-Windows-Sysmon/Operational"};
	ev_begin(w, s, t, host, &e);
	O_LIT(f, "\"EventData\":{\"RuleName\":\"-\",\"UtcTime\":\"");
	o_w3c(f, t);
	o_fmt(f, ".%03d", (int)(t % 1000));
	rand_guid(&s->r, guid);
	o_fmt(f, "\",\"ProcessGuid\":\"{%s}\",\"ProcessId\":%" PRIu64 ",\"Image\":\"", guid, pid);
	o_json(f, image);
	O_LIT(f, "\",\"FileVersion\":\"-\",\"Description\":\"-\",\"Product\":\"-\",\"Company\":\"-\","
		 "\"OriginalFileName\":\"-\",\"CommandLine\":\"");
	o_json(f, cmd);
	O_LIT(f, "\",\"CurrentDirectory\":\"C:\\\\Windows\\\\system32\\\\\",\"User\":\"");
	o_json(f, user);
	O_LIT(
	    f,
	    "\",\"LogonGuid\":\"{00000000-0000-0000-0000-000000000000}\",\"LogonId\":\"0x3e7\",\"TerminalSessionId\":0,"
	    "\"IntegrityLevel\":\"System\",\"Hashes\":\"SHA256=");
	o_str(f, sha256);
	o_fmt(f, "\",\"ParentProcessGuid\":\"{%s}\",\"ParentProcessId\":%u,\"ParentImage\":\"", guid,
	      600 + (unsigned)(pid % 97));
	o_json(f, parent);
	O_LIT(f, "\",\"ParentCommandLine\":\"");
	o_json(f, pcmd);
	O_LIT(f, "\"}");
	ev_end(f);
}

static void sysmon_benign(sim_world *w, sim_stream *s, int64_t t)
{
	sim_agency *a = S_AG(w, s);
	uint32_t host = servers[rng_below(&s->r, ARRAY_SIZE(servers))];
	static const char *const p[][4] = {
	    {"C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
	     "C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe"},
	    {"C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
	     "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", "C:\\Windows\\System32\\svchost.exe",
	     "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p"},
	    {"C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe Install $(Arg0)",
	     "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p"},
	    {"C:\\Program Files\\Zabbix Agent 2\\zabbix_agent2.exe",
	     "\"C:\\Program Files\\Zabbix Agent 2\\zabbix_agent2.exe\" -c zabbix_agent2.conf",
	     "C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe"},
	    {"C:\\Windows\\System32\\conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
	     "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c C:\\Scripts\\backup.cmd"},
	};
	/* admins with admin tools: the hard negatives */
	static const char *const adm[][4] = {
	    {"C:\\Tools\\SysinternalsSuite\\PsExec64.exe", "PsExec64.exe \\\\FS01 -s cmd /c ipconfig /flushdns",
	     "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\""},
	    {"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
	     "powershell.exe -NoProfile -Command Get-ADUser -Filter * -Properties lastLogonDate",
	     "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"},
	    {"C:\\Windows\\System32\\wevtutil.exe", "wevtutil.exe qe Security /c:50 /rd:true /f:text",
	     "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\""},
	    {"C:\\Program Files\\7-Zip\\7z.exe",
	     "\"C:\\Program Files\\7-Zip\\7z.exe\" a D:\\Backup\\iis-logs.7z C:\\inetpub\\logs\\LogFiles",
	     "C:\\Windows\\System32\\cmd.exe", "\"C:\\Windows\\system32\\cmd.exe\""},
	    {"C:\\Windows\\System32\\mmc.exe", "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\dsa.msc\"",
	     "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"},
	};
	char sha[65], user[64];
	rng_chars(&s->r, sha, 64, "0123456789ABCDEF");
	sha[64] = 0;
	if (rng_chance(&s->r, 0.08)) {
		uint32_t i = rng_below(&s->r, ARRAY_SIZE(adm));
		snprintf(user, sizeof(user), "%s\\%s", a->ad, a->users[rng_below(&s->r, 2)].name);
		proc(w, s, t, host, adm[i][0], adm[i][1], adm[i][2], adm[i][3], user, sha,
		     1000 + rng_below(&s->r, 60000));
	} else {
		uint32_t i = rng_below(&s->r, ARRAY_SIZE(p));
		proc(w, s, t, host, p[i][0], p[i][1], p[i][2], p[i][3], "NT AUTHORITY\\SYSTEM", sha,
		     1000 + rng_below(&s->r, 60000));
	}
}

static void sysmon_plant(sim_world *w, sim_stream *s, const plant *p)
{
	const sim_actor *A = &w->actor[ACT_BLACKTECH];
	char cmd[256], c[320], sha[65];
	if (p->kind == P_PROC_LOADER) {
		snprintf(c, sizeof(c), "SHA256=%s", A->loader_sha256);
		truth_mark(w, s, p, "NT AUTHORITY\\SYSTEM", c);
		proc(w, s, p->t, p->host, A->svc_path, A->svc_path, "C:\\Windows\\System32\\services.exe",
		     "C:\\Windows\\system32\\services.exe", "NT AUTHORITY\\SYSTEM", A->loader_sha256, p->key);
	} else if (p->kind == P_ARCHIVE) {
		char dir[96];
		snprintf(dir, sizeof(dir), "%s", A->svc_path);
		char *slash = strrchr(dir, '\\');
		if (slash)
			slash[1] = 0;
		snprintf(cmd, sizeof(cmd),
			 "%srar.exe a -m5 -r -hp%08" PRIx64 " %sd1.rar \\\\FS01\\Share\\Policy\\*.doc*", dir,
			 p->key * 2654435761u, dir);
		snprintf(c, sizeof(c), "d1.rar");
		truth_mark(w, s, p, "NT AUTHORITY\\SYSTEM", c);
		char img[128];
		snprintf(img, sizeof(img), "%srar.exe", dir);
		rng_chars(&s->r, sha, 64, "0123456789ABCDEF");
		sha[64] = 0;
		proc(w, s, p->t, p->host, img, cmd, "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c",
		     "NT AUTHORITY\\SYSTEM", sha, p->key);
	}
}

void w_sysmon_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 0.4 * S_AG(w, s)->nusers, true, sysmon_benign, sysmon_plant);
}

/* ---- Defender ----------------------------------------------------------------- */
static void detection(sim_world *w, sim_stream *s, int64_t t, uint32_t host, const char *threat, const char *path,
		      unsigned sev)
{
	simf *f = &s->f;
	sim_agency *a = S_AG(w, s);
	evsys e = {"Microsoft-Windows-Windows Defender",
		   "{11cd958a-c507-4ef3-b3f2-5fd9dfbd2c78}",
		   NULL,
		   1116,
		   0,
		   0,
		   3,
		   0,
		   "0x8000000000000000",
		   "Microsoft-Windows-Windows Defender/Operational"};
	ev_begin(w, s, t, host, &e);
	O_LIT(f,
	      "\"EventData\":{\"Product Name\":\"Microsoft Defender Antivirus\",\"Product Version\":\"4.18.24010.12\","
	      "\"Detection ID\":\"{");
	char g[40];
	rand_guid(&s->r, g);
	o_str(f, g);
	O_LIT(f, "}\",\"Detection Time\":\"");
	o_iso(f, t, 3, 0);
	o_fmt(f, "\",\"Threat ID\":\"%u\",\"Threat Name\":\"", 2147600000u + rng_below(&s->r, 100000));
	o_str(f, threat);
	o_fmt(f, "\",\"Severity ID\":\"%u\",\"Category Name\":\"%s\",\"Path\":\"file:_", sev,
	      sev >= 4 ? "Backdoor" : "Trojan");
	o_json(f, path);
	O_LIT(
	    f,
	    "\",\"Detection Source Name\":\"Real-Time Protection\",\"Process Name\":\"Unknown\",\"Detection User\":\"");
	o_str(f, a->ad);
	O_LIT(f, "\\\\SYSTEM\",\"Action Name\":\"Not Applicable\",\"Engine Version\":\"AM: 1.1.24010.10\"}");
	ev_end(f);
}

static void def_benign(sim_world *w, sim_stream *s, int64_t t)
{
	simf *f = &s->f;
	uint32_t host = servers[rng_below(&s->r, ARRAY_SIZE(servers))];
	if (rng_chance(&s->r, 0.05)) {
		static const char *const th[][2] = {
		    {"PUA:Win32/Presenoca", "C:\\Users\\Public\\Downloads\\setup_free_pdf.exe"},
		    {"Trojan:Script/Wacatac.B!ml", "C:\\Windows\\Temp\\scan\\invoice.js"},
		    {"Virus:DOS/EICAR_Test_File", "C:\\Tools\\eicar.com"},
		};
		uint32_t i = rng_below(&s->r, ARRAY_SIZE(th));
		detection(w, s, t, host, th[i][0], th[i][1], 1 + i);
		return;
	}
	evsys e = {"Microsoft-Windows-Windows Defender",
		   "{11cd958a-c507-4ef3-b3f2-5fd9dfbd2c78}",
		   NULL,
		   2000,
		   0,
		   0,
		   4,
		   0,
		   "0x8000000000000000",
		   "Microsoft-Windows-Windows Defender/Operational"};
	ev_begin(w, s, t, host, &e);
	o_fmt(f,
	      "\"EventData\":{\"Product Name\":\"Microsoft Defender Antivirus\",\"Product Version\":\"4.18.24010.12\","
	      "\"Current Signature Version\":\"1.405.%u.0\",\"Previous Signature Version\":\"1.405.%u.0\","
	      "\"Signature Type\":\"AntiVirus\",\"Update Type\":\"Delta\"}",
	      100 + (unsigned)((t / 3600000) % 900), 99 + (unsigned)((t / 3600000) % 900));
	ev_end(f);
}

static void def_plant(sim_world *w, sim_stream *s, const plant *p)
{
	const sim_actor *A = &w->actor[ACT_BLACKTECH];
	if (p->kind != P_DEFENDER_PLEAD)
		return;
	truth_mark(w, s, p, NULL, "Backdoor:Win32/Plead");
	detection(w, s, p->t, p->host, "Backdoor:Win32/Plead.A!dha", A->svc_path, 5);
}

void w_def_day(sim_world *w, sim_stream *s, int64_t day0)
{
	stream_day(w, s, day0, 0.3 * H_NHOSTS, true, def_benign, def_plant);
}
