/* Whole-file reads (sa_file.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sa_errf.h"
#include "sa_file.h"


int sa_file_read(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0;
	int rc = 0;

	*data = NULL;
	*len = 0;
	if (f == NULL)
		return sa_errf(-errno, err, errlen, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		if (cap - *len < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			char *d = realloc(*data, cap);
			if (d == NULL) {
				rc = sa_errf(-ENOMEM, err, errlen, "%s: out of memory", path);
				break;
			}
			*data = d;
		}
		size_t k = fread(*data + *len, 1, cap - *len, f);
		*len += k;
		if (k == 0)
			break;
	}
	if (rc == 0 && ferror(f))
		rc = sa_errf(-EIO, err, errlen, "%s: read error", path);
	fclose(f);
	if (rc != 0) {
		free(*data);
		*data = NULL;
		*len = 0;
	}
	return rc;
}
