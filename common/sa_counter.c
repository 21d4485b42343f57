#include <string.h>

#include "sa_counter.h"

static const char *const names[SA_C_COUNT] = {
#define SA_COUNTER_NAME(id, name) name,
	SA_COUNTERS(SA_COUNTER_NAME)
#undef SA_COUNTER_NAME
};

const char *sa_counter_name(unsigned i)
{
	return i < SA_C_COUNT ? names[i] : NULL;
}

int sa_counter_index(const char *name)
{
	for (unsigned i = 0; i < SA_C_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}
