/*
 * server/inproc.h: a server driven in-process, for the fuzz targets and the
 * allocation-failure test (tests/fuzz, tests/failmalloc): they register
 * services on a server as an application does, never start it, and run
 * its first worker's loop themselves on their own thread, feeding
 * connections made with trpc__sconn_accept_bev().  Nothing of this is
 * public API.
 */
#ifndef TRPC_SERVER_INPROC_H
#define TRPC_SERVER_INPROC_H

#include "server/worker.h"

/* srv's first worker, while srv has not been started (NULL otherwise).
 * The caller runs w->base itself, after trpc__call_enter_worker(&w->env)
 * on that thread. */
trpc__worker *trpc__server_inproc_worker(trpc_server *srv);

#endif /* TRPC_SERVER_INPROC_H */
