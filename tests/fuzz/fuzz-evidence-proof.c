/* fuzz-evidence-proof — proof verification from untrusted bytes: a C2SP
 * tlog-proof (tlog_proof_parse + spoor_evidence_check_proof with a fixed
 * log key), a tlog-witness add-checkpoint request (spoor_evidence_witness
 * with a test witness key and a scratch state file), and raw
 * tlog_verify_inclusion / tlog_verify_consistency over sizes, indices and
 * hashes taken from the input.  Checks: parsed proofs stay within
 * TLOG_MAX_PROOF hashes; a verifying consistency proof with equal sizes
 * has equal roots.  Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evidence/evidence.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char LOGKEY[] = "example.com/test-log+947c3b24+AZykpt/wtdTkC5gtD/BJULFrd0D3vGDh3CogEXWY2otg";
/* the staged TEST witness key (shared/data/tlog/generated/witness.skey) */
static const char WITSKEY[] =
    "PRIVATE+KEY+example.com/test-witness+433c71c5+BKEoUvM8g3tDBTxSwSFQrIXA3elBWR0O6g1WQg8ajxE6";

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tlog_proof tp;
	spoor_diag d = SPOOR_DIAG_INIT;
	const char *p = (const char *)data;
	if (tlog_proof_parse(&tp, p, size, &d) == 0)
		CHECK(tp.n <= TLOG_MAX_PROOF && tp.note.p + tp.note.n == p + size);
	uint64_t idx;
	(void)spoor_evidence_check_proof(p, size, LOGKEY, NULL, 0, 0, NULL, 0, &idx, &d);
	if (size >= 5 && !memcmp(p, "old ", 4)) {
		char state[64];
		snprintf(state, sizeof(state), "/tmp/fuzz-evidence-proof-%d", (int)getpid());
		char *out = NULL;
		size_t on;
		if (spoor_evidence_witness(p, size, LOGKEY, WITSKEY, state, &out, &on, &d) == 0)
			CHECK(out && on > 4);
		free(out);
		unlink(state);
		char lk[80];
		snprintf(lk, sizeof(lk), "%s.lock", state);
		unlink(lk);
	}
	/* raw verification: 8-byte m, 8-byte n, 32-byte roots/leaf, then hashes */
	if (size >= 16 + 64) {
		uint64_t m = get64(data), n = get64(data + 8);
		const uint8_t *r1 = data + 16, *r2 = data + 48;
		size_t nh = (size - 80) / 32;
		if (nh > TLOG_MAX_PROOF + 2)
			nh = TLOG_MAX_PROOF + 2;
		const uint8_t(*h)[32] = (const uint8_t(*)[32])(data + 80);
		bool c = tlog_verify_consistency(m, n, r1, r2, h, nh);
		if (c && m == n)
			CHECK(memcmp(r1, r2, 32) == 0 && nh == 0);
		(void)tlog_verify_inclusion(m, n, r1, h, nh, r2);
	}
	return 0;
}
