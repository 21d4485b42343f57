#include <stdio.h>
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

int sa_counter_of_metric(const char *metric, const char *proto)
{
	char name[64];

	if (metric == NULL || metric[0] == '\0')
		metric = "bytes";
	if (strcmp(metric, "flows") == 0)
		metric = "flows_new";
	if (proto == NULL || proto[0] == '\0')
		return sa_counter_index(metric);
	if (strcmp(metric, "packets") != 0 && strcmp(metric, "bytes") != 0)
		return -1;
	if (strcmp(proto, "other") == 0)
		proto = "other_l4";
	snprintf(name, sizeof(name), "%s_%s", proto, metric);
	return sa_counter_index(name);
}
