/* Integration test: the JSON shapes on real data from ../shared/data,
 * checked record by record against cJSON as an independent oracle.
 *
 * For every event spoor yields, cJSON parses the same record (at the
 * event's byte offset in the same file) and the test compares the values
 * the shape must expose.  Record counts are compared with an independent
 * cJSON pass over the file.  Data sets:
 *   sigma      sigma/regression_data (every *.json, evtx_dump JSON): EventID,
 *              Channel, Computer, Provider_Name and every EventData value
 *   otrf-win   json/otrf atomic zips (NXLog flat): EventID, Channel,
 *              Hostname -> Computer, SourceName -> Provider_Name, Image,
 *              CommandLine
 *   otrf-zeek  json/otrf compound apt29 Zeek zips: ips, ports, log type
 *   panther-*  logs/panther Microsoft365.*, Azure.Audit, GSuite.ActivityEvent,
 *              Okta.SystemLog, Azure.MonitorActivity (the "log" member of each test envelope):
 *              shape, user.name, source.ip, event.action (and outcome)
 *   zeek-btest network/zeek-btest JSON baselines (as they are, and with
 *              btest's "XXXXXXXXXX.XXXXXX" placeholders replaced)
 *   suricata   network/suricata-eve/samples: ips, ports, rule, kind
 * A summary table (records, ok, bad and why) is printed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spoor/scan.h"

static const char *data_dir;
static char tmp_root[256];

/* ---- per data set results ---- */

#define MAX_SHOWN 8
typedef struct dsres {
	const char *name;
	long files, records, oracle, bad, expect_bad, mism, checks;
	char why_bad[600];
	int shown;
} dsres;

static dsres results[16];
static size_t nresults;

static dsres *ds_new(const char *name)
{
	dsres *d = &results[nresults++];
	memset(d, 0, sizeof(*d));
	d->name = name;
	return d;
}

static void ds_why(dsres *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ds_why(dsres *d, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (strstr(d->why_bad, tmp))
		return;
	size_t n = strlen(d->why_bad);
	snprintf(d->why_bad + n, sizeof(d->why_bad) - n, "%s%s", n ? "; " : "", tmp);
}

static void mismatch(dsres *d, const char *path, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void mismatch(dsres *d, const char *path, uint64_t line, const char *fmt, ...)
{
	d->mism++;
	if (d->shown++ >= MAX_SHOWN)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "MISMATCH [%s] %s:%llu: ", d->name, path, (unsigned long long)line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- files ---- */

typedef struct mapped {
	char *p;
	size_t n;
} mapped;

static bool map_file(const char *path, mapped *m)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	m->p = NULL;
	m->n = 0;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return st.st_size == 0;
	}
	m->n = (size_t)st.st_size;
	m->p = mmap(NULL, m->n, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m->p == MAP_FAILED) {
		m->p = NULL;
		return false;
	}
	return true;
}

static void unmap(mapped *m)
{
	if (m->p)
		munmap(m->p, m->n);
	m->p = NULL;
}

typedef struct pathlist {
	char **v;
	size_t n, cap;
} pathlist;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

static void walk(const char *dir, const char *suffix, pathlist *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(p, suffix, out);
		} else if (ends_with(p, suffix)) {
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 64;
				out->v = realloc(out->v, out->cap * sizeof(char *));
				assert_non_null(out->v);
			}
			out->v[out->n++] = strdup(p);
		}
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

static void pathlist_free(pathlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- spoor side ---- */

typedef struct scan_run {
	spoor_ctx *ctx;
	spoor_scanner *sc;
	dsres *d;
} scan_run;

static void on_bad(spoor_bad_kind kind, const spoor_diag *diag, void *payload)
{
	dsres *d = payload;
	if (kind == SPOOR_SKIP_FILE)
		return;
	ds_why(d, "%s", diag && diag->msg[0] ? diag->msg : "bad");
}

static void scan_open(scan_run *r, dsres *d, const char *path)
{
	spoor_ctx_options co = SPOOR_CTX_OPTIONS_INIT;
	spoor_scan_options so = SPOOR_SCAN_OPTIONS_INIT;
	so.on_bad = on_bad;
	so.payload = d;
	r->d = d;
	assert_int_equal(spoor_ctx_new(&r->ctx, &co, NULL), 0);
	assert_int_equal(spoor_scanner_new(&r->sc, r->ctx, &so, NULL), 0);
	assert_int_equal(spoor_scanner_add(r->sc, path), 0);
}

static void scan_close(scan_run *r)
{
	spoor_scan_stats st;
	spoor_scanner_stats(r->sc, &st);
	r->d->bad += (long)st.records_bad;
	r->sc = spoor_scanner_free(r->sc);
	r->ctx = spoor_ctx_free(r->ctx);
}

/* Field text; NULL when absent (or null).  Copied into buf. */
static const char *ftext(spoor_event *ev, const char *name, char *buf, size_t cap)
{
	spoor_value v;
	spoor_sv t;
	if (spoor_event_get(ev, name, strlen(name), &v) < 0 || v.type == SPOOR_VT_NULL)
		return NULL;
	if (spoor_event_text(ev, &v, &t) < 0)
		return NULL;
	size_t n = t.n < cap - 1 ? t.n : cap - 1;
	if (n)
		memcpy(buf, t.p, n);
	buf[n] = 0;
	return buf;
}

/* ---- cJSON side ---- */

/* Path lookup "a.b.c" (exact keys; "#" names allowed). */
static const cJSON *jget(const cJSON *o, const char *path)
{
	char key[256];
	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

/* Case-insensitive top-level member. */
static const cJSON *jgeti(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItem(o, key);
}

/* Scalar as text for comparison ("" for null; NULL for objects/arrays or
 * absent).  Numbers are printed by cJSON; compare_scalar handles them. */
static bool jscalar(const cJSON *j)
{
	return j && (cJSON_IsString(j) || cJSON_IsNumber(j) || cJSON_IsBool(j));
}

/* spoor's text equals the JSON scalar j. */
static bool same_scalar(const char *got, const cJSON *j)
{
	if (!got)
		return false;
	if (cJSON_IsString(j))
		return !strcmp(got, j->valuestring);
	if (cJSON_IsBool(j))
		return !strcmp(got, cJSON_IsTrue(j) ? "true" : "false");
	if (cJSON_IsNumber(j)) {
		char *end;
		double v = strtod(got, &end);
		return *got && !*end && v == j->valuedouble;
	}
	return false;
}

static void check_scalar(dsres *d, spoor_event *ev, const char *path, uint64_t line, const char *field, const cJSON *j)
{
	char buf[8192];
	if (!jscalar(j))
		return;
	const char *got = ftext(ev, field, buf, sizeof(buf));
	d->checks++;
	if (!same_scalar(got, j)) {
		char *want = cJSON_PrintUnformatted(j);
		mismatch(d, path, line, "%s = %s%.200s%s, cJSON %.200s", field, got ? "\"" : "", got ? got : "(absent)",
			 got ? "\"" : "", want ? want : "?");
		free(want);
	}
}

/* Values ECS mapping treats as "no value" (docs: ecs.h placeholders). */
static bool placeholder(const char *s)
{
	static const char *const ph[] = {"",	 "-",	   "--",      "N/A",	 "null",
					 "NULL", "(null)", "unknown", "Unknown", "UNKNOWN"};
	for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
		if (!strcmp(s, ph[i]))
			return true;
	}
	return false;
}

/* Field equals want; want NULL (or a placeholder) = the field is absent. */
static void check_text(dsres *d, spoor_event *ev, const char *path, uint64_t line, const char *field, const char *want)
{
	char buf[8192];
	if (want && placeholder(want))
		want = NULL;
	const char *got = ftext(ev, field, buf, sizeof(buf));
	d->checks++;
	if ((!want && got) || (want && (!got || strcmp(got, want))))
		mismatch(d, path, line, "%s = \"%.200s\", expected \"%.200s\"", field, got ? got : "(absent)",
			 want ? want : "(absent)");
}

static void check_shape(dsres *d, spoor_event *ev, const char *path, uint64_t line, const char *want)
{
	const char *got = spoor_event_shape(ev);
	d->checks++;
	if (!got || strcmp(got, want))
		mismatch(d, path, line, "shape %s, expected %s", got ? got : "(none)", want);
}

/* Parse the record at offset off of a mapped file. */
static cJSON *oracle_at(const mapped *m, uint64_t off)
{
	if (off >= m->n)
		return NULL;
	return cJSON_ParseWithLengthOpts(m->p + off, m->n - off, NULL, false);
}

/* Independent record count: JSON lines, concatenated objects or an array
 * of objects; *unparsable = records cJSON rejects (JSON lines only). */
static long oracle_count(const mapped *m, long *unparsable)
{
	long n = 0;
	*unparsable = 0;
	size_t i = 0;
	while (i < m->n && (m->p[i] == ' ' || m->p[i] == '\n' || m->p[i] == '\r' || m->p[i] == '\t'))
		i++;
	if (i < m->n && m->p[i] == '[') {
		cJSON *a = cJSON_ParseWithLength(m->p + i, m->n - i);
		n = a ? cJSON_GetArraySize(a) : 0;
		cJSON_Delete(a);
		return n;
	}
	/* one object per line? */
	const char *nl = memchr(m->p + i, '\n', m->n - i);
	cJSON *first = cJSON_ParseWithLengthOpts(m->p + i, nl ? (size_t)(nl - m->p) - i : m->n - i, NULL, false);
	size_t fl = nl ? (size_t)(nl - m->p) - i : m->n - i;
	while (fl > 1 && (m->p[i + fl - 1] == '\r' || m->p[i + fl - 1] == ' '))
		fl--;
	/* a first line that parses, or one that looks like a whole object */
	bool lines = first != NULL || (fl > 1 && m->p[i] == '{' && m->p[i + fl - 1] == '}');
	cJSON_Delete(first);
	if (lines) {
		size_t s = 0;
		while (s < m->n) {
			const char *e = memchr(m->p + s, '\n', m->n - s);
			size_t len = e ? (size_t)(e - m->p) - s : m->n - s;
			size_t k = 0;
			while (k < len && (m->p[s + k] == ' ' || m->p[s + k] == '\r' || m->p[s + k] == '\t'))
				k++;
			if (k < len) {
				cJSON *o = cJSON_ParseWithLength(m->p + s, len);
				if (o)
					n++;
				else
					(*unparsable)++;
				cJSON_Delete(o);
			}
			s += len + 1;
		}
		return n;
	}
	const char *p = m->p + i, *end = m->p + m->n;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			p++;
		if (p >= end)
			break;
		const char *pe = NULL;
		cJSON *o = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &pe, false);
		if (!o) {
			(*unparsable)++;
			break;
		}
		n++;
		cJSON_Delete(o);
		p = pe;
	}
	return n;
}

/* ---- generic driver: scan one file, compare each event ---- */

typedef void (*check_fn)(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg);

static void run_file(dsres *d, const char *path, const char *label, check_fn fn, void *arg)
{
	mapped m;
	assert_true(map_file(path, &m));
	long unparsable = 0;
	d->oracle += oracle_count(&m, &unparsable);
	d->expect_bad += unparsable;
	d->files++;
	scan_run r;
	scan_open(&r, d, path);
	spoor_event *ev;
	int rc;
	while ((rc = spoor_scanner_next(r.sc, &ev, NULL)) > 0) {
		d->records++;
		const spoor_origin *org = spoor_event_origin(ev);
		cJSON *o = oracle_at(&m, org->offset);
		if (!o) {
			mismatch(d, label, org->line, "cJSON cannot parse the record at offset %llu",
				 (unsigned long long)org->offset);
			continue;
		}
		fn(d, ev, o, label, org->line, arg);
		cJSON_Delete(o);
	}
	assert_int_equal(rc, 0);
	scan_close(&r);
	unmap(&m);
}

static void ds_assert(const dsres *d)
{
	if (d->records != d->oracle || d->bad != d->expect_bad || d->mism) {
		fail_msg("[%s] records %ld (cJSON %ld), bad %ld (expected %ld), mismatches %ld", d->name, d->records,
			 d->oracle, d->bad, d->expect_bad, d->mism);
	}
	assert_true(d->records > 0);
}

/* ---- sigma regression data (evtx_dump JSON) ---- */

static void sigma_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "windows");
	const cJSON *sys = jget(o, "Event.System");
	const cJSON *eid = jget(sys, "EventID");
	if (cJSON_IsObject(eid))
		eid = jget(eid, "#text");
	check_scalar(d, ev, path, line, "EventID", eid);
	check_scalar(d, ev, path, line, "Channel", jget(sys, "Channel"));
	check_scalar(d, ev, path, line, "Computer", jget(sys, "Computer"));
	check_scalar(d, ev, path, line, "Provider_Name", jget(sys, "Provider.#attributes.Name"));
	check_scalar(d, ev, path, line, "EventRecordID", jget(sys, "EventRecordID"));
	const cJSON *ed = jget(o, "Event.EventData");
	const cJSON *kv;
	cJSON_ArrayForEach(kv, ed)
	{
		if (!kv->string || kv->string[0] == '#' || !jscalar(kv))
			continue;
		check_scalar(d, ev, path, line, kv->string, kv);
		if (strchr(kv->string, ' ')) {
			char ns[512];
			size_t k = 0;
			for (const char *s = kv->string; *s && k < sizeof(ns) - 1; s++) {
				if (*s != ' ')
					ns[k++] = *s;
			}
			ns[k] = 0;
			check_scalar(d, ev, path, line, ns, kv);
		}
	}
	/* UserData.<Element>.<N> -> <N> */
	const cJSON *ud = jget(o, "Event.UserData"), *el;
	cJSON_ArrayForEach(el, ud)
	{
		cJSON_ArrayForEach(kv, el)
		{
			if (kv->string && kv->string[0] != '#' && jscalar(kv))
				check_scalar(d, ev, path, line, kv->string, kv);
		}
	}
}

static void test_sigma(void **state)
{
	(void)state;
	dsres *d = ds_new("sigma regression_data (evtx_dump JSON)");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/sigma/regression_data", data_dir);
	pathlist l = {0};
	walk(dir, ".json", &l);
	walk(dir, ".jsoncls", &l); /* one upstream file has this misspelt extension */
	assert_true(l.n > 0);
	for (size_t i = 0; i < l.n; i++)
		run_file(d, l.v[i], l.v[i] + strlen(dir) + 1, sigma_check, NULL);
	pathlist_free(&l);
	ds_assert(d);
}

/* ---- OTRF zips ---- */

static void make_tmp(char *out, size_t cap)
{
	snprintf(out, cap, "%s/u-XXXXXX", tmp_root);
	assert_non_null(mkdtemp(out));
}

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void unzip_to(const char *zip, const char *dir)
{
	char cmd[8300];
	snprintf(cmd, sizeof(cmd), "unzip -q -o '%s' -d '%s'", zip, dir);
	assert_int_equal(system(cmd), 0);
}

static void otrf_win_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "windows-nxlog");
	check_scalar(d, ev, path, line, "EventID", jget(o, "EventID"));
	check_scalar(d, ev, path, line, "Channel", jget(o, "Channel"));
	check_scalar(d, ev, path, line, "Computer", jget(o, "Hostname"));
	check_scalar(d, ev, path, line, "Provider_Name", jget(o, "SourceName"));
	check_scalar(d, ev, path, line, "Image", jget(o, "Image"));
	check_scalar(d, ev, path, line, "CommandLine", jget(o, "CommandLine"));
	const spoor_logsource *ls = spoor_event_logsource(ev);
	d->checks++;
	if (ls->product.n != 7 || memcmp(ls->product.p, "windows", 7))
		mismatch(d, path, line, "logsource product is not windows");
}

static void otrf_zeek_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "zeek");
	check_scalar(d, ev, path, line, "source.ip", jget(o, "id_orig_h"));
	check_scalar(d, ev, path, line, "source.port", jget(o, "id_orig_p"));
	check_scalar(d, ev, path, line, "destination.ip", jget(o, "id_resp_h"));
	check_scalar(d, ev, path, line, "destination.port", jget(o, "id_resp_p"));
	const cJSON *q = jget(o, "query");
	if (cJSON_IsString(jget(o, "@stream")) && !strcmp(jget(o, "@stream")->valuestring, "dns"))
		check_scalar(d, ev, path, line, "dns.question.name", q);
	const cJSON *st = jget(o, "@stream");
	const spoor_logsource *ls = spoor_event_logsource(ev);
	d->checks++;
	if (cJSON_IsString(st) &&
	    (ls->service.n != strlen(st->valuestring) || memcmp(ls->service.p, st->valuestring, ls->service.n)))
		mismatch(d, path, line, "service %.*s, @stream %s", (int)ls->service.n, ls->service.p, st->valuestring);
	d->checks++;
	if (jget(o, "ts") && !spoor_event_time(ev, &(int64_t){0}))
		mismatch(d, path, line, "no timestamp");
}

static void run_zips(dsres *d, const char *sub, check_fn fn)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/json/otrf/datasets/%s", data_dir, sub);
	pathlist zips = {0};
	walk(dir, ".zip", &zips);
	assert_true(zips.n > 0);
	for (size_t i = 0; i < zips.n; i++) {
		char tmp[512];
		make_tmp(tmp, sizeof(tmp));
		unzip_to(zips.v[i], tmp);
		pathlist files = {0};
		walk(tmp, "", &files);
		for (size_t k = 0; k < files.n; k++) {
			char label[1024];
			snprintf(label, sizeof(label), "%s!%s", zips.v[i] + strlen(dir) + 1,
				 files.v[k] + strlen(tmp) + 1);
			run_file(d, files.v[k], label, fn, NULL);
		}
		pathlist_free(&files);
		rm_rf(tmp);
	}
	pathlist_free(&zips);
}

static void test_otrf_windows(void **state)
{
	(void)state;
	dsres *d = ds_new("json/otrf atomic (NXLog Windows)");
	run_zips(d, "atomic", otrf_win_check);
	ds_assert(d);
}

static void test_otrf_zeek(void **state)
{
	(void)state;
	dsres *d = ds_new("json/otrf apt29 (Zeek JSON)");
	run_zips(d, "compound", otrf_zeek_check);
	ds_assert(d);
}

/* ---- Panther envelopes ---- */

/* Write the "log" member of each envelope line as one JSON line. */
static void extract_logs(const char *src, const char *dst)
{
	mapped m;
	assert_true(map_file(src, &m));
	FILE *out = fopen(dst, "w");
	assert_non_null(out);
	size_t s = 0;
	while (s < m.n) {
		const char *e = memchr(m.p + s, '\n', m.n - s);
		size_t len = e ? (size_t)(e - m.p) - s : m.n - s;
		cJSON *o = len ? cJSON_ParseWithLength(m.p + s, len) : NULL;
		const cJSON *log = cJSON_GetObjectItemCaseSensitive(o, "log");
		if (cJSON_IsObject(log)) {
			char *t = cJSON_PrintUnformatted(log);
			fprintf(out, "%s\n", t);
			free(t);
		}
		cJSON_Delete(o);
		s += len + 1;
	}
	fclose(out);
	unmap(&m);
}

/* IP without a port ("1.2.3.4:5" / "[v6]:5"), into buf. */
static const char *strip_port(const char *ip, char *buf, size_t cap)
{
	if (!ip)
		return NULL;
	snprintf(buf, cap, "%s", ip[0] == '[' ? ip + 1 : ip);
	char *c = ip[0] == '[' ? strchr(buf, ']') : strchr(buf, ':');
	if (c && (ip[0] == '[' || !strchr(c + 1, ':')))
		*c = 0;
	return buf;
}

static const char *jstr(const cJSON *j)
{
	return cJSON_IsString(j) && j->valuestring[0] ? j->valuestring : NULL;
}

static void m365_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	char ip[128];
	check_shape(d, ev, path, line, "m365");
	check_text(d, ev, path, line, "event.action", jstr(jgeti(o, "Operation")));
	check_text(d, ev, path, line, "user.name", jstr(jgeti(o, "UserId")));
	check_text(d, ev, path, line, "source.ip", strip_port(jstr(jgeti(o, "ClientIP")), ip, sizeof(ip)));
	/* every Parameters / ExtendedProperties entry is exposed by name */
	static const char *const lists[] = {"Parameters", "ExtendedProperties", "OperationProperties"};
	for (size_t i = 0; i < 3; i++) {
		const cJSON *l = jgeti(o, lists[i]), *it;
		cJSON_ArrayForEach(it, l)
		{
			const char *n = jstr(cJSON_GetObjectItem(it, "Name"));
			char f[512];
			if (!n)
				continue;
			snprintf(f, sizeof(f), "%s.%s", l->string, n);
			check_scalar(d, ev, path, line, f, cJSON_GetObjectItem(it, "Value"));
		}
	}
}

static void entra_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "entra");
	const cJSON *p = jgeti(o, "properties");
	const char *cat = jstr(jgeti(o, "category"));
	bool signin = cat && strstr(cat, "SignInLogs");
	const char *action = jstr(jgeti(o, "operationName"));
	check_text(d, ev, path, line, "event.action", action ? action : signin ? "Sign-in activity" : NULL);
	const char *user = jstr(jget(p, "userPrincipalName"));
	if (!user)
		user = jstr(jget(p, "initiatedBy.user.userPrincipalName"));
	if (!user)
		user = jstr(jget(p, "servicePrincipalName"));
	if (!user)
		user = jstr(jgeti(o, "identity"));
	check_text(d, ev, path, line, "user.name", user);
	const char *ip = jstr(jget(p, "ipAddress"));
	if (!ip)
		ip = jstr(jgeti(o, "callerIpAddress"));
	if (!ip)
		ip = jstr(jget(p, "initiatedBy.user.ipAddress"));
	check_text(d, ev, path, line, "source.ip", ip);
	const spoor_logsource *ls = spoor_event_logsource(ev);
	const char *svc = signin ? "signinlogs" : "auditlogs";
	d->checks++;
	if (ls->service.n != strlen(svc) || memcmp(ls->service.p, svc, ls->service.n))
		mismatch(d, path, line, "service %.*s, expected %s", (int)ls->service.n, ls->service.p, svc);
	/* outcome: errorCode 0 = success */
	const cJSON *ec = jget(p, "status.errorCode");
	if (cJSON_IsNumber(ec))
		check_text(d, ev, path, line, "event.outcome", ec->valueint == 0 ? "success" : "failure");
}

static void gws_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "gworkspace");
	check_text(d, ev, path, line, "user.name", jstr(jget(o, "actor.email")));
	check_text(d, ev, path, line, "source.ip", jstr(jgeti(o, "ipAddress")));
	const char *name = jstr(jgeti(o, "name"));
	const cJSON *evs = jgeti(o, "events");
	if (!name && cJSON_IsArray(evs))
		name = jstr(cJSON_GetObjectItem(cJSON_GetArrayItem(evs, 0), "name"));
	check_text(d, ev, path, line, "event.action", name);
	/* Sigma's logsource: product gcp, service google_workspace.<app> */
	const char *app = jstr(jget(o, "id.applicationName"));
	const spoor_logsource *ls = spoor_event_logsource(ev);
	char svc[256];
	snprintf(svc, sizeof(svc), "google_workspace.%s", app ? app : "");
	d->checks += 2;
	if (app && (ls->service.n != strlen(svc) || strncasecmp(ls->service.p, svc, ls->service.n)))
		mismatch(d, path, line, "service %.*s, expected %s", (int)ls->service.n, ls->service.p, svc);
	if (ls->product.n != 3 || memcmp(ls->product.p, "gcp", 3))
		mismatch(d, path, line, "product %.*s, expected gcp", (int)ls->product.n, ls->product.p);
}

static void okta_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "okta");
	check_text(d, ev, path, line, "user.name", jstr(jget(o, "actor.alternateId")));
	check_text(d, ev, path, line, "source.ip", jstr(jget(o, "client.ipAddress")));
	check_text(d, ev, path, line, "event.action", jstr(jgeti(o, "eventType")));
	const char *res = jstr(jget(o, "outcome.result"));
	if (res && (!strcmp(res, "SUCCESS") || !strcmp(res, "FAILURE")))
		check_text(d, ev, path, line, "event.outcome", !strcmp(res, "SUCCESS") ? "success" : "failure");
}

static void aza_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	const char *rid = jstr(jgeti(o, "resourceId"));
	bool sub = rid && !strncasecmp(rid, "/subscriptions/", 15) && jget(o, "time") && jgeti(o, "operationName");
	check_shape(d, ev, path, line, sub ? "azure-activity" : "generic");
	if (!sub)
		return;
	check_text(d, ev, path, line, "event.action", jstr(jgeti(o, "operationName")));
	char ip[128];
	check_text(d, ev, path, line, "source.ip", strip_port(jstr(jgeti(o, "callerIpAddress")), ip, sizeof(ip)));
	const char *rt = jstr(jgeti(o, "resultType"));
	if (rt && (!strcmp(rt, "Success") || !strcmp(rt, "Succeeded") || !strcmp(rt, "Failed")))
		check_text(d, ev, path, line, "event.outcome", rt[0] == 'S' ? "success" : "failure");
}

static void run_panther(const char *name, const char *const *files, size_t nfiles, check_fn fn)
{
	dsres *d = ds_new(name);
	for (size_t i = 0; i < nfiles; i++) {
		char src[4096], dst[600];
		snprintf(src, sizeof(src), "%s/logs/panther/%s", data_dir, files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", tmp_root, files[i]);
		extract_logs(src, dst);
		run_file(d, dst, files[i], fn, NULL);
		unlink(dst);
	}
	ds_assert(d);
}

static void test_panther_m365(void **state)
{
	(void)state;
	static const char *const f[] = {"Microsoft365.Audit.AzureActiveDirectory.jsonl",
					"Microsoft365.Audit.Exchange.jsonl", "Microsoft365.Audit.SharePoint.jsonl"};
	run_panther("panther Microsoft365.Audit.*", f, 3, m365_check);
}

static void test_panther_entra(void **state)
{
	(void)state;
	static const char *const f[] = {"Azure.Audit.jsonl"};
	run_panther("panther Azure.Audit (Entra ID)", f, 1, entra_check);
}

static void test_panther_gws(void **state)
{
	(void)state;
	static const char *const f[] = {"GSuite.ActivityEvent.jsonl"};
	run_panther("panther GSuite.ActivityEvent", f, 1, gws_check);
}

static void test_panther_okta(void **state)
{
	(void)state;
	static const char *const f[] = {"Okta.SystemLog.jsonl"};
	run_panther("panther Okta.SystemLog", f, 1, okta_check);
}

static void test_panther_azure_activity(void **state)
{
	(void)state;
	static const char *const f[] = {"Azure.MonitorActivity.jsonl"};
	run_panther("panther Azure.MonitorActivity", f, 1, aza_check);
}

/* ---- Zeek btest baselines ---- */

static void zeek_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	/* a record is Zeek when it has ts and the connection id */
	bool zeek = jget(o, "ts") && (jget(o, "id.orig_h") || jget(o, "uid"));
	check_shape(d, ev, path, line, zeek ? "zeek" : "generic");
	if (!zeek)
		return;
	check_scalar(d, ev, path, line, "source.ip", jget(o, "id.orig_h"));
	check_scalar(d, ev, path, line, "source.port", jget(o, "id.orig_p"));
	check_scalar(d, ev, path, line, "destination.ip", jget(o, "id.resp_h"));
	check_scalar(d, ev, path, line, "destination.port", jget(o, "id.resp_p"));
	check_scalar(d, ev, path, line, "url.original", jget(o, "uri"));
	check_scalar(d, ev, path, line, "user_agent.original", jget(o, "user_agent"));
	check_scalar(d, ev, path, line, "dns.question.name", jget(o, "query"));
}

/* Copy the JSON lines of a btest baseline (its "###" header dropped),
 * optionally replacing btest's canonified "XXXXXXXXXX.XXXXXX" times. */
static bool baseline_lines(const char *src, const char *dst, bool decanon)
{
	mapped m;
	assert_true(map_file(src, &m));
	FILE *out = fopen(dst, "w");
	assert_non_null(out);
	bool any = false;
	size_t s = 0;
	while (s < m.n) {
		const char *e = memchr(m.p + s, '\n', m.n - s);
		size_t len = e ? (size_t)(e - m.p) - s : m.n - s;
		if (len && m.p[s] == '{') {
			any = true;
			for (size_t k = 0; k < len; k++) {
				if (decanon && len - k >= 17 && !memcmp(m.p + s + k, "XXXXXXXXXX.XXXXXX", 17)) {
					fputs("1700000000.123456", out);
					k += 16;
				} else {
					fputc(m.p[s + k], out);
				}
			}
			fputc('\n', out);
		}
		s += len + 1;
	}
	fclose(out);
	unmap(&m);
	return any;
}

static void run_btest(dsres *d, bool decanon)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/network/zeek-btest/Baseline", data_dir);
	pathlist l = {0};
	walk(dir, ".log", &l);
	assert_true(l.n > 0);
	for (size_t i = 0; i < l.n; i++) {
		char dst[600];
		snprintf(dst, sizeof(dst), "%s/btest.jsonl", tmp_root);
		if (baseline_lines(l.v[i], dst, decanon)) {
			long before = d->expect_bad;
			run_file(d, dst, l.v[i] + strlen(dir) + 1, zeek_check, NULL);
			if (d->expect_bad > before)
				ds_why(d, "%s: btest's canonified time XXXXXXXXXX.XXXXXX is not JSON",
				       l.v[i] + strlen(dir) + 1);
		}
		unlink(dst);
	}
	pathlist_free(&l);
}

static void test_zeek_btest(void **state)
{
	(void)state;
	dsres *d = ds_new("zeek-btest JSON baselines (as is)");
	run_btest(d, false);
	ds_assert(d);
	d = ds_new("zeek-btest JSON baselines (XXX times replaced)");
	run_btest(d, true);
	ds_assert(d);
}

/* ---- Suricata EVE ---- */

static void suricata_check(dsres *d, spoor_event *ev, const cJSON *o, const char *path, uint64_t line, void *arg)
{
	(void)arg;
	check_shape(d, ev, path, line, "suricata");
	check_scalar(d, ev, path, line, "source.ip", jget(o, "src_ip"));
	check_scalar(d, ev, path, line, "source.port", jget(o, "src_port"));
	check_scalar(d, ev, path, line, "destination.ip", jget(o, "dest_ip"));
	check_scalar(d, ev, path, line, "destination.port", jget(o, "dest_port"));
	const char *et = jstr(jget(o, "event_type"));
	if (et && !strcmp(et, "alert")) {
		check_text(d, ev, path, line, "event.kind", "alert");
		check_scalar(d, ev, path, line, "rule.name", jget(o, "alert.signature"));
		check_scalar(d, ev, path, line, "rule.id", jget(o, "alert.signature_id"));
		check_scalar(d, ev, path, line, "event.severity", jget(o, "alert.severity"));
	}
	d->checks++;
	if (!spoor_event_time(ev, &(int64_t){0}))
		mismatch(d, path, line, "no timestamp");
}

static void test_suricata(void **state)
{
	(void)state;
	dsres *d = ds_new("suricata-eve samples");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/network/suricata-eve/samples", data_dir);
	pathlist l = {0};
	walk(dir, ".json", &l);
	assert_true(l.n > 0);
	for (size_t i = 0; i < l.n; i++)
		run_file(d, l.v[i], l.v[i] + strlen(dir) + 1, suricata_check, NULL);
	pathlist_free(&l);
	ds_assert(d);
}

/* ---- summary ---- */

static void print_summary(void)
{
	printf("\n%-48s %6s %9s %9s %6s %9s %10s\n", "data set", "files", "records", "cJSON", "bad", "mismatch",
	       "checks");
	for (size_t i = 0; i < nresults; i++) {
		const dsres *d = &results[i];
		printf("%-48s %6ld %9ld %9ld %6ld %9ld %10ld\n", d->name, d->files, d->records, d->oracle, d->bad,
		       d->mism, d->checks);
		if (d->why_bad[0])
			printf("%-48s   bad because: %s\n", "", d->why_bad);
	}
	fflush(stdout);
}

int main(void)
{
	data_dir = getenv("SPOOR_SHARED_DATA");
	char probe[4096];
	struct stat st;
	snprintf(probe, sizeof(probe), "%s/sigma/regression_data", data_dir ? data_dir : "");
	if (!data_dir || stat(probe, &st) < 0) {
		printf("shared data not found: set SPOOR_SHARED_DATA\n");
		return 77;
	}
	const char *t = getenv("TMPDIR");
	snprintf(tmp_root, sizeof(tmp_root), "%s/spoor-shapes-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp_root)) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigma),	  cmocka_unit_test(test_otrf_windows),
	    cmocka_unit_test(test_otrf_zeek),	  cmocka_unit_test(test_panther_m365),
	    cmocka_unit_test(test_panther_entra), cmocka_unit_test(test_panther_gws),
	    cmocka_unit_test(test_panther_okta),  cmocka_unit_test(test_panther_azure_activity),
	    cmocka_unit_test(test_zeek_btest),	  cmocka_unit_test(test_suricata),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	print_summary();
	rm_rf(tmp_root);
	return r;
}
