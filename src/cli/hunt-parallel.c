/* hunt-parallel — `spoor hunt -j N` over several files: whole files on N
 * worker threads, alerts written in file order (docs/internals/parallel-hunt.md).
 *
 * Each worker has its own spoor_ctx (a clone of the front end's, so the
 * field ids the Sigma ruleset and the intel index were compiled with hold
 * in it), its own scanner per file and its own copies of the stateless
 * stages.  A worker takes the next file in reading order, runs it through
 * its stages and writes each finding (alert line, CSV row, level, rule
 * name) to that file's buffer: memory up to a cap, then an unlinked
 * temporary file.  Bad-record reports are kept the same way.  The main
 * thread waits for file 0, replays its buffer through the front end's
 * writer, then file 1, ...: the output is that of one thread.  A worker may
 * run at most HUNT_PAR_AHEAD * N files ahead of the one being written, so
 * the buffers held at once are bounded. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hunt-int.h"

typedef struct brep {
	spoor_bad_kind kind;
	spoor_diag d;
} brep;

/* One file: its buffer of findings, its bad-record reports, its counters. */
typedef struct pfile {
	const char *path;
	bool done;
	char *mem;
	size_t len, cap;
	FILE *tmp; /* spill, once mem is full */
	brep *bad;
	size_t nbad;
	uint64_t bad_kind[_SPOOR_BAD_MAX]; /* all reports, kept or not */
	spoor_scan_stats st;
	uint64_t events;
	int rc; /* exit code when the file could not be completed */
	char err[600];
} pfile;

/* The header of one buffered finding; then name (with its NUL), json, csv bytes. */
typedef struct rec {
	uint32_t level, nname, njson, ncsv;
} rec;

typedef struct par {
	scan_cli *s;
	const hunt_par_ops *ops;
	pfile *f;
	size_t nf;
	size_t next_take, next_emit, ahead;
	size_t mem_cap, keep_bad;
	int stop; /* read without the lock by workers: __atomic */
	pthread_mutex_t mu;
	pthread_cond_t cv_done, cv_space;
	pthread_mutex_t attr_mu;
} par;

typedef struct worker {
	par *p;
	spoor_ctx *ctx;
	spoor_stage *st[HUNT_PAR_MAX_STAGES];
	size_t n;
	pfile *cur;
	char *jb; /* attributed alert line, copied out of the shared buffer */
	size_t jcap;
	pthread_t th;
	bool started;
} worker;

unsigned hunt_par_jobs(const scan_cli *s, const spoor_scanner *sc)
{
	unsigned jobs = s->scan_opts.jobs;
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n > 0 ? (unsigned)n : 1;
	}
	if (jobs > SPOOR_MAX_JOBS)
		jobs = SPOOR_MAX_JOBS;
	size_t nf = 0;
	for (const char *p; (p = spoor_scanner_path(sc, nf)); nf++)
		if (!strcmp(p, "-"))
			return 1; /* standard input is read once, by one scanner */
	if (nf < 2)
		return 1;
	return nf < jobs ? (unsigned)nf : jobs;
}

static bool stopped(par *p)
{
	return __atomic_load_n(&p->stop, __ATOMIC_RELAXED) != 0;
}

static void set_stop(par *p)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
}

/* ---- the per-file buffer ---- */

/* Append one piece of a record: to memory, or to the spill file once the
 * record did not fit (a record is never split between the two). */
static int spool_put(pfile *f, bool to_mem, const void *a, size_t n)
{
	if (!n)
		return 0;
	if (to_mem) {
		memcpy(f->mem + f->len, a, n);
		f->len += n;
		return 0;
	}
	return fwrite(a, 1, n, f->tmp) == n ? 0 : SPOOR_EIO;
}

/* Make room for a record of n bytes: true = in memory, false = in the
 * spill file (opened here); < 0 on failure. */
static int spool_room(par *p, pfile *f, size_t n)
{
	if (!f->tmp && f->len + n <= p->mem_cap) {
		if (f->len + n > f->cap) {
			size_t nc = f->cap ? f->cap : 4096;
			while (nc < f->len + n)
				nc *= 2;
			if (nc > p->mem_cap)
				nc = p->mem_cap;
			char *m = realloc(f->mem, nc);
			if (!m)
				return SPOOR_ENOMEM;
			f->mem = m;
			f->cap = nc;
		}
		return 1;
	}
	if (!f->tmp && !(f->tmp = tmpfile()))
		return SPOOR_EIO;
	return 0;
}

static void spool_free(pfile *f)
{
	free(f->mem);
	f->mem = NULL;
	f->len = f->cap = 0;
	if (f->tmp)
		fclose(f->tmp);
	f->tmp = NULL;
	free(f->bad);
	f->bad = NULL;
	f->nbad = 0;
}

/* ---- workers ---- */

static void w_bad(spoor_bad_kind kind, const spoor_diag *d, void *payload)
{
	worker *w = payload;
	pfile *f = w->cur;
	f->bad_kind[kind]++;
	if (f->nbad >= w->p->keep_bad)
		return;
	brep *v = realloc(f->bad, (f->nbad + 1) * sizeof(*v));
	if (!v)
		return; /* counted all the same */
	f->bad = v;
	v[f->nbad].kind = kind;
	v[f->nbad].d = *d;
	f->nbad++;
}

static int w_finding(const spoor_finding *f, void *payload)
{
	worker *w = payload;
	par *p = w->p;
	spoor_sv js = f->json;
	int rc = 0;
	if (p->ops->attribute) {
		pthread_mutex_lock(&p->attr_mu);
		rc = p->ops->attribute(p->ops->u, f, &js);
		if (rc >= 0 && js.p != f->json.p) {
			if (js.n > w->jcap) {
				char *nb = realloc(w->jb, js.n);
				if (!nb)
					rc = SPOOR_ENOMEM;
				else {
					w->jb = nb;
					w->jcap = js.n;
				}
			}
			if (rc >= 0) {
				memcpy(w->jb, js.p, js.n);
				js.p = w->jb;
			}
		}
		pthread_mutex_unlock(&p->attr_mu);
		if (rc < 0)
			return rc;
	}
	char *cb = NULL;
	size_t cn = 0;
	if (p->ops->csv) {
		FILE *m = open_memstream(&cb, &cn);
		if (!m)
			return SPOOR_ENOMEM;
		hunt_csv_row(m, f);
		if (fclose(m) != 0) {
			free(cb);
			return SPOOR_ENOMEM;
		}
	}
	const char *name = f->rule_name ? f->rule_name : "";
	rec h = {(uint32_t)f->level, (uint32_t)strlen(name) + 1, (uint32_t)js.n, (uint32_t)cn};
	pfile *pf = w->cur;
	int m = spool_room(p, pf, sizeof(h) + h.nname + js.n + cn);
	rc = m < 0 ? m : spool_put(pf, m, &h, sizeof(h));
	if (rc == 0)
		rc = spool_put(pf, m, name, h.nname);
	if (rc == 0)
		rc = spool_put(pf, m, js.p, js.n);
	if (rc == 0)
		rc = spool_put(pf, m, cb, cn);
	free(cb);
	return rc;
}

static void do_file(worker *w, pfile *f)
{
	par *p = w->p;
	w->cur = f;
	spoor_scan_options so = p->s->scan_opts;
	so.on_bad = w_bad;
	so.payload = w;
	so.jobs = 1; /* the threads are the workers */
	spoor_scanner *sc = NULL;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_scanner_new(&sc, w->ctx, &so, &d) < 0 || spoor_scanner_add(sc, f->path) < 0) {
		snprintf(f->err, sizeof(f->err), "%s", d.msg[0] ? d.msg : "out of memory");
		f->rc = EXIT_FAIL;
		spoor_scanner_free(sc);
		return;
	}
	/* a batch parsed, then each event through the stages (cmd-hunt.c) */
	spoor_event *batch[SPOOR_SCAN_BATCH];
	size_t nb = 0, bi = 0;
	for (;;) {
		int r;
		if (bi == nb) {
			bi = 0;
			r = spoor_scanner_next_batch(sc, batch, SPOOR_SCAN_BATCH, &nb, &d);
			if (r == 0)
				break;
			if (r < 0) {
				snprintf(f->err, sizeof(f->err), "%s", d.msg);
				f->rc = EXIT_FAIL;
				break;
			}
		}
		spoor_event *ev = batch[bi++];
		r = 0;
		f->events++;
		for (size_t i = 0; i < w->n && r >= 0; i++) {
			r = spoor_stage_event(w->st[i], ev, w_finding, w);
			if (r < 0) {
				snprintf(f->err, sizeof(f->err), "%s: %s", spoor_stage_name(w->st[i]),
					 r == SPOOR_EIO ? strerror(errno) : spoor_strerror(r));
				f->rc = EXIT_FAIL;
			}
		}
		if (f->rc || ((f->events & 1023) == 0 && stopped(p)))
			break;
	}
	spoor_scanner_stats(sc, &f->st);
	spoor_scanner_free(sc);
	w->cur = NULL;
}

static void *w_main(void *arg)
{
	worker *w = arg;
	par *p = w->p;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->next_take < p->nf && p->next_take >= p->next_emit + p->ahead)
			pthread_cond_wait(&p->cv_space, &p->mu);
		if (p->stop || p->next_take >= p->nf) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pfile *f = &p->f[p->next_take++];
		pthread_mutex_unlock(&p->mu);
		do_file(w, f);
		pthread_mutex_lock(&p->mu);
		f->done = true;
		pthread_cond_broadcast(&p->cv_done);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* ---- the main thread: replay in file order ---- */

static int replay_rec(par *p, const rec *h, const char *body)
{
	/* the name was stored with its NUL */
	const char *name = h->nname && !body[h->nname - 1] ? body : "";
	spoor_sv js = {body + h->nname, h->njson};
	spoor_sv csv = {body + h->nname + h->njson, h->ncsv};
	return p->ops->emit(p->ops->u, (spoor_level)h->level, name, js, csv);
}

static int replay(par *p, pfile *f)
{
	/* bad records first: the scanner reports them before the events
	 * that follow, and only stderr sees them */
	uint64_t kept[_SPOOR_BAD_MAX] = {0};
	for (size_t i = 0; i < f->nbad; i++) {
		scan_cli_bad(p->s, f->bad[i].kind, &f->bad[i].d);
		kept[f->bad[i].kind]++;
	}
	for (int k = 0; k < _SPOOR_BAD_MAX; k++)
		p->s->bad_by_kind[k] += f->bad_kind[k] - kept[k];
	size_t off = 0;
	while (off + sizeof(rec) <= f->len) {
		rec h;
		memcpy(&h, f->mem + off, sizeof(h));
		off += sizeof(h);
		size_t body = (size_t)h.nname + h.njson + h.ncsv;
		if (off + body > f->len)
			return SPOOR_EIO;
		int rc = replay_rec(p, &h, f->mem + off);
		if (rc < 0)
			return rc;
		off += body;
	}
	if (!f->tmp)
		return 0;
	if (fflush(f->tmp) != 0 || fseeko(f->tmp, 0, SEEK_SET) != 0)
		return SPOOR_EIO;
	char *b = NULL;
	size_t bcap = 0;
	int rc = 0;
	rec h;
	while (rc == 0 && fread(&h, sizeof(h), 1, f->tmp) == 1) {
		size_t body = (size_t)h.nname + h.njson + h.ncsv;
		if (body > bcap) {
			char *nb = realloc(b, body);
			if (!nb) {
				rc = SPOOR_ENOMEM;
				break;
			}
			b = nb;
			bcap = body;
		}
		if (body && fread(b, 1, body, f->tmp) != body)
			rc = SPOOR_EIO;
		if (rc == 0)
			rc = replay_rec(p, &h, b);
	}
	if (rc == 0 && ferror(f->tmp))
		rc = SPOOR_EIO;
	free(b);
	return rc;
}

static void add_stats(spoor_scan_stats *t, const spoor_scan_stats *a)
{
	t->files += a->files;
	t->files_bad += a->files_bad;
	t->files_skipped += a->files_skipped;
	t->records += a->records;
	t->records_bad += a->records_bad;
	t->bytes += a->bytes;
	t->records_recovered += a->records_recovered;
}

int hunt_par_run(scan_cli *s, spoor_scanner *sc, const spoor_ctx *ctx, unsigned jobs, const hunt_par_ops *ops,
		 uint64_t *events, spoor_scan_stats *st)
{
	*events = 0;
	spoor_scanner_stats(sc, st); /* what adding the paths found (unreadable directories) */
	par p = {0};
	p.s = s;
	p.ops = ops;
	p.mem_cap = ops->mem_cap ? ops->mem_cap : HUNT_PAR_DEFAULT_MEM;
	/* a file never prints more than max_report lines, plus one "skipped" */
	p.keep_bad = s->quiet ? 0 : s->max_report < (1 << 16) ? (size_t)s->max_report + 1 : (size_t)1 << 16;
	p.ahead = (size_t)HUNT_PAR_AHEAD * jobs;
	while (spoor_scanner_path(sc, p.nf))
		p.nf++;
	p.f = calloc(p.nf ? p.nf : 1, sizeof(*p.f));
	worker *w = calloc(jobs, sizeof(*w));
	if (!p.f || !w) {
		free(p.f);
		free(w);
		fprintf(stderr, "spoor hunt: out of memory\n");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < p.nf; i++)
		p.f[i].path = spoor_scanner_path(sc, i);
	pthread_mutex_init(&p.mu, NULL);
	pthread_mutex_init(&p.attr_mu, NULL);
	pthread_cond_init(&p.cv_done, NULL);
	pthread_cond_init(&p.cv_space, NULL);
	int rc = 0;
	/* every context and stage is made here, before any thread runs: the
	 * ruleset and the intel store finish their lazy set-up once */
	for (unsigned i = 0; i < jobs && rc == 0; i++) {
		spoor_diag d = SPOOR_DIAG_INIT;
		w[i].p = &p;
		if (spoor_ctx_clone(&w[i].ctx, ctx, &d) < 0) {
			fprintf(stderr, "spoor hunt: %s\n", d.msg);
			rc = EXIT_FAIL;
			break;
		}
		rc = ops->make_stages(ops->u, w[i].ctx, w[i].st, HUNT_PAR_MAX_STAGES, &w[i].n);
	}
	for (unsigned i = 0; i < jobs && rc == 0; i++) {
		if (pthread_create(&w[i].th, NULL, w_main, &w[i]) != 0) {
			fprintf(stderr, "spoor hunt: cannot start a thread: %s\n", strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		w[i].started = true;
	}
	for (size_t e = 0; e < p.nf && rc == 0; e++) {
		pfile *f = &p.f[e];
		pthread_mutex_lock(&p.mu);
		while (!f->done)
			pthread_cond_wait(&p.cv_done, &p.mu);
		pthread_mutex_unlock(&p.mu);
		int r = replay(&p, f);
		*events += f->events;
		add_stats(st, &f->st);
		if (r < 0) {
			fprintf(stderr, "spoor hunt: cannot write alerts: %s\n",
				r == SPOOR_EIO ? strerror(errno) : spoor_strerror(r));
			rc = EXIT_FAIL;
		} else if (f->rc) {
			fprintf(stderr, "spoor hunt: %s: %s\n", f->path, f->err);
			rc = f->rc;
		}
		spool_free(f);
		pthread_mutex_lock(&p.mu);
		p.next_emit = e + 1;
		pthread_cond_broadcast(&p.cv_space);
		pthread_mutex_unlock(&p.mu);
		scan_cli_progress(s, st);
	}
	pthread_mutex_lock(&p.mu);
	set_stop(&p);
	pthread_cond_broadcast(&p.cv_space);
	pthread_mutex_unlock(&p.mu);
	for (unsigned i = 0; i < jobs; i++)
		if (w[i].started)
			pthread_join(w[i].th, NULL);
	/* end of input: the stages are stateless, but give them their call;
	 * whatever they raise goes out after every file's alerts */
	pfile tail = {0};
	for (unsigned i = 0; i < jobs; i++) {
		w[i].cur = &tail;
		for (size_t k = 0; k < w[i].n && rc == 0; k++) {
			spoor_diag d = SPOOR_DIAG_INIT;
			int r = spoor_stage_finish(w[i].st[k], w_finding, &w[i], &d);
			if (r < 0) {
				fprintf(stderr, "spoor hunt: %s: %s\n", spoor_stage_name(w[i].st[k]),
					d.msg[0] ? d.msg : spoor_strerror(r));
				rc = EXIT_FAIL;
			}
		}
	}
	if (rc == 0 && replay(&p, &tail) < 0) {
		fprintf(stderr, "spoor hunt: cannot write alerts: %s\n", strerror(errno));
		rc = EXIT_FAIL;
	}
	spool_free(&tail);
	for (unsigned i = 0; i < jobs; i++) {
		for (size_t k = 0; k < w[i].n; k++) {
			const char *sum = s->verbose ? spoor_stage_summary(w[i].st[k]) : "";
			if (sum[0])
				fprintf(stderr, "spoor hunt: %s (worker %u): %s\n", spoor_stage_name(w[i].st[k]), i + 1,
					sum);
			spoor_stage_free(w[i].st[k]);
		}
		spoor_ctx_free(w[i].ctx);
		free(w[i].jb);
	}
	for (size_t i = 0; i < p.nf; i++)
		spool_free(&p.f[i]);
	free(p.f);
	free(w);
	pthread_mutex_destroy(&p.mu);
	pthread_mutex_destroy(&p.attr_mu);
	pthread_cond_destroy(&p.cv_done);
	pthread_cond_destroy(&p.cv_space);
	return rc;
}
