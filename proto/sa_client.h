/* One request, one response, over a ZeroMQ REQ socket with timeouts, so
 * an unreachable aggregator is one clear error rather than a hang. */
#ifndef SA_CLIENT_H
#define SA_CLIENT_H

#include "sa.pb-c.h"

/* Sends q (schema version filled in) to endpoint and waits up to
 * timeout_ms. Returns the response (free with sa__response__free_unpacked)
 * or NULL with a one-line reason in err. */
Sa__Response *sa_client_call(const char *endpoint, Sa__Query *q, int timeout_ms, char *err, size_t errlen);

#endif
