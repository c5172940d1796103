/* instream — files, stdin, gzip (multi-member) and zstd, by magic bytes. */
#include "input/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

#define IN_CAP (256 * 1024)

static ssize_t raw_read(instream *s, void *dst, size_t n)
{
	for (;;) {
		ssize_t r = read(s->fd, dst, n);
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

/* Refill the compressed-side buffer; false on error. */
static bool fill_in(instream *s, spoor_diag *diag)
{
	if (s->in_pos < s->in_len || s->in_eof)
		return true;
	ssize_t r = raw_read(s, s->in, s->in_cap);
	if (r < 0) {
		diag_set(diag, SPOOR_EIO, "read: %s", strerror(errno));
		return false;
	}
	s->in_len = (size_t)r;
	s->in_pos = 0;
	if (r == 0)
		s->in_eof = true;
	return true;
}

/* The stream's kind by its first n bytes (gzip, zstd magic). */
static instream_kind magic_kind(const unsigned char *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return IN_GZIP;
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return IN_ZSTD;
	return IN_RAW;
}

int instream_open(instream *s, const char *path, spoor_diag *diag)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
	if (!strcmp(path, "-")) {
		s->fd = STDIN_FILENO;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			return diag_set(diag, SPOOR_EIO, "cannot open: %s", strerror(errno));
		s->own_fd = true;
		struct stat st;
		bool reg = false;
		if (fstat(s->fd, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				close(s->fd);
				s->fd = -1;
				return diag_set(diag, SPOOR_EIO, "is a directory");
			}
			s->mtime = (int64_t)st.st_mtime;
			reg = S_ISREG(st.st_mode);
		}
#ifdef POSIX_FADV_SEQUENTIAL
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
		/* A regular file: peek at the magic without reading ahead, so
		 * that a plain file is read straight into the caller's buffer
		 * (no head buffer, no copy of it). */
		unsigned char m[4];
		ssize_t r = reg ? pread(s->fd, m, sizeof(m), 0) : -1;
		if (r >= 0 && magic_kind(m, (size_t)r) == IN_RAW)
			return 0;
	}
	s->in_cap = IN_CAP;
	s->in = xmalloc(s->in_cap);
	if (!s->in) {
		instream_close(s);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	/* Read until we have 4 bytes of magic or EOF. */
	while (s->in_len < 4 && !s->in_eof) {
		ssize_t r = raw_read(s, s->in + s->in_len, s->in_cap - s->in_len);
		if (r < 0) {
			int e = errno;
			instream_close(s);
			return diag_set(diag, SPOOR_EIO, "read: %s", strerror(e));
		}
		if (r == 0)
			s->in_eof = true;
		s->in_len += (size_t)r;
	}
	instream_kind k = magic_kind(s->in, s->in_len);
	if (k == IN_GZIP) {
		s->kind = IN_GZIP;
		if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
			instream_close(s);
			return diag_set(diag, SPOOR_ENOMEM, "zlib init failed");
		}
		s->z_init = true;
	} else if (k == IN_ZSTD) {
		s->kind = IN_ZSTD;
		s->zs = ZSTD_createDStream();
		if (!s->zs || ZSTD_isError(ZSTD_initDStream(s->zs))) {
			instream_close(s);
			return diag_set(diag, SPOOR_ENOMEM, "zstd init failed");
		}
		/* Bound the decoder's window memory (128 MiB, zstd's long mode max
		 * for normal use) so a hostile frame cannot demand more. */
		ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, 27);
	}
	return 0;
}

static ssize_t gz_read(instream *s, void *dst, size_t n, spoor_diag *diag)
{
	for (;;) {
		if (!fill_in(s, diag))
			return SPOOR_EIO;
		if (s->z_end) {
			/* Between members: skip padding zeros; another member may follow. */
			while (s->in_pos < s->in_len && s->in[s->in_pos] == 0)
				s->in_pos++;
			if (s->in_pos == s->in_len) {
				if (s->in_eof)
					return 0;
				continue;
			}
			inflateReset(&s->z);
			s->z_end = false;
		}
		if (s->in_pos == s->in_len && s->in_eof)
			return diag_set(diag, SPOOR_ECORRUPT, "gzip stream truncated");
		s->z.next_in = s->in + s->in_pos;
		s->z.avail_in = (uInt)(s->in_len - s->in_pos);
		s->z.next_out = dst;
		s->z.avail_out = (uInt)MIN(n, (size_t)UINT32_MAX);
		int zr = inflate(&s->z, Z_NO_FLUSH);
		s->in_pos = s->in_len - s->z.avail_in;
		size_t got = (size_t)((unsigned char *)s->z.next_out - (unsigned char *)dst);
		if (zr == Z_STREAM_END)
			s->z_end = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return diag_set(diag, SPOOR_ECORRUPT, "gzip: %s", s->z.msg ? s->z.msg : "corrupt data");
		if (got)
			return (ssize_t)got;
	}
}

static ssize_t zstd_read(instream *s, void *dst, size_t n, spoor_diag *diag)
{
	for (;;) {
		if (!fill_in(s, diag))
			return SPOOR_EIO;
		ZSTD_inBuffer in = {s->in, s->in_len, s->in_pos};
		ZSTD_outBuffer out = {dst, n, 0};
		if (in.pos == in.size && s->in_eof)
			return 0;
		size_t zr = ZSTD_decompressStream(s->zs, &out, &in);
		s->in_pos = in.pos;
		if (ZSTD_isError(zr))
			return diag_set(diag, SPOOR_ECORRUPT, "zstd: %s", ZSTD_getErrorName(zr));
		if (out.pos)
			return (ssize_t)out.pos;
		if (s->in_pos == s->in_len && s->in_eof)
			return zr == 0 ? 0 : diag_set(diag, SPOOR_ECORRUPT, "zstd stream truncated");
	}
}

ssize_t instream_read(instream *s, void *dst, size_t n, spoor_diag *diag)
{
	switch (s->kind) {
	case IN_GZIP:
		return gz_read(s, dst, n, diag);
	case IN_ZSTD:
		return zstd_read(s, dst, n, diag);
	case IN_RAW:
	default:
		break;
	}
	if (s->in_pos < s->in_len) {
		size_t k = MIN(n, s->in_len - s->in_pos);
		memcpy(dst, s->in + s->in_pos, k);
		s->in_pos += k;
		return (ssize_t)k;
	}
	if (s->in_eof)
		return 0;
	ssize_t r = raw_read(s, dst, n);
	if (r < 0)
		return diag_set(diag, SPOOR_EIO, "read: %s", strerror(errno));
	if (r == 0)
		s->in_eof = true;
	return r;
}

void instream_close(instream *s)
{
	if (s->z_init)
		inflateEnd(&s->z);
	if (s->zs)
		ZSTD_freeDStream(s->zs);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s->in);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

const char *instream_kind_name(instream_kind k)
{
	return k == IN_GZIP ? "gzip" : k == IN_ZSTD ? "zstd" : "plain";
}
