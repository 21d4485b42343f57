#include <stdlib.h>
#include <sys/mman.h>

#include "sa_bigmem.h"

void *sa_big_alloc(size_t n)
{
	void *p = NULL;
	size_t align = (size_t)2 << 20;

	if (n < align)
		return malloc(n);
	if (posix_memalign(&p, align, n) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE); /* a hint: no harm if refused */
#endif
	return p;
}
