/* Zeek conn.log reader (sa import zeek): one Sa__FlowRecord per log line.
 *
 * Two input forms, told apart by the first non-blank line: Zeek's TSV
 * ('#'-prefixed header, columns found by name from #fields) and Zeek's JSON
 * lines (one object per line). Labelled logs (CTU, Stratosphere) add `label`
 * and `detailedlabel` (or `detailed-label`, `detailed_label`) columns, which
 * become the record's label and label_detail.
 *
 * Side A is Zeek's originator. Required columns: ts, id.orig_h, id.orig_p,
 * id.resp_h, id.resp_p, proto; any other column may be missing or unset.
 * Times are decimal seconds read exactly (no double in between) into ns.
 *
 * The reader is pure: no sockets, no logging. Errors go into the caller's
 * buffer as "NAME:LINE: column COL: what: 'text'" and the reader can go on
 * with the next line. Not thread-safe; one reader per thread.
 */
#ifndef ZEEK_CONN_H
#define ZEEK_CONN_H

#include <stddef.h>

#include "sa.pb-c.h"

#define ZEEK_LINE_MAX 65536 /* longest line accepted, newline excluded */

struct zeek_reader;

/* Opens the file PATH. Returns the reader, or NULL with the reason in err
 * (which may be NULL when errlen is 0). */
struct zeek_reader *zeek_open(const char *path, char *err, size_t errlen);

/* Reads LEN bytes at BUF the same way; NAME stands for the file name in
 * messages (NULL: "<memory>"). BUF is not copied and must outlive the reader. */
struct zeek_reader *zeek_open_mem(const void *buf, size_t len, const char *name, char *err,
				  size_t errlen);

/* Next flow. Returns 1 with *out set, 0 at end of input, -1 on an error
 * described in err (file, line, column, the offending text truncated).
 * *out and everything it points to belong to the reader and stay valid until
 * the next zeek_next or zeek_close: copy or pack it to keep it, and never
 * free it with sa__flow_record__free_unpacked. After an error the next call
 * goes on with the following line. */
int zeek_next(struct zeek_reader *r, Sa__FlowRecord **out, char *err, size_t errlen);

/* Number of the last line read (1-based; 0 before the first). */
unsigned long zeek_line(const struct zeek_reader *r);

/* Frees the reader and the last record; closes the file. NULL is a no-op. */
void zeek_close(struct zeek_reader *r);

#endif
