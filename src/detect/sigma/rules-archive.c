/* rules-archive — the regular files of a .zip, .tar or .tar.gz rule
 * archive (SigmaHQ release zips, GitHub tarballs), read from memory.
 *
 * Only what rule sets use: ZIP with stored or deflated members (no
 * ZIP64, no encryption; CRC-32 checked), ustar/pax/GNU tar (long names
 * through pax `path=` and GNU 'L' records), gzip through zlib.  Names are
 * checked before the callback sees them (no absolute paths, no `..`, no
 * NUL or backslash, at most ARC_MAX_PATH bytes); a member that breaks a
 * rule or a limit stops the read with SPOOR_EPARSE / SPOOR_ELIMIT and a
 * message naming it. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "detect/sigma/rules-archive.h"

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int arc_name_ok(const char *p, size_t n)
{
	if (!n || n > ARC_MAX_PATH || p[0] == '/')
		return 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && p[j] != '/') {
			if (p[j] == 0 || p[j] == '\\')
				return 0;
			j++;
		}
		if ((j - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return 0;
		i = j + 1;
	}
	return 1;
}

int arc_kind(const char *data, size_t n)
{
	const unsigned char *u = (const unsigned char *)data;
	if (n >= 4 && u[0] == 'P' && u[1] == 'K' && u[2] == 3 && u[3] == 4)
		return ARC_ZIP;
	if (n >= 4 && u[0] == 'P' && u[1] == 'K' && u[2] == 5 && u[3] == 6)
		return ARC_ZIP; /* empty zip */
	if (n >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return ARC_TGZ;
	if (n >= 512 && !memcmp(data + 257, "ustar", 5))
		return ARC_TAR;
	return ARC_NONE;
}

/* ---- zip ---- */

static int inflate_raw(const unsigned char *src, size_t sn, unsigned char *dst, size_t dn)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK)
		return SPOOR_ENOMEM;
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)sn;
	z.next_out = dst;
	z.avail_out = (uInt)dn;
	int r = inflate(&z, Z_FINISH);
	size_t out = z.total_out;
	inflateEnd(&z);
	return r == Z_STREAM_END && out == dn ? 0 : SPOOR_EPARSE;
}

static int zip_each(const char *data, size_t n, arc_fn fn, void *payload, spoor_diag *diag)
{
	const unsigned char *u = (const unsigned char *)data;
	/* end of central directory: in the last 64 KiB + 22 bytes */
	if (n < 22)
		return diag_set(diag, SPOOR_EPARSE, "zip: too short");
	size_t lo = n > 65557 ? n - 65557 : 0, eocd = SIZE_MAX;
	for (size_t i = n - 22 + 1; i-- > lo;)
		if (u[i] == 'P' && u[i + 1] == 'K' && u[i + 2] == 5 && u[i + 3] == 6) {
			eocd = i;
			break;
		}
	if (eocd == SIZE_MAX)
		return diag_set(diag, SPOOR_EPARSE, "zip: no end of central directory");
	uint32_t count = le16(u + eocd + 10), cdsize = le32(u + eocd + 12), cdoff = le32(u + eocd + 16);
	if (count == 0xffff || cdoff == 0xffffffffu)
		return diag_set(diag, SPOOR_EPARSE, "zip: ZIP64 archives are not supported");
	if ((uint64_t)cdoff + cdsize > eocd)
		return diag_set(diag, SPOOR_ECORRUPT, "zip: central directory out of bounds");
	if (count > ARC_MAX_MEMBERS)
		return diag_set(diag, SPOOR_ELIMIT, "zip: more than %u members", ARC_MAX_MEMBERS);
	size_t p = cdoff;
	uint64_t total = 0;
	for (uint32_t k = 0; k < count; k++) {
		if (p + 46 > (size_t)cdoff + cdsize || le32(u + p) != 0x02014b50)
			return diag_set(diag, SPOOR_ECORRUPT, "zip: bad central directory entry %u", k);
		uint32_t flags = le16(u + p + 8), method = le16(u + p + 10), crc = le32(u + p + 16);
		uint32_t csize = le32(u + p + 20), usize = le32(u + p + 24);
		uint32_t nlen = le16(u + p + 28), xlen = le16(u + p + 30), clen = le16(u + p + 32);
		uint32_t loff = le32(u + p + 42);
		uint32_t ext_attr = le32(u + p + 38);
		if (p + 46 + nlen > (size_t)cdoff + cdsize)
			return diag_set(diag, SPOOR_ECORRUPT, "zip: name of entry %u out of bounds", k);
		const char *name = data + p + 46;
		p += 46 + (size_t)nlen + xlen + clen;
		if (nlen && name[nlen - 1] == '/')
			continue; /* a directory */
		/* symbolic links (Unix mode in the high half) are not files */
		if (((ext_attr >> 16) & 0170000) == 0120000)
			continue;
		if (!arc_name_ok(name, nlen))
			return diag_set(diag, SPOOR_EPARSE, "zip: unsafe member name '%.*s'",
					(int)(nlen > 200 ? 200 : nlen), name);
		if (flags & 1)
			return diag_set(diag, SPOOR_EPARSE, "zip: '%.*s' is encrypted", (int)nlen, name);
		if (csize == 0xffffffffu || usize == 0xffffffffu)
			return diag_set(diag, SPOOR_EPARSE, "zip: ZIP64 archives are not supported");
		if (method != 0 && method != 8)
			return diag_set(diag, SPOOR_EPARSE, "zip: '%.*s' uses compression method %u", (int)nlen, name,
					method);
		if (usize > ARC_MAX_FILE) {
			/* not a rule file; skipped without inflating */
			int r = fn(payload, name, nlen, NULL, usize);
			if (r < 0)
				return r;
			continue;
		}
		total += usize;
		if (total > ARC_MAX_TOTAL)
			return diag_set(diag, SPOOR_ELIMIT, "zip: more than %u MiB of files", ARC_MAX_TOTAL >> 20);
		if ((uint64_t)loff + 30 > n || le32(u + loff) != 0x04034b50)
			return diag_set(diag, SPOOR_ECORRUPT, "zip: bad local header for '%.*s'", (int)nlen, name);
		size_t d0 = (size_t)loff + 30 + le16(u + loff + 26) + le16(u + loff + 28);
		if ((uint64_t)d0 + csize > n)
			return diag_set(diag, SPOOR_ECORRUPT, "zip: data of '%.*s' out of bounds", (int)nlen, name);
		if (method == 0 && csize != usize)
			return diag_set(diag, SPOOR_ECORRUPT, "zip: stored '%.*s' has two sizes", (int)nlen, name);
		unsigned char *buf = xmalloc(usize ? usize : 1);
		if (!buf)
			return diag_set(diag, SPOOR_ENOMEM, "out of memory");
		int r = 0;
		if (method == 0)
			memcpy(buf, u + d0, usize);
		else
			r = inflate_raw(u + d0, csize, buf, usize);
		if (r == SPOOR_ENOMEM)
			r = diag_set(diag, r, "out of memory");
		else if (r < 0)
			r = diag_set(diag, SPOOR_ECORRUPT, "zip: cannot inflate '%.*s'", (int)nlen, name);
		else if ((uint32_t)crc32(0L, buf, usize) != crc)
			r = diag_set(diag, SPOOR_ECORRUPT, "zip: CRC mismatch in '%.*s'", (int)nlen, name);
		if (r == 0)
			r = fn(payload, name, nlen, (const char *)buf, usize);
		free(buf);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- tar ---- */

static int tar_num(const char *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	if (i == n) {
		*out = 0;
		return 0;
	}
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != 0)
			return -1;
	*out = v;
	return 0;
}

/* The pax `path=` value in an extended header, or NULL. */
static const char *pax_path(const char *p, size_t n, size_t *len)
{
	size_t i = 0;
	while (i < n) {
		size_t j = i, rl = 0;
		while (j < n && p[j] >= '0' && p[j] <= '9' && rl < 100000000)
			rl = rl * 10 + (size_t)(p[j++] - '0');
		if (j >= n || p[j] != ' ' || rl <= j - i + 1 || i + rl > n)
			return NULL;
		const char *kv = p + j + 1;
		size_t kn = i + rl - (j + 1);
		if (kn >= 6 && !memcmp(kv, "path=", 5)) {
			*len = kn - 5 - (kv[kn - 1] == '\n');
			return kv + 5;
		}
		i += rl;
	}
	return NULL;
}

static int tar_each(const char *data, size_t n, arc_fn fn, void *payload, spoor_diag *diag)
{
	size_t p = 0;
	char longname[ARC_MAX_PATH + 1];
	size_t longn = 0;
	uint64_t total = 0, members = 0;
	while (p + 512 <= n) {
		const char *h = data + p;
		bool zero = true;
		for (size_t i = 0; i < 512 && zero; i++)
			zero = h[i] == 0;
		if (zero)
			break; /* end of archive */
		uint64_t size;
		if (tar_num(h + 124, 12, &size) < 0)
			return diag_set(diag, SPOOR_ECORRUPT, "tar: bad size at offset %zu", p);
		/* header checksum */
		uint64_t want, sum = 0;
		if (tar_num(h + 148, 8, &want) < 0)
			return diag_set(diag, SPOOR_ECORRUPT, "tar: bad checksum field at offset %zu", p);
		for (size_t i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
		if (sum != want)
			return diag_set(diag, SPOOR_ECORRUPT, "tar: header checksum mismatch at offset %zu", p);
		size_t body = p + 512;
		if (size > n - body)
			return diag_set(diag, SPOOR_ECORRUPT, "tar: member at offset %zu runs past the end", p);
		char type = h[156];
		size_t next = body + (size_t)((size + 511) & ~(uint64_t)511);
		if (++members > ARC_MAX_MEMBERS)
			return diag_set(diag, SPOOR_ELIMIT, "tar: more than %u members", ARC_MAX_MEMBERS);
		if (type == 'x' || type == 'L') {
			size_t ln = 0;
			const char *lp = type == 'L' ? data + body : pax_path(data + body, (size_t)size, &ln);
			if (type == 'L') {
				ln = (size_t)size;
				while (ln && lp[ln - 1] == 0)
					ln--;
			}
			if (lp) {
				if (ln > ARC_MAX_PATH)
					return diag_set(diag, SPOOR_EPARSE, "tar: member name longer than %d bytes",
							ARC_MAX_PATH);
				memcpy(longname, lp, ln);
				longn = ln;
			}
			p = next;
			continue;
		}
		if (type == 'g') { /* pax global header (GitHub's commit id) */
			p = next;
			continue;
		}
		char name[ARC_MAX_PATH + 1];
		size_t nn;
		if (longn) {
			memcpy(name, longname, longn);
			nn = longn;
			longn = 0;
		} else {
			size_t pl = strnlen(h + 345, 155), bl = strnlen(h, 100);
			nn = 0;
			if (pl && !memcmp(h + 257, "ustar", 5)) {
				memcpy(name, h + 345, pl);
				name[pl] = '/';
				nn = pl + 1;
			}
			memcpy(name + nn, h, bl);
			nn += bl;
		}
		if (type == '0' || type == 0 || type == '7') {
			if (!arc_name_ok(name, nn))
				return diag_set(diag, SPOOR_EPARSE, "tar: unsafe member name '%.*s'",
						(int)(nn > 200 ? 200 : nn), name);
			int r;
			if (size > ARC_MAX_FILE) {
				r = fn(payload, name, nn, NULL, size);
			} else {
				total += size;
				if (total > ARC_MAX_TOTAL)
					return diag_set(diag, SPOOR_ELIMIT, "tar: more than %u MiB of files",
							ARC_MAX_TOTAL >> 20);
				r = fn(payload, name, nn, data + body, (size_t)size);
			}
			if (r < 0)
				return r;
		}
		/* directories, links, devices: nothing to install */
		p = next;
	}
	return 0;
}

/* gunzip the whole stream (concatenated members too), at most max bytes. */
static int gunzip(const char *data, size_t n, char **out, size_t *outn, size_t max, spoor_diag *diag)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	size_t cap = n * 4 + 65536, len = 0;
	if (cap > max)
		cap = max;
	char *buf = xmalloc(cap);
	if (!buf) {
		inflateEnd(&z);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)n;
	int rc = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				rc = diag_set(diag, SPOOR_ELIMIT, "gzip: more than %zu MiB uncompressed", max >> 20);
				break;
			}
			size_t nc = cap * 2 > max ? max : cap * 2;
			char *v = realloc(buf, nc);
			if (!v) {
				rc = diag_set(diag, SPOOR_ENOMEM, "out of memory");
				break;
			}
			buf = v;
			cap = nc;
		}
		z.next_out = (Bytef *)buf + len;
		z.avail_out = (uInt)(cap - len);
		int r = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (r == Z_STREAM_END) {
			if (!z.avail_in)
				break;
			inflateReset(&z); /* another gzip member */
			continue;
		}
		if (r == Z_BUF_ERROR && !z.avail_in) {
			rc = diag_set(diag, SPOOR_ECORRUPT, "gzip: truncated");
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			rc = diag_set(diag, SPOOR_ECORRUPT, "gzip: %s", z.msg ? z.msg : "corrupt data");
			break;
		}
	}
	inflateEnd(&z);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outn = len;
	return 0;
}

int arc_each(const char *data, size_t n, arc_fn fn, void *payload, spoor_diag *diag)
{
	switch (arc_kind(data, n)) {
	case ARC_ZIP:
		return zip_each(data, n, fn, payload, diag);
	case ARC_TAR:
		return tar_each(data, n, fn, payload, diag);
	case ARC_TGZ: {
		char *t = NULL;
		size_t tn = 0;
		int rc = gunzip(data, n, &t, &tn, ARC_MAX_GUNZIP, diag);
		if (rc < 0)
			return rc;
		if (tn < 512 || memcmp(t + 257, "ustar", 5))
			rc = diag_set(diag, SPOOR_EPARSE, "gzip: not a tar archive inside");
		else
			rc = tar_each(t, tn, fn, payload, diag);
		free(t);
		return rc;
	}
	default:
		return diag_set(diag, SPOOR_EPARSE, "not a .zip, .tar or .tar.gz archive");
	}
}
