/* spoor evidence — the evidence store: init, add, verify, prove,
 * check-proof, show, witnessing (docs/evidence.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "spoor/evidence.h"

static void help(FILE *f)
{
	fprintf(f, "usage: spoor evidence SUBCOMMAND [OPTIONS]\n\n"
		   "An append-only, signed Merkle log of every raw record spoor reads (RFC 6962 tree,\n"
		   "C2SP tlog-tiles layout, signed-note checkpoints, tlog-cosignature witnesses).\n\n"
		   "Subcommands:\n"
		   "  init DIR [--key-name NAME]       create a store with a new Ed25519 key\n"
		   "  add DIR PATH...                  append every record of PATH... (one leaf each)\n"
		   "  verify DIR [--key VKEY] [--witness VKEY]... [--quorum N] [--trusted FILE]...\n"
		   "                                   recompute the store and check every checkpoint\n"
		   "  prove DIR --leaf N               C2SP tlog-proof of leaf N (latest checkpoint)\n"
		   "  check-proof --key VKEY [--witness VKEY]... [--quorum N] FILE\n"
		   "                                   verify a tlog-proof offline\n"
		   "  show DIR --leaf N [--raw]        a leaf's origin and record\n"
		   "  witness-request DIR [--old N]    tlog-witness add-checkpoint body for the latest\n"
		   "                                   checkpoint, with a consistency proof from N\n"
		   "  witness --key SKEY --log VKEY --state FILE [REQUEST]\n"
		   "                                   act as a witness: check, cosign, print the line\n"
		   "  cosign DIR [--size N] [FILE]     attach cosignature lines to a stored checkpoint\n\n"
		   "`spoor evidence SUBCOMMAND --help` tells more.\n");
}

static void help_init(FILE *f)
{
	fprintf(f, "usage: spoor evidence init DIR [--key-name NAME]\n\n"
		   "Create an evidence store in DIR (created, or empty): an Ed25519 signing key\n"
		   "(DIR/key, owner-only; keep a copy of DIR/vkey elsewhere to verify later),\n"
		   "origin = key name (default spoor/<hostname>), and a checkpoint of the empty tree.\n");
}

static void help_add(FILE *f)
{
	fprintf(f,
		"usage: spoor evidence add DIR [OPTIONS] PATH...\n\n"
		"Append every record of PATH... (any format spoor reads; files in no known format\n"
		"are skipped) to the store: the exact bytes, path, offset, line or record id,\n"
		"format and ingest time are one leaf.  Records the scanner rejects (malformed, over\n"
		"a limit) are leaves too, flagged rejected.  Signs checkpoints at the intervals and at\n"
		"the end, and updates DIR/sources (first record and length of every file) like\n"
		"`spoor hunt --evidence`: a file truncated or replaced since the last run over the\n"
		"store is printed as an alert (JSON line, covered-tracks) on stdout.\n\n"
		"Evidence options:\n"
		"      --checkpoint-records N   checkpoint after N new records (default 100000, 0 = off)\n"
		"      --checkpoint-seconds S   checkpoint after S seconds (default 10, 0 = off)\n"
		"      --zstd-level L           bundle compression: zstd level 1..19, or 0 (default):\n"
		"                               level 1 with raw literals, faster to verify\n\n%s",
		scan_cli_help);
}

static int usage_err(const char *sub, const char *msg)
{
	fprintf(stderr, "spoor evidence %s: %s (see spoor evidence %s --help)\n", sub, msg, sub);
	return EXIT_USAGE;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *e;
	errno = 0;
	if (!s || !*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno || *e)
		return false;
	*out = v;
	return true;
}

/* A key given as text or as a file holding it. */
static char *key_arg(const char *v)
{
	FILE *f = strchr(v, '+') ? NULL : fopen(v, "r");
	if (!f)
		return strdup(v);
	char line[4096];
	char *r = fgets(line, sizeof(line), f) ? strdup(line) : NULL;
	fclose(f);
	if (r)
		r[strcspn(r, "\r\n")] = 0;
	return r;
}

static char *read_all(const char *path, size_t *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *p = malloc(cap);
	while (p) {
		size_t r = fread(p + len, 1, cap - len, f);
		len += r;
		if (len < cap)
			break;
		if (cap >= (256u << 20)) {
			free(p);
			p = NULL;
			break;
		}
		char *q = realloc(p, cap * 2);
		if (!q) {
			free(p);
			p = NULL;
			break;
		}
		p = q;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	*n = len;
	return p;
}

static int ev_init(int argc, char **argv)
{
	const char *dir = NULL, *name = NULL;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			help_init(stdout);
			return EXIT_OK;
		} else if ((v = cli_value("evidence init", argc, argv, &i, NULL, "--key-name", &missing))) {
			name = v;
		} else if (missing) {
			return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return usage_err("init", "unknown option");
		} else if (!dir) {
			dir = argv[i];
		} else {
			return usage_err("init", "one DIR only");
		}
	}
	if (!dir)
		return usage_err("init", "give DIR");
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_evidence_init(dir, name, &d) < 0) {
		fprintf(stderr, "spoor evidence init: %s\n", d.msg);
		return d.code == SPOOR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	char p[4200];
	snprintf(p, sizeof(p), "%s/vkey", dir);
	FILE *f = fopen(p, "r");
	char line[1024] = "";
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	printf("%s", line);
	fprintf(stderr,
		"spoor evidence init: store created in %s; verifier key above (also in %s/vkey): keep a copy "
		"elsewhere\n",
		dir, dir);
	return EXIT_OK;
}

typedef struct add_opts {
	spoor_evidence_options eo;
} add_opts;

static int add_option(void *u, int argc, char **argv, int *i)
{
	add_opts *o = u;
	bool missing = false;
	const char *v;
	uint64_t n;
	if ((v = cli_value("evidence add", argc, argv, i, NULL, "--checkpoint-records", &missing))) {
		if (!parse_u64(v, &n))
			return usage_err("add", "--checkpoint-records: not a number"), -1;
		o->eo.checkpoint_records = n;
	} else if (!missing && (v = cli_value("evidence add", argc, argv, i, NULL, "--checkpoint-seconds", &missing))) {
		char *e;
		o->eo.checkpoint_seconds = strtod(v, &e);
		if (*e || o->eo.checkpoint_seconds < 0)
			return usage_err("add", "--checkpoint-seconds: not a number"), -1;
	} else if (!missing && (v = cli_value("evidence add", argc, argv, i, NULL, "--zstd-level", &missing))) {
		if (!parse_u64(v, &n) || n > 19)
			return usage_err("add", "--zstd-level: 0..19"), -1;
		o->eo.zstd_level = (int)n;
	} else {
		return missing ? -1 : 0;
	}
	return 1;
}

/* add runs the same evidence stage as `hunt --evidence`: rejected records
 * become flagged leaves and DIR/sources is kept (with its truncated /
 * replaced file alerts, printed as JSON lines on stdout). */
typedef struct add_run {
	spoor_stage *st;
	spoor_diag d;
	bool rej_failed;
	uint64_t alerts;
} add_run;

static int add_finding(const spoor_finding *f, void *u)
{
	add_run *r = u;
	r->alerts++;
	if (fwrite(f->json.p, 1, f->json.n, stdout) != f->json.n)
		return SPOOR_EIO;
	return 0;
}

static int add_one(spoor_event *ev, void *u)
{
	add_run *r = u;
	if (r->rej_failed) {
		fprintf(stderr, "spoor evidence add: a rejected record: %s\n", r->d.msg);
		return -EXIT_FAIL;
	}
	int rc = spoor_stage_event(r->st, ev, add_finding, r);
	if (rc < 0) {
		fprintf(stderr, "spoor evidence add: %s\n", spoor_strerror(rc));
		return -EXIT_FAIL;
	}
	return 0;
}

static void add_rejected(const spoor_rejected *rej, const spoor_diag *why, void *u)
{
	(void)why;
	add_run *r = u;
	if (r->st && !r->rej_failed && spoor_evidence_stage_rejected(r->st, rej, &r->d) < 0)
		r->rej_failed = true;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ev_add(int argc, char **argv)
{
	scan_cli s;
	scan_cli_init(&s);
	add_opts o;
	spoor_evidence_options def = SPOOR_EVIDENCE_OPTIONS_INIT;
	o.eo = def;
	int rc = scan_cli_args(&s, "evidence add", argc, argv, help_add, add_option, &o);
	if (rc >= 0) {
		scan_cli_done(&s);
		return rc;
	}
	if (s.npaths < 2) {
		scan_cli_done(&s);
		return usage_err("add", "give DIR and at least one PATH");
	}
	const char *dir = s.paths[0];
	memmove(s.paths, s.paths + 1, (size_t)s.npaths * sizeof(char *));
	s.npaths--;
	add_run r = {NULL, SPOOR_DIAG_INIT, false, 0};
	double t0 = mono();
	if (spoor_evidence_stage_new(&r.st, dir, &o.eo, &r.d) < 0) {
		fprintf(stderr, "spoor evidence add: %s\n", r.d.msg);
		scan_cli_done(&s);
		return EXIT_FAIL;
	}
	uint64_t first = spoor_evidence_size(spoor_evidence_stage_store(r.st));
	spoor_ctx *ctx = NULL;
	spoor_scanner *sc = NULL;
	s.scan_opts.on_rejected = add_rejected;
	s.scan_opts.rejected_payload = &r;
	rc = scan_cli_open(&s, &ctx, &sc);
	if (rc == 0)
		rc = scan_cli_each(&s, sc, "evidence add", add_one, &r);
	if (rc == 0 && r.rej_failed) {
		fprintf(stderr, "spoor evidence add: a rejected record: %s\n", r.d.msg);
		rc = EXIT_FAIL;
	}
	uint64_t size = spoor_evidence_size(spoor_evidence_stage_store(r.st));
	uint64_t rejected = spoor_evidence_stage_rejected_count(r.st);
	r.d = (spoor_diag)SPOOR_DIAG_INIT;
	/* the final checkpoint, then DIR/sources (and its alerts) */
	if (spoor_stage_finish(r.st, add_finding, &r, &r.d) < 0) {
		fprintf(stderr, "spoor evidence add: final checkpoint: %s\n", r.d.msg);
		rc = EXIT_FAIL;
	}
	fflush(stdout);
	spoor_stage_free(r.st);
	if (sc) {
		spoor_scan_stats st;
		spoor_scanner_stats(sc, &st);
		double dt = mono() - t0;
		if (!s.quiet)
			fprintf(stderr,
				"spoor evidence add: %" PRIu64 " records appended (leaves %" PRIu64 "-%" PRIu64
				"; %" PRIu64 " of them rejected by the scanner, kept flagged), tree size %" PRIu64
				", %.2f s, %.0f records/s, %.1f MB/s\n",
				size - first, first, size ? size - 1 : 0, rejected, size, dt,
				dt > 0 ? (double)(size - first) / dt : 0, dt > 0 ? (double)st.bytes / dt / 1e6 : 0);
		rc = scan_cli_finish(&s, sc, rc);
	}
	spoor_scanner_free(sc);
	spoor_ctx_free(ctx);
	scan_cli_done(&s);
	return rc;
}

typedef struct strv {
	const char *v[64];
	size_t n;
} strv;

static void on_problem(spoor_evidence_problem p, const char *msg, void *payload)
{
	(void)payload;
	fprintf(stderr, "spoor evidence verify: %s: %s\n",
		p == SPOOR_EVP_NOTE ? "note" : spoor_evidence_problem_name(p), msg);
}

static void free_keys(strv *w)
{
	for (size_t i = 0; i < w->n; i++)
		free((char *)w->v[i]);
	w->n = 0;
}

static int ev_verify(int argc, char **argv)
{
	const char *dir = NULL;
	char *key = NULL;
	strv wit = {{0}, 0}, trusted = {{0}, 0};
	uint64_t quorum = 0;
	bool quorum_set = false;
	int rc = EXIT_OK;
	for (int i = 1; i < argc && rc == EXIT_OK; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf("usage: spoor evidence verify DIR [--key VKEY] [--witness VKEY]... [--quorum N] "
			       "[--trusted FILE]...\n\n"
			       "Recompute every leaf, tile and checkpoint of the store and report what is wrong:\n"
			       "changed-leaf, missing-leaf, reordered-leaves, truncated, rollback,\n"
			       "inconsistent-checkpoints (split view), bad-signature, quorum, tile, format.\n"
			       "VKEY is a verifier key (name+hash+key) or a file holding one; --key should come\n"
			       "from outside the store.  --trusted: checkpoints saved earlier (e.g. by a witness),\n"
			       "which the store must still contain.  Exit 0 when it verifies, 1 when not.\n");
			free(key);
			free_keys(&wit);
			return EXIT_OK;
		} else if ((v = cli_value("evidence verify", argc, argv, &i, NULL, "--key", &missing))) {
			free(key);
			key = key_arg(v);
		} else if (!missing &&
			   (v = cli_value("evidence verify", argc, argv, &i, NULL, "--witness", &missing))) {
			if (wit.n < 64)
				wit.v[wit.n++] = key_arg(v);
		} else if (!missing &&
			   (v = cli_value("evidence verify", argc, argv, &i, NULL, "--trusted", &missing))) {
			if (trusted.n < 64)
				trusted.v[trusted.n++] = v;
		} else if (!missing && (v = cli_value("evidence verify", argc, argv, &i, NULL, "--quorum", &missing))) {
			if (!parse_u64(v, &quorum))
				rc = usage_err("verify", "--quorum: not a number");
			quorum_set = true;
		} else if (missing) {
			rc = EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			rc = usage_err("verify", "unknown option");
		} else if (!dir) {
			dir = argv[i];
		} else {
			rc = usage_err("verify", "one DIR only");
		}
	}
	if (rc == EXIT_OK && !dir)
		rc = usage_err("verify", "give DIR");
	if (rc == EXIT_OK && quorum_set && !wit.n)
		rc = usage_err("verify", "--quorum needs --witness");
	if (rc != EXIT_OK) {
		free(key);
		free_keys(&wit);
		return rc;
	}
	if (wit.n && !quorum_set)
		quorum = wit.n;
	spoor_evidence_verify_options o = SPOOR_EVIDENCE_VERIFY_INIT;
	o.vkey = key;
	o.witness = wit.v;
	o.nwitness = wit.n;
	o.quorum = quorum;
	o.trusted = trusted.v;
	o.ntrusted = trusted.n;
	o.on_problem = on_problem;
	spoor_evidence_report rep;
	spoor_diag d = SPOOR_DIAG_INIT;
	double t0 = mono();
	int r = spoor_evidence_verify(dir, &o, &rep, &d);
	double dt = mono() - t0;
	if (r < 0) {
		fprintf(stderr, "spoor evidence verify: %s\n", d.msg);
		rc = EXIT_FAIL;
	} else {
		printf("%s: %" PRIu64 " leaves, %" PRIu64 " checkpoints%s", r ? "FAILED" : "OK", rep.leaves_read,
		       rep.checkpoints, "");
		if (wit.n)
			printf(", witnessed up to %" PRIu64, rep.witnessed);
		printf(", %.1f MB in %.2f s (%.0f MB/s)", (double)rep.bytes / 1e6, dt,
		       dt > 0 ? (double)rep.bytes / dt / 1e6 : 0);
		if (r)
			printf(", %d problems", r);
		printf("\n");
		rc = r ? EXIT_FAIL : EXIT_OK;
	}
	free(key);
	free_keys(&wit);
	return rc;
}

static int ev_prove(int argc, char **argv)
{
	const char *dir = NULL;
	uint64_t leaf = 0;
	bool have = false;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf(
			    "usage: spoor evidence prove DIR --leaf N\n\n"
			    "Print a C2SP tlog-proof (c2sp.org/tlog-proof@v1) of leaf N against the latest\n"
			    "checkpoint: its extra line is the leaf entry (base64), so the proof alone shows\n"
			    "the record and that the signed log holds it.  `spoor evidence check-proof` checks it.\n");
			return EXIT_OK;
		} else if ((v = cli_value("evidence prove", argc, argv, &i, NULL, "--leaf", &missing))) {
			if (!parse_u64(v, &leaf))
				return usage_err("prove", "--leaf: not a number");
			have = true;
		} else if (missing) {
			return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return usage_err("prove", "unknown option");
		} else {
			dir = argv[i];
		}
	}
	if (!dir || !have)
		return usage_err("prove", "give DIR and --leaf N");
	char *out;
	size_t n;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_evidence_prove(dir, leaf, &out, &n, &d) < 0) {
		fprintf(stderr, "spoor evidence prove: %s\n", d.msg);
		return d.code == SPOOR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	fwrite(out, 1, n, stdout);
	free(out);
	return EXIT_OK;
}

static int ev_check_proof(int argc, char **argv)
{
	const char *file = NULL, *leaf_file = NULL;
	char *key = NULL;
	strv wit = {{0}, 0};
	uint64_t quorum = 0;
	bool qset = false;
	int rc = EXIT_OK;
	for (int i = 1; i < argc && rc == EXIT_OK; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf("usage: spoor evidence check-proof --key VKEY [--witness VKEY]... [--quorum N] [--leaf "
			       "FILE] FILE\n\n"
			       "Verify a C2SP tlog-proof with only public keys: the log's signature, the witness\n"
			       "quorum, and the inclusion of the leaf in the checkpoint.  The leaf is the proof's\n"
			       "extra line (spoor writes the leaf entry there), or the bytes of --leaf FILE.\n");
			free(key);
			free_keys(&wit);
			return EXIT_OK;
		} else if ((v = cli_value("evidence check-proof", argc, argv, &i, NULL, "--key", &missing))) {
			free(key);
			key = key_arg(v);
		} else if (!missing &&
			   (v = cli_value("evidence check-proof", argc, argv, &i, NULL, "--witness", &missing))) {
			if (wit.n < 64)
				wit.v[wit.n++] = key_arg(v);
		} else if (!missing &&
			   (v = cli_value("evidence check-proof", argc, argv, &i, NULL, "--quorum", &missing))) {
			if (!parse_u64(v, &quorum))
				rc = usage_err("check-proof", "--quorum: not a number");
			qset = true;
		} else if (!missing &&
			   (v = cli_value("evidence check-proof", argc, argv, &i, NULL, "--leaf", &missing))) {
			leaf_file = v;
		} else if (missing) {
			rc = EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			rc = usage_err("check-proof", "unknown option");
		} else {
			file = argv[i];
		}
	}
	if (rc == EXIT_OK && (!file || !key))
		rc = usage_err("check-proof", "give --key VKEY and FILE");
	if (rc != EXIT_OK) {
		free(key);
		free_keys(&wit);
		return rc;
	}
	if (!qset)
		quorum = wit.n;
	size_t n;
	char *p = read_all(file, &n);
	if (!p) {
		fprintf(stderr, "spoor evidence check-proof: %s: %s\n", file, strerror(errno));
		free(key);
		free_keys(&wit);
		return EXIT_FAIL;
	}
	size_t ln = 0;
	char *leaf = leaf_file ? read_all(leaf_file, &ln) : NULL;
	if (leaf_file && !leaf) {
		fprintf(stderr, "spoor evidence check-proof: %s: %s\n", leaf_file, strerror(errno));
		free(p);
		free(key);
		free_keys(&wit);
		return EXIT_FAIL;
	}
	spoor_diag d = SPOOR_DIAG_INIT;
	uint64_t idx = 0;
	int cr = spoor_evidence_check_proof(p, n, key, wit.v, wit.n, quorum, leaf, ln, &idx, &d);
	free(leaf);
	if (cr < 0) {
		fprintf(stderr, "spoor evidence check-proof: %s\n", d.msg);
		rc = EXIT_FAIL;
	} else {
		printf("OK: leaf %" PRIu64 " is in the log signed by %s\n", idx, key);
	}
	free(p);
	free(key);
	free_keys(&wit);
	return rc;
}

static void json_print(FILE *f, const char *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static int ev_show(int argc, char **argv)
{
	const char *dir = NULL;
	uint64_t leaf = 0;
	bool have = false, raw = false;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf("usage: spoor evidence show DIR --leaf N [--raw]\n\n"
			       "Print leaf N after checking its inclusion proof: origin as a JSON line, or with\n"
			       "--raw the record's exact bytes.\n");
			return EXIT_OK;
		} else if ((v = cli_value("evidence show", argc, argv, &i, NULL, "--leaf", &missing))) {
			if (!parse_u64(v, &leaf))
				return usage_err("show", "--leaf: not a number");
			have = true;
		} else if (missing) {
			return EXIT_USAGE;
		} else if (!strcmp(argv[i], "--raw")) {
			raw = true;
		} else if (argv[i][0] == '-') {
			return usage_err("show", "unknown option");
		} else {
			dir = argv[i];
		}
	}
	if (!dir || !have)
		return usage_err("show", "give DIR and --leaf N");
	char *out;
	size_t n;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_evidence_prove(dir, leaf, &out, &n, &d) < 0) {
		fprintf(stderr, "spoor evidence show: %s\n", d.msg);
		return d.code == SPOOR_EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	spoor_evidence_leaf lf;
	int rc = spoor_evidence_proof_leaf(out, n, &lf);
	if (rc < 0) {
		fprintf(stderr, "spoor evidence show: leaf %" PRIu64 ": not a spoor leaf entry\n", leaf);
		free(out);
		return EXIT_FAIL;
	}
	if (raw && lf.blob) {
		/* the record is in DIR/blobs/<hex SHA-256>; the leaf holds its hash */
		char p[4400];
		int o = snprintf(p, sizeof(p), "%s/blobs/", dir);
		for (size_t i = 0; i < 32 && o > 0 && (size_t)o + 3 < sizeof(p); i++)
			o += snprintf(p + o, sizeof(p) - (size_t)o, "%02x", (unsigned char)lf.record.p[i]);
		size_t bn;
		char *b = read_all(p, &bn);
		if (!b) {
			fprintf(stderr, "spoor evidence show: %s: %s\n", p, strerror(errno));
			spoor_evidence_leaf_done(&lf);
			free(out);
			return EXIT_FAIL;
		}
		fwrite(b, 1, bn, stdout);
		free(b);
	} else if (raw) {
		fwrite(lf.record.p, 1, lf.record.n, stdout);
	} else {
		printf("{\"leaf\":%" PRIu64 ",\"ingest_ns\":%" PRId64 ",\"format\":\"%.*s\",\"path\":", leaf,
		       lf.ingest_ns, (int)lf.format.n, lf.format.p);
		json_print(stdout, lf.path.p, lf.path.n);
		printf(",\"offset\":%" PRIu64 ",\"line\":%" PRIu64 ",\"record_id\":%" PRIu64 ",\"bytes\":%zu%s",
		       lf.offset, lf.line, lf.record_id, lf.blob ? (size_t)lf.blob_len : lf.record.n,
		       lf.blob ? ",\"blob\":true" : "");
		if (lf.rejected)
			printf(",\"rejected\":true");
		printf("}\n");
	}
	spoor_evidence_leaf_done(&lf);
	free(out);
	return EXIT_OK;
}

static int ev_witness_request(int argc, char **argv)
{
	const char *dir = NULL;
	uint64_t old = 0;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf("usage: spoor evidence witness-request DIR [--old N]\n\n"
			       "Print the C2SP tlog-witness add-checkpoint body for the store's latest checkpoint:\n"
			       "\"old N\", the consistency proof from size N, a blank line, the checkpoint.\n"
			       "N is the size the witness cosigned last (0 the first time).\n");
			return EXIT_OK;
		} else if ((v = cli_value("evidence witness-request", argc, argv, &i, NULL, "--old", &missing))) {
			if (!parse_u64(v, &old))
				return usage_err("witness-request", "--old: not a number");
		} else if (missing) {
			return EXIT_USAGE;
		} else if (argv[i][0] == '-') {
			return usage_err("witness-request", "unknown option");
		} else {
			dir = argv[i];
		}
	}
	if (!dir)
		return usage_err("witness-request", "give DIR");
	char *out;
	size_t n;
	spoor_diag d = SPOOR_DIAG_INIT;
	if (spoor_evidence_witness_request(dir, old, &out, &n, &d) < 0) {
		fprintf(stderr, "spoor evidence witness-request: %s\n", d.msg);
		return EXIT_FAIL;
	}
	fwrite(out, 1, n, stdout);
	free(out);
	return EXIT_OK;
}

static int ev_witness(int argc, char **argv)
{
	const char *file = "-", *state = NULL;
	char *skey = NULL, *logkey = NULL;
	int rc = EXIT_OK;
	for (int i = 1; i < argc && rc == EXIT_OK; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf("usage: spoor evidence witness --key SKEY --log VKEY --state FILE [REQUEST]\n\n"
			       "Act as a C2SP witness for another log: read an add-checkpoint request (file or\n"
			       "standard input), check the log's signature and the consistency proof from the\n"
			       "checkpoint recorded in the state FILE, record the new one durably, and print\n"
			       "a cosignature/v1 line.  Refusals say why, with the tlog-witness status\n"
			       "(403 bad signature, 409 wrong old size, 422 inconsistent: rollback or split view).\n"
			       "SKEY: PRIVATE+KEY+name+id+key with type 0x04, or a file holding it.\n");
			free(skey);
			free(logkey);
			return EXIT_OK;
		} else if ((v = cli_value("evidence witness", argc, argv, &i, NULL, "--key", &missing))) {
			free(skey);
			skey = key_arg(v);
		} else if (!missing && (v = cli_value("evidence witness", argc, argv, &i, NULL, "--log", &missing))) {
			free(logkey);
			logkey = key_arg(v);
		} else if (!missing && (v = cli_value("evidence witness", argc, argv, &i, NULL, "--state", &missing))) {
			state = v;
		} else if (missing) {
			rc = EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			rc = usage_err("witness", "unknown option");
		} else {
			file = argv[i];
		}
	}
	if (rc == EXIT_OK && (!skey || !logkey || !state))
		rc = usage_err("witness", "give --key SKEY, --log VKEY and --state FILE");
	size_t n = 0;
	char *req = rc == EXIT_OK ? read_all(file, &n) : NULL;
	if (rc == EXIT_OK && !req) {
		fprintf(stderr, "spoor evidence witness: %s: %s\n", file, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK) {
		char *out;
		size_t on;
		spoor_diag d = SPOOR_DIAG_INIT;
		if (spoor_evidence_witness(req, n, logkey, skey, state, &out, &on, &d) < 0) {
			fprintf(stderr, "spoor evidence witness: %s\n", d.msg);
			rc = EXIT_FAIL;
		} else {
			fwrite(out, 1, on, stdout);
			free(out);
		}
	}
	free(req);
	if (skey)
		memset(skey, 0, strlen(skey));
	free(skey);
	free(logkey);
	return rc;
}

static int ev_cosign(int argc, char **argv)
{
	const char *dir = NULL, *file = "-";
	uint64_t size = UINT64_MAX;
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;
		if (is_help(argv[i])) {
			printf("usage: spoor evidence cosign DIR [--size N] [FILE]\n\n"
			       "Attach cosignature lines (from `spoor evidence witness` or any C2SP witness) to\n"
			       "the stored checkpoint of size N (default: the latest) and its history copy.\n");
			return EXIT_OK;
		} else if ((v = cli_value("evidence cosign", argc, argv, &i, NULL, "--size", &missing))) {
			if (!parse_u64(v, &size))
				return usage_err("cosign", "--size: not a number");
		} else if (missing) {
			return EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_err("cosign", "unknown option");
		} else if (!dir) {
			dir = argv[i];
		} else {
			file = argv[i];
		}
	}
	if (!dir)
		return usage_err("cosign", "give DIR");
	size_t n;
	char *p = read_all(file, &n);
	if (!p) {
		fprintf(stderr, "spoor evidence cosign: %s: %s\n", file, strerror(errno));
		return EXIT_FAIL;
	}
	spoor_diag d = SPOOR_DIAG_INIT;
	int rc = EXIT_OK;
	if (spoor_evidence_cosign(dir, size, p, n, &d) < 0) {
		fprintf(stderr, "spoor evidence cosign: %s\n", d.msg);
		rc = EXIT_FAIL;
	}
	free(p);
	return rc;
}

int cmd_evidence(int argc, char **argv)
{
	if (argc < 2) {
		help(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (is_help(sub)) {
		help(stdout);
		return EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
	    {"init", ev_init},
	    {"add", ev_add},
	    {"verify", ev_verify},
	    {"prove", ev_prove},
	    {"check-proof", ev_check_proof},
	    {"show", ev_show},
	    {"witness-request", ev_witness_request},
	    {"witness", ev_witness},
	    {"cosign", ev_cosign},
	};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(sub, subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "spoor evidence: '%s' is not a subcommand (see spoor evidence --help)\n", sub);
	return EXIT_USAGE;
}
