/* evtx-chunk — file header, chunk header and record framing. */
#include "parse/evtx/evtx.h"

#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int evtx_file_header_parse(const uint8_t *p, size_t n, evtx_file_header *out)
{
	if (n < 128 || memcmp(p, "ElfFile\0", 8) != 0)
		return SPOOR_EPARSE;
	evtx_file_header h;
	memset(&h, 0, sizeof(h));
	h.first_chunk = rd64(p + 8);
	h.last_chunk = rd64(p + 16);
	h.next_record_id = rd64(p + 24);
	h.header_size = rd32(p + 32);
	h.minor = rd16(p + 36);
	h.major = rd16(p + 38);
	h.block_size = rd16(p + 40);
	h.nchunks = rd16(p + 42);
	h.flags = rd32(p + 120);
	h.crc_ok = evtx_crc32(0, p, 120) == rd32(p + 124);
	*out = h;
	return 0;
}

/* Pre-allocated EVTX files are mostly zeroed chunks: compare the chunk with
 * itself shifted by one byte (memcmp runs vector-wide; a byte-wise loop was
 * 8% of reading the mitre-attack-cc0 corpus). */
static bool all_zero(const uint8_t *p, size_t n)
{
	return !n || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

void evtx_chunk_inspect(const uint8_t *c, size_t len, evtx_chunk_info *out)
{
	evtx_chunk_info ci;
	memset(&ci, 0, sizeof(ci));
	if (len > EVTX_CHUNK_SIZE)
		len = EVTX_CHUNK_SIZE;
	if (len < EVTX_CHUNK_HEADER_SIZE || memcmp(c, "ElfChnk\0", 8) != 0) {
		ci.state = all_zero(c, len) ? EVTX_CHUNK_ZERO : EVTX_CHUNK_BAD_MAGIC;
		*out = ci;
		return;
	}
	ci.state = EVTX_CHUNK_OK;
	ci.first_rec_num = rd64(c + 8);
	ci.last_rec_num = rd64(c + 16);
	ci.first_rec_id = rd64(c + 24);
	ci.last_rec_id = rd64(c + 32);
	ci.last_rec_off = rd32(c + 44);
	ci.free_off = rd32(c + 48);
	ci.data_crc = rd32(c + 52);
	ci.header_crc = rd32(c + 124);
	uint32_t crc = evtx_crc32(0, c, 120);
	crc = evtx_crc32(crc, c + 128, EVTX_CHUNK_HEADER_SIZE - 128);
	ci.header_crc_ok = crc == ci.header_crc;
	if (ci.free_off >= EVTX_CHUNK_HEADER_SIZE && ci.free_off <= len) {
		ci.end = ci.free_off;
		ci.data_crc_ok = evtx_crc32(0, c + EVTX_CHUNK_HEADER_SIZE, ci.free_off - EVTX_CHUNK_HEADER_SIZE) ==
				 ci.data_crc;
	} else {
		/* Free-space offset out of range (torn write, truncated file):
		 * scan the whole chunk and let record checks decide. */
		ci.end = (uint32_t)len;
		ci.data_crc_ok = false;
	}
	*out = ci;
}

/* A record header at off: magic and a size within the chunk.  strict also
 * requires the trailing size copy (used when resynchronising, where a bare
 * magic could be chance; a record in sequence may have a torn trailer). */
static bool rec_ok(const uint8_t *c, uint32_t end, uint32_t off, bool strict, uint32_t *size)
{
	if (off > end || end - off < 28)
		return false;
	const uint8_t *p = c + off;
	if (p[0] != 0x2a || p[1] != 0x2a || p[2] != 0 || p[3] != 0)
		return false;
	uint32_t sz = rd32(p + 4);
	if (sz < 28 || sz > end - off)
		return false;
	if (strict && rd32(p + sz - 4) != sz)
		return false;
	*size = sz;
	return true;
}

int evtx_chunk_next_record(const uint8_t *c, const evtx_chunk_info *ci, uint32_t *pos, evtx_record *rec)
{
	uint32_t end = ci->end;
	uint32_t off = *pos < EVTX_CHUNK_HEADER_SIZE ? EVTX_CHUNK_HEADER_SIZE : *pos;
	uint32_t size;
	if (off >= end || end - off < 8) {
		*pos = end;
		return EVTX_REC_END;
	}
	if (rec_ok(c, end, off, false, &size)) {
		rec->off = off;
		rec->size = size;
		rec->id = rd64(c + off + 8);
		rec->written = rd64(c + off + 16);
		rec->torn = rd32(c + off + size - 4) != size;
		*pos = off + size;
		return EVTX_REC_OK;
	}
	/* Garbage: resynchronise on the next 8-aligned valid record. */
	uint32_t q = evtx_chunk_resync(c, ci, off);
	if (q == end && all_zero(c + off, end - off)) {
		/* Zeros up to the end of the used area: never written (a
		 * snapshot taken mid-write), not damage. */
		*pos = end;
		return EVTX_REC_END;
	}
	rec->off = off;
	rec->size = q - off;
	rec->id = 0;
	rec->written = 0;
	rec->torn = false;
	*pos = q;
	return EVTX_REC_BAD;
}

uint32_t evtx_chunk_resync(const uint8_t *c, const evtx_chunk_info *ci, uint32_t from)
{
	uint32_t end = ci->end, size;
	uint32_t q = (from + 8) & ~7u;
	/* the magic first (2a 2a 00 00), inline: most offsets fail there */
	while (q < end && (end - q < 4 || rd32(c + q) != 0x2a2au || !rec_ok(c, end, q, true, &size)))
		q += 8;
	return q > end ? end : q;
}

uint32_t evtx_chunk_carve(const uint8_t *c, uint32_t clen, uint32_t from, uint32_t *size)
{
	if (clen > EVTX_CHUNK_SIZE)
		clen = EVTX_CHUNK_SIZE;
	uint32_t q = (from + 7) & ~7u;
	if (q < EVTX_CHUNK_HEADER_SIZE)
		q = EVTX_CHUNK_HEADER_SIZE;
	for (; q + 28 <= clen; q += 8) {
		if (rd32(c + q) == 0x2a2au && rec_ok(c, clen, q, true, size))
			return q;
	}
	return clen;
}
