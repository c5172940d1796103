/* codepage — single-byte Windows/ISO code pages (and UTF-8) to UTF-8.
 *
 * Used for EVTX "ANSI" strings (value type 0x02), which Windows writes in
 * the system's ANSI code page.  The tables are generated from Python's
 * codecs by scripts/gen-codepages.py; see docs/formats.md for the names. */
#ifndef SPOOR_CODEPAGE_H
#define SPOOR_CODEPAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct codepage_def {
	const char *name;    /* canonical: "windows-1252" */
	const char *aliases; /* space-separated: "cp1252 1252 ansi" */
	uint16_t hi[128];    /* code points of bytes 0x80..0xFF */
} codepage_def;

/* The code page named name (canonical name or alias, case-insensitive);
 * NULL or "" = the default, windows-1252.  Returns NULL for an unknown
 * name.  "utf-8" (alias "65001") returns codepage_utf8. */
const codepage_def *codepage_find(const char *name);
extern const codepage_def codepage_utf8;
/* Names of all code pages, comma-separated (for messages and help). */
const char *codepage_names(void);

/* Decode n bytes (stopping at a NUL byte) to UTF-8 into out, which has
 * room for 3 * n bytes.  Returns the bytes written.  Undefined bytes and
 * invalid UTF-8 become U+FFFD. */
size_t codepage_decode(const codepage_def *cp, const uint8_t *p, size_t n, char *out);

#endif
