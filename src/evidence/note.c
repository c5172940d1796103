/* note — C2SP signed-note (c2sp.org/signed-note@v1.0.0) with Ed25519 keys
 * through OpenSSL 3 EVP, and the timestamped Ed25519 cosignatures of
 * c2sp.org/tlog-cosignature@v1.0.1 (signature type 0x04).
 *
 * Key text follows golang.org/x/mod/sumdb/note:
 *   vkey  <name>+<hex8 key ID>+<base64(type || 32-byte public key)>
 *   skey  PRIVATE+KEY+<name>+<hex8 key ID>+<base64(type || 32-byte seed)> */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA256_Init & co for the key ID */
#include <inttypes.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>

#include "evidence/evidence.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encode(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = B64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict: padded, length a multiple of 4, unused bits zero (canonical). */
long b64_decode(const char *p, size_t n, uint8_t *out, size_t cap)
{
	if (n % 4)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			if (p[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
			} else {
				if (pad)
					return -1;
				v[j] = b64_val(p[i + j]);
				if (v[j] < 0)
					return -1;
			}
		}
		if (pad == 1 && p[i + 2] == '=')
			return -1;
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t k = 3 - (size_t)pad;
		if (o + k > cap)
			return -1;
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return -1;
		out[o++] = (uint8_t)(w >> 16);
		if (k > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (k > 2)
			out[o++] = (uint8_t)w;
	}
	return (long)o;
}

bool note_name_valid(const char *p, size_t n)
{
	if (n == 0 || n > NOTE_MAX_NAME || !utf8_valid((const unsigned char *)p, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= 0x20 || c == 0x7f || c == '+')
			return false;
		/* Unicode spaces: U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000 */
		if (c == 0xc2 && i + 1 < n && ((unsigned char)p[i + 1] == 0x85 || (unsigned char)p[i + 1] == 0xa0))
			return false;
		if (c == 0xe1 && i + 2 < n && (unsigned char)p[i + 1] == 0x9a && (unsigned char)p[i + 2] == 0x80)
			return false;
		if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
		    (((unsigned char)p[i + 2] >= 0x80 && (unsigned char)p[i + 2] <= 0x8a) ||
		     (unsigned char)p[i + 2] == 0xa8 || (unsigned char)p[i + 2] == 0xa9 ||
		     (unsigned char)p[i + 2] == 0xaf))
			return false;
		if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x81 && (unsigned char)p[i + 2] == 0x9f)
			return false;
		if (c == 0xe3 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 && (unsigned char)p[i + 2] == 0x80)
			return false;
	}
	return true;
}

uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pub[32])
{
	SHA256_CTX c;
	uint8_t h[32];
	SHA256_Init(&c);
	SHA256_Update(&c, name, strlen(name));
	SHA256_Update(&c, "\n", 1);
	SHA256_Update(&c, &type, 1);
	SHA256_Update(&c, pub, 32);
	SHA256_Final(h, &c);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static int pub_from_seed(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t len = 32;
	int ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 && len == 32;
	EVP_PKEY_free(pk);
	return ok ? 0 : SPOOR_ERR;
}

static bool parse_hex8(const char *p, size_t n, uint32_t *out)
{
	if (n != 8)
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < 8; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

/* name+hex8+base64(type||32 bytes) */
static int parse_key3(note_key *k, const char *s, size_t n, uint8_t *out32, const char *what, spoor_diag *diag)
{
	const char *p1 = memchr(s, '+', n);
	if (!p1)
		return diag_set(diag, SPOOR_EPARSE, "malformed %s: no '+'", what);
	const char *p2 = memchr(p1 + 1, '+', n - (size_t)(p1 + 1 - s));
	if (!p2)
		return diag_set(diag, SPOOR_EPARSE, "malformed %s: expected name+id+key", what);
	size_t nl = (size_t)(p1 - s);
	if (!note_name_valid(s, nl))
		return diag_set(diag, SPOOR_EPARSE, "malformed %s: bad key name", what);
	memcpy(k->name, s, nl);
	k->name[nl] = 0;
	uint32_t id;
	if (!parse_hex8(p1 + 1, (size_t)(p2 - p1 - 1), &id))
		return diag_set(diag, SPOOR_EPARSE, "malformed %s: key ID is not 8 lowercase hex digits", what);
	uint8_t raw[40];
	long r = b64_decode(p2 + 1, n - (size_t)(p2 + 1 - s), raw, sizeof(raw));
	if (r != 33)
		return diag_set(diag, SPOOR_EPARSE, "malformed %s: key is not base64 of 33 bytes", what);
	if (raw[0] != NOTE_SIG_ED25519 && raw[0] != NOTE_SIG_COSIG)
		return diag_set(diag, SPOOR_EPARSE,
				"%s: unsupported signature type 0x%02x (spoor knows 0x01 "
				"Ed25519 and 0x04 Ed25519 cosignature)",
				what, raw[0]);
	k->type = raw[0];
	k->id = id;
	memcpy(out32, raw + 1, 32);
	return 0;
}

int note_key_parse_vkey(note_key *k, const char *s, size_t n, spoor_diag *diag)
{
	memset(k, 0, sizeof(*k));
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	int rc = parse_key3(k, s, n, k->pub, "verifier key", diag);
	if (rc < 0)
		return rc;
	if (note_key_id(k->name, k->type, k->pub) != k->id)
		return diag_set(diag, SPOOR_EPARSE, "verifier key %s: key ID %08" PRIx32 " does not match the key",
				k->name, k->id);
	return 0;
}

int note_key_parse_skey(note_key *k, const char *s, size_t n, spoor_diag *diag)
{
	memset(k, 0, sizeof(*k));
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (n < 12 || memcmp(s, "PRIVATE+KEY+", 12) != 0)
		return diag_set(diag, SPOOR_EPARSE, "malformed signer key: no PRIVATE+KEY+ prefix");
	int rc = parse_key3(k, s + 12, n - 12, k->seed, "signer key", diag);
	if (rc < 0)
		return rc;
	if (pub_from_seed(k->seed, k->pub) < 0)
		return diag_set(diag, SPOOR_ERR, "signer key %s: OpenSSL cannot derive the public key", k->name);
	k->has_priv = true;
	if (note_key_id(k->name, k->type, k->pub) != k->id)
		return diag_set(diag, SPOOR_EPARSE, "signer key %s: key ID %08" PRIx32 " does not match the key",
				k->name, k->id);
	return 0;
}

int note_key_generate(note_key *k, const char *name, uint8_t type, spoor_diag *diag)
{
	memset(k, 0, sizeof(*k));
	size_t nl = strlen(name);
	if (!note_name_valid(name, nl))
		return diag_set(diag, SPOOR_EINVAL, "key name '%s': must be non-empty, without spaces or '+'", name);
	memcpy(k->name, name, nl + 1);
	if (RAND_priv_bytes(k->seed, 32) != 1 || pub_from_seed(k->seed, k->pub) < 0)
		return diag_set(diag, SPOOR_ERR, "cannot generate an Ed25519 key (OpenSSL)");
	k->type = type;
	k->has_priv = true;
	k->id = note_key_id(k->name, type, k->pub);
	return 0;
}

static int format_key(const note_key *k, const uint8_t *key, buf *out)
{
	uint8_t raw[33];
	char b[64];
	raw[0] = k->type;
	memcpy(raw + 1, key, 32);
	b64_encode(raw, 33, b);
	return buf_printf(out, "%s+%08" PRIx32 "+%s", k->name, k->id, b);
}

int note_key_format_vkey(const note_key *k, buf *out)
{
	return format_key(k, k->pub, out);
}

int note_key_format_skey(const note_key *k, buf *out)
{
	int rc = buf_adds(out, "PRIVATE+KEY+");
	return rc < 0 ? rc : format_key(k, k->seed, out);
}

int note_ed25519_sign(const note_key *k, const void *msg, size_t n, uint8_t sig[64])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t sl = 64;
	int ok = pk && c && EVP_DigestSignInit(c, NULL, NULL, NULL, pk) == 1 &&
		 EVP_DigestSign(c, sig, &sl, msg, n) == 1 && sl == 64;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(pk);
	return ok ? 0 : SPOOR_ERR;
}

bool note_ed25519_verify(const uint8_t pub[32], const void *msg, size_t n, const uint8_t sig[64])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok =
	    pk && c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, pk) == 1 && EVP_DigestVerify(c, sig, 64, msg, n) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(pk);
	return ok;
}

int note_parse(note_parsed *np, const char *p, size_t n, spoor_diag *diag)
{
	np->text = sv_make(NULL, 0);
	np->nsig = 0;
	if (n > NOTE_MAX)
		return diag_set(diag, SPOOR_ELIMIT, "note of %zu bytes is over the limit of %u", n, NOTE_MAX);
	if (!utf8_valid((const unsigned char *)p, n))
		return diag_set(diag, SPOOR_EPARSE, "malformed note: not UTF-8");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return diag_set(diag, SPOOR_EPARSE, "malformed note: control character at byte %zu", i);
	}
	if (n == 0 || p[n - 1] != '\n')
		return diag_set(diag, SPOOR_EPARSE, "malformed note: does not end with a newline");
	/* the last "\n\n" separates the text from the signatures */
	size_t split = SIZE_MAX;
	for (size_t i = n - 1; i-- > 0;) {
		if (p[i] == '\n' && p[i + 1] == '\n') {
			split = i;
			break;
		}
	}
	if (split == SIZE_MAX)
		return diag_set(diag, SPOOR_EPARSE, "malformed note: no blank line before the signatures");
	np->text = sv_make(p, split + 1);
	size_t i = split + 2;
	if (i >= n)
		return diag_set(diag, SPOOR_EPARSE, "malformed note: no signature lines");
	while (i < n) {
		const char *e = memchr(p + i, '\n', n - i);
		size_t ll = (size_t)(e - (p + i));
		const char *l = p + i;
		if (ll < 5 || memcmp(l, "\xe2\x80\x94 ", 4) != 0)
			return diag_set(diag, SPOOR_EPARSE,
					"malformed note: signature line does not start with \"— \"");
		const char *sp = memchr(l + 4, ' ', ll - 4);
		if (!sp)
			return diag_set(diag, SPOOR_EPARSE, "malformed note: signature line without a signature");
		size_t nl = (size_t)(sp - (l + 4));
		if (!note_name_valid(l + 4, nl))
			return diag_set(diag, SPOOR_EPARSE, "malformed note: bad key name in a signature line");
		if (np->nsig == NOTE_MAX_SIGS)
			return diag_set(diag, SPOOR_ELIMIT, "note has more than %d signatures", NOTE_MAX_SIGS);
		note_sig *s = &np->sig[np->nsig];
		const char *b = sp + 1;
		size_t bl = ll - (size_t)(b - l);
		long r = b64_decode(b, bl, np->raw[np->nsig], sizeof(np->raw[0]));
		if (r < 5)
			return diag_set(diag, SPOOR_EPARSE,
					"malformed note: signature of %.*s is not base64 of at "
					"least 5 bytes",
					(int)nl, l + 4);
		const uint8_t *raw = np->raw[np->nsig];
		s->name = sv_make(l + 4, nl);
		s->id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
		s->sig = raw + 4;
		s->siglen = (size_t)r - 4;
		s->line = sv_make(l, ll + 1);
		np->nsig++;
		i += ll + 1;
	}
	return 0;
}

int note_sig_line(buf *out, const char *text, size_t n, const note_key *k, spoor_diag *diag)
{
	if (!k->has_priv || k->type != NOTE_SIG_ED25519)
		return diag_set(diag, SPOOR_EINVAL, "key %s cannot sign notes", k->name);
	uint8_t raw[68];
	raw[0] = (uint8_t)(k->id >> 24);
	raw[1] = (uint8_t)(k->id >> 16);
	raw[2] = (uint8_t)(k->id >> 8);
	raw[3] = (uint8_t)k->id;
	if (note_ed25519_sign(k, text, n, raw + 4) < 0)
		return diag_set(diag, SPOOR_ERR, "Ed25519 signing failed (OpenSSL)");
	char b[128];
	b64_encode(raw, sizeof(raw), b);
	int rc = buf_printf(out, "\xe2\x80\x94 %s %s\n", k->name, b);
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

int note_sign(buf *out, const char *text, size_t n, const note_key *k, spoor_diag *diag)
{
	if (n == 0 || text[n - 1] != '\n')
		return diag_set(diag, SPOOR_EINVAL, "note text must end with a newline");
	int rc = buf_add(out, text, n);
	if (rc == 0)
		rc = buf_addc(out, '\n');
	if (rc < 0)
		return diag_set(diag, rc, "out of memory");
	return note_sig_line(out, text, n, k, diag);
}

/* cosignature/v1 message: "cosignature/v1\ntime <t>\n" || text */
static bool cosig_verify(const note_key *k, const note_sig *s, spoor_sv text, uint64_t *ts)
{
	if (s->siglen != 8 + 64)
		return false;
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | s->sig[i];
	if (t > INT64_MAX)
		return false;
	char hdr[64];
	int hl = snprintf(hdr, sizeof(hdr), "cosignature/v1\ntime %" PRIu64 "\n", t);
	char *msg = xmalloc((size_t)hl + text.n);
	if (!msg)
		return false;
	memcpy(msg, hdr, (size_t)hl);
	memcpy(msg + hl, text.p, text.n);
	bool ok = note_ed25519_verify(k->pub, msg, (size_t)hl + text.n, s->sig + 8);
	free(msg);
	if (ok && ts)
		*ts = t;
	return ok;
}

int note_verify(const note_parsed *np, const note_key *keys, size_t nkeys, bool *verified, uint64_t *ts,
		spoor_diag *diag)
{
	int good = 0;
	for (size_t k = 0; k < nkeys; k++) {
		bool ok = false;
		for (size_t i = 0; i < np->nsig; i++) {
			const note_sig *s = &np->sig[i];
			if (s->id != keys[k].id || !sv_eq_cstr(s->name, keys[k].name))
				continue;
			bool v;
			if (keys[k].type == NOTE_SIG_COSIG)
				v = cosig_verify(&keys[k], s, np->text, ts ? &ts[k] : NULL);
			else
				v = s->siglen == 64 && note_ed25519_verify(keys[k].pub, np->text.p, np->text.n, s->sig);
			if (!v)
				return diag_set(diag, SPOOR_ECORRUPT, "bad signature by %s+%08" PRIx32, keys[k].name,
						keys[k].id);
			ok = true;
		}
		if (verified)
			verified[k] = ok;
		good += ok;
	}
	return good;
}
