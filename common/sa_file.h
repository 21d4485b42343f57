/* A whole file read into memory, for parsers that take a buffer (and so
 * can be fuzzed on one): label rules, CSV feature tables. */
#ifndef SA_FILE_H
#define SA_FILE_H

#include <stddef.h>

/* *data (malloc'd, free it) holds the file's *len bytes. 0, or -errno with
 * "PATH: what" in err (err may be NULL). */
int sa_file_read(const char *path, char **data, size_t *len, char *err, size_t errlen);

#endif
