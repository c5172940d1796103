/* fuzz-evidence-note — C2SP signed notes and checkpoints from untrusted
 * bytes: note_parse, checkpoint_parse, note_verify against a fixed Ed25519
 * key and a fixed cosignature key, and a verifier key parsed from the
 * first line.  Checks: a parsed note's text is a prefix of the input that
 * ends in "\n"; every signature line lies inside the input; a parsed
 * checkpoint re-serialises (origin, size, root) to a prefix of the text.
 * Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/evidence.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char LOGKEY[] = "example.com/test-log+947c3b24+AZykpt/wtdTkC5gtD/BJULFrd0D3vGDh3CogEXWY2otg";
static const char WITKEY[] = "example.com/test-witness+433c71c5+BBQEZPOO3jj3P/d5wJRf85xRFCKys4nW87rJvMpJDztv";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static note_parsed np;
	spoor_diag d = SPOOR_DIAG_INIT;
	const char *p = (const char *)data;
	note_key keys[2];
	if (note_key_parse_vkey(&keys[0], LOGKEY, strlen(LOGKEY), &d) < 0 ||
	    note_key_parse_vkey(&keys[1], WITKEY, strlen(WITKEY), &d) < 0)
		abort();
	/* the first line as a vkey and as an skey */
	const char *nl = memchr(p, '\n', size);
	size_t l1 = nl ? (size_t)(nl - p) : size;
	note_key k;
	if (note_key_parse_vkey(&k, p, l1, &d) == 0)
		CHECK(note_key_id(k.name, k.type, k.pub) == k.id);
	if (note_key_parse_skey(&k, p, l1, &d) == 0)
		CHECK(k.has_priv);
	if (note_parse(&np, p, size, &d) == 0) {
		CHECK(np.text.p == p && np.text.n <= size && np.text.n > 0 && np.text.p[np.text.n - 1] == '\n');
		for (size_t i = 0; i < np.nsig; i++)
			CHECK(np.sig[i].line.p >= p && np.sig[i].line.p + np.sig[i].line.n <= p + size);
		bool ok[2];
		uint64_t ts[2];
		int r = note_verify(&np, keys, 2, ok, ts, &d);
		CHECK(r >= -11 && r <= 2);
		checkpoint c;
		if (checkpoint_parse(&c, np.text.p, np.text.n, &d) == 0) {
			buf b;
			buf_init(&b, 0);
			char origin[512];
			if (c.origin.n < sizeof(origin)) {
				memcpy(origin, c.origin.p, c.origin.n);
				origin[c.origin.n] = 0;
				if (!memchr(origin, 0, c.origin.n) && checkpoint_text(&b, origin, c.size, c.root) == 0)
					CHECK(b.len <= np.text.n && memcmp(b.p, np.text.p, b.len) == 0);
			}
			buf_done(&b);
		}
	}
	return 0;
}
