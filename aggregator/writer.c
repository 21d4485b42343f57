#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "writer.h"

enum slot { SLOT_FREE, SLOT_SUBMITTED, SLOT_DONE };

struct writer {
	struct tsdb *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum slot slot;
	bool stop;
	struct tsdb_batch *batch;
	int rc;
	int fd; /* eventfd: one count per finished write */
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->slot != SLOT_SUBMITTED && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->slot != SLOT_SUBMITTED)
			break;
		pthread_mutex_unlock(&w->mu);
		int rc = tsdb_write(w->db, w->batch);
		pthread_mutex_lock(&w->mu);
		w->rc = rc;
		w->slot = SLOT_DONE;
		pthread_cond_broadcast(&w->cv);
		uint64_t one = 1;
		/* Cannot fail short of a full counter (2^64 - 1 writes). */
		(void)!write(w->fd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *writer_start(struct tsdb *db)
{
	struct writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->db = db;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0 ||
	    pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		if (w->fd >= 0)
			close(w->fd);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return NULL;
	}
	return w;
}

void writer_stop(struct writer **wp)
{
	struct writer *w = *wp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->slot == SLOT_SUBMITTED)
		pthread_cond_wait(&w->cv, &w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	close(w->fd);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	*wp = NULL;
}

int writer_fd(const struct writer *w)
{
	return w->fd;
}

void writer_submit(struct writer *w, struct tsdb_batch *b)
{
	pthread_mutex_lock(&w->mu);
	w->batch = b;
	w->slot = SLOT_SUBMITTED;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int writer_wait(struct writer *w)
{
	uint64_t count;

	pthread_mutex_lock(&w->mu);
	while (w->slot == SLOT_SUBMITTED)
		pthread_cond_wait(&w->cv, &w->mu);
	int rc = w->slot == SLOT_DONE ? w->rc : 0;
	w->slot = SLOT_FREE;
	w->batch = NULL;
	pthread_mutex_unlock(&w->mu);
	/* Clears the descriptor's readiness (one write is ever in flight). */
	(void)!read(w->fd, &count, sizeof(count));
	return rc;
}
