/* gen-jsonl — a large JSON-lines benchmark file from real records.
 *
 *   gen-jsonl TEMPLATES BYTES > OUT
 *
 * TEMPLATES holds real records, one compact JSON object per line.  Each is
 * compiled once into literal segments and "holes"; output lines cycle
 * through the templates in a shuffled order and fill the holes with fresh
 * values, so the file is not one line over and over:
 *   - timestamps "YYYY-MM-DD[T ]HH:MM:SS" -> a clock that advances per line
 *     (the fraction digits that follow are varied too);
 *   - dotted IPv4 addresses -> random private/public addresses;
 *   - string values of keys naming a user or account -> one of 4096 names;
 *   - every other run of digits inside strings or numbers (record ids,
 *     pids, ports, GUID-like hex is left as is) -> random digits of the
 *     same length, the first one non-zero when it was.
 * Values keep their length class, so the file stays valid JSON and the mix
 * of escapes, nesting and field counts stays that of the real records.
 * Deterministic (fixed seed).  Writes at several hundred MB/s. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum hole { H_LIT = 0, H_DIGITS, H_DIGITS_NZ, H_TIME, H_IPV4, H_USER };

typedef struct seg {
	enum hole kind;
	size_t off, len; /* literal bytes in the template text, or hole width */
	char sep;        /* H_TIME: 'T' or ' ' */
} seg;

typedef struct tmpl {
	char *text;
	seg *s;
	size_t n, cap;
} tmpl;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static inline uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void push(tmpl *t, enum hole k, size_t off, size_t len, char sep)
{
	if (len == 0)
		return;
	if (k == H_LIT && t->n && t->s[t->n - 1].kind == H_LIT && t->s[t->n - 1].off + t->s[t->n - 1].len == off) {
		t->s[t->n - 1].len += len;
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->s = realloc(t->s, t->cap * sizeof(*t->s));
		if (!t->s) {
			perror("gen-jsonl");
			exit(1);
		}
	}
	t->s[t->n++] = (seg){k, off, len, sep};
}

static bool isd(char c)
{
	return c >= '0' && c <= '9';
}

/* "YYYY-MM-DD?HH:MM:SS" at p (19 bytes)? */
static bool is_time(const char *p, size_t avail)
{
	if (avail < 19)
		return false;
	static const char pat[] = "dddd-dd-dd?dd:dd:dd";
	for (int i = 0; i < 19; i++) {
		if (pat[i] == 'd' && !isd(p[i]))
			return false;
		if (pat[i] == '-' && p[i] != '-')
			return false;
		if (pat[i] == ':' && p[i] != ':')
			return false;
		if (pat[i] == '?' && p[i] != 'T' && p[i] != ' ')
			return false;
	}
	return true;
}

/* A dotted quad at p; returns its length or 0. */
static size_t ipv4_len(const char *p, size_t avail)
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t d = 0;
		while (i < avail && isd(p[i]) && d < 4) {
			i++;
			d++;
		}
		if (d == 0 || d > 3)
			return 0;
		if (part < 3) {
			if (i >= avail || p[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < avail && (isd(p[i]) || p[i] == '.'))
		return 0;
	return i;
}

static bool user_key(const char *k, size_t n)
{
	static const char *const pats[] = {"user", "User", "USER", "Account", "account"};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		size_t m = strlen(pats[i]);
		for (size_t j = 0; j + m <= n; j++)
			if (!memcmp(k + j, pats[i], m))
				return true;
	}
	return false;
}

static void compile(tmpl *t)
{
	const char *p = t->text;
	size_t n = strlen(p), i = 0, lit = 0;
	bool in_str = false;
	const char *last_key = NULL;
	size_t last_key_n = 0;
	bool prev_char_digit = false; /* the byte before i is alnum: no hole here */
	while (i < n) {
		char c = p[i];
		if (in_str) {
			if (c == '\\') {
				i += 2;
				prev_char_digit = true;
				continue;
			}
			if (c == '"') {
				in_str = false;
				i++;
				prev_char_digit = false;
				continue;
			}
		} else if (c == '"') {
			/* Find the string's end; a key (followed by ':') stays as is. */
			size_t e = i + 1;
			bool esc = false;
			while (e < n && p[e] != '"') {
				if (p[e] == '\\') {
					e++;
					esc = true;
				}
				e++;
			}
			size_t k = e + 1;
			while (k < n && p[k] == ' ')
				k++;
			if (k < n && p[k] == ':') {
				last_key = p + i + 1;
				last_key_n = e - i - 1;
				i = e + 1;
				prev_char_digit = false;
				continue;
			}
			/* A user name value: a plain short string under a user key. */
			if (last_key && user_key(last_key, last_key_n) && !esc && e < n && e - i - 1 >= 2 && e - i - 1 <= 32) {
				push(t, H_LIT, lit, i + 1 - lit, 0);
				push(t, H_USER, 0, 1, 0);
				lit = e;
				i = e + 1;
				last_key = NULL;
				continue;
			}
			last_key = NULL;
			in_str = true;
			i++;
			prev_char_digit = false;
			continue;
		}
		if (isd(c) && !prev_char_digit) {
			size_t tl = 0;
			if (in_str && is_time(p + i, n - i)) {
				push(t, H_LIT, lit, i - lit, 0);
				push(t, H_TIME, 0, 19, p[i + 10]);
				i += 19;
				lit = i;
				/* fraction digits: varied as digits */
				if (i + 1 < n && p[i] == '.' && isd(p[i + 1])) {
					size_t d = i + 1;
					while (d < n && isd(p[d]))
						d++;
					push(t, H_LIT, lit, 1, 0);
					push(t, H_DIGITS, 0, d - i - 1, 0);
					i = d;
					lit = i;
				}
				prev_char_digit = false;
				continue;
			}
			if ((tl = ipv4_len(p + i, n - i)) >= 7) {
				push(t, H_LIT, lit, i - lit, 0);
				push(t, H_IPV4, 0, 1, 0);
				i += tl;
				lit = i;
				prev_char_digit = false;
				continue;
			}
			size_t d = i;
			while (d < n && isd(p[d]))
				d++;
			/* Not inside hex words (GUIDs, hashes): the next byte must not
			 * be a letter. */
			if (d < n && isalpha((unsigned char)p[d])) {
				i = d;
				prev_char_digit = true;
				continue;
			}
			push(t, H_LIT, lit, i - lit, 0);
			push(t, p[i] == '0' ? H_DIGITS : H_DIGITS_NZ, 0, d - i, 0);
			if (p[i] == '0' && d - i == 1)
				t->s[t->n - 1].kind = H_LIT, t->s[t->n - 1].off = i; /* a lone 0 stays */
			i = d;
			lit = i;
			prev_char_digit = false;
			continue;
		}
		prev_char_digit = isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
		i++;
	}
	push(t, H_LIT, lit, n - lit, 0);
}

static char names[4096][16];

static void make_names(void)
{
	static const char *const first[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
					    "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"};
	for (int i = 0; i < 4096; i++)
		snprintf(names[i], sizeof(names[i]), "%s%d", first[i % 16], i / 16);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen-jsonl TEMPLATES BYTES > OUT\n");
		return 2;
	}
	unsigned long long target = strtoull(argv[2], NULL, 10);
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	tmpl *tv = NULL;
	size_t nt = 0, ct = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t ll;
	while ((ll = getline(&line, &lcap, f)) > 0) {
		while (ll > 0 && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
			line[--ll] = 0;
		if (ll < 2 || line[0] != '{')
			continue;
		if (nt == ct) {
			ct = ct ? ct * 2 : 1024;
			tv = realloc(tv, ct * sizeof(*tv));
			if (!tv)
				return 1;
		}
		tv[nt] = (tmpl){strdup(line), NULL, 0, 0};
		compile(&tv[nt]);
		nt++;
	}
	free(line);
	fclose(f);
	if (!nt) {
		fprintf(stderr, "gen-jsonl: no templates\n");
		return 1;
	}
	make_names();
	/* A shuffled order of templates, reshuffled every pass. */
	size_t *order = malloc(nt * sizeof(*order));
	for (size_t i = 0; i < nt; i++)
		order[i] = i;
	static char out[1 << 20];
	size_t on = 0;
	unsigned long long written = 0, lines = 0;
	int64_t clock = 1704067200; /* 2024-01-01 */
	while (written < target) {
		for (size_t i = nt - 1; i > 0; i--) {
			size_t j = rnd() % (i + 1), x = order[i];
			order[i] = order[j];
			order[j] = x;
		}
		for (size_t k = 0; k < nt && written < target; k++) {
			tmpl *t = &tv[order[k]];
			clock += (int64_t)(rnd() % 3);
			for (size_t s = 0; s < t->n; s++) {
				const seg *g = &t->s[s];
				if (on + 4096 > sizeof(out)) {
					fwrite(out, 1, on, stdout);
					written += on;
					on = 0;
				}
				switch (g->kind) {
				case H_LIT:
					if (g->len > sizeof(out) - on) {
						fwrite(out, 1, on, stdout);
						written += on;
						on = 0;
						fwrite(t->text + g->off, 1, g->len, stdout);
						written += g->len;
					} else {
						memcpy(out + on, t->text + g->off, g->len);
						on += g->len;
					}
					break;
				case H_DIGITS:
				case H_DIGITS_NZ: {
					uint64_t r = rnd();
					for (size_t d = 0; d < g->len; d++) {
						if (d % 16 == 15)
							r = rnd();
						out[on++] = (char)('0' + (r % 10));
						r /= 10;
					}
					if (g->kind == H_DIGITS_NZ && out[on - g->len] == '0')
						out[on - g->len] = (char)('1' + rnd() % 9);
					break;
				}
				case H_TIME: {
					int64_t z = clock / 86400, sec = clock % 86400;
					/* civil_from_days */
					z += 719468;
					int64_t era = z / 146097;
					unsigned doe = (unsigned)(z - era * 146097);
					unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
					unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
					unsigned mp = (5 * doy + 2) / 153;
					unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
					int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
					on += (size_t)snprintf(out + on, 24, "%04d-%02u-%02u%c%02d:%02d:%02d", (int)y, m, d, g->sep,
							       (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
					break;
				}
				case H_IPV4: {
					uint64_t r = rnd();
					if (r & 1)
						on += (size_t)snprintf(out + on, 16, "10.%u.%u.%u", (unsigned)(r >> 8) & 255,
								       (unsigned)(r >> 16) & 255, 1 + (unsigned)(r >> 24) % 254);
					else
						on += (size_t)snprintf(out + on, 16, "%u.%u.%u.%u", 11 + (unsigned)(r >> 8) % 200,
								       (unsigned)(r >> 16) & 255, (unsigned)(r >> 24) & 255,
								       1 + (unsigned)(r >> 32) % 254);
					break;
				}
				case H_USER: {
					const char *nm = names[rnd() % 4096];
					size_t l = strlen(nm);
					memcpy(out + on, nm, l);
					on += l;
					break;
				}
				}
			}
			out[on++] = '\n';
			lines++;
		}
	}
	fwrite(out, 1, on, stdout);
	written += on;
	if (fflush(stdout) != 0) {
		perror("gen-jsonl");
		return 1;
	}
	fprintf(stderr, "gen-jsonl: %llu bytes, %llu lines from %zu templates\n", written, lines, nt);
	for (size_t i = 0; i < nt; i++) {
		free(tv[i].text);
		free(tv[i].s);
	}
	free(tv);
	free(order);
	return 0;
}
