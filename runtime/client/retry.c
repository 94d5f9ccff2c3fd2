/*
 * retry.c: retry policies and the retry throttle (see retry.h).
 *
 * A6, as gRPC implements it: attempt n (n >= 1 retries so far) waits a
 * random time in [0, min(initial x multiplier^(n-1), max)); max_attempts
 * counts the first attempt and is capped at 5.  The throttle holds
 * max_tokens tokens; an attempt that fails with a retryable status takes
 * one, an OK call gives back token_ratio; retries are allowed only while
 * more than half are left.  A server's grpc-retry-pushback-ms trailer
 * replaces the random wait (a negative or malformed one stops retrying).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/opts.h"
#include "client/retry.h"

enum { MAX_ATTEMPTS_CAP = 5 };

trpc_error trpc__retry_init(trpc__client *cl, const trpc_channel_opts *o)
{
    cl->retry_tokens = o->retry_max_tokens;
    cl->retry_rng = (unsigned)trpc_now_ms() ^ (unsigned)(uintptr_t)cl;
    if (!o->nretry_policies) {
        return TRPC_OK;
    }
    if (!o->retry_policies) {
        return TRPC_EINVAL;
    }
    cl->retry = calloc(o->nretry_policies, sizeof *cl->retry);
    if (!cl->retry) {
        return TRPC_ENOMEM;
    }
    for (size_t i = 0; i < o->nretry_policies; i++) {
        trpc_retry_policy *p = &cl->retry[i];
        if (!o->retry_policies[i] ||
            TRPC__OPTS_READ(trpc_retry_policy, p, o->retry_policies[i]) != TRPC_OK) {
            return TRPC_EINVAL; /* trpc__retry_fini() frees what was copied */
        }
        const char *svc = p->service, *meth = p->method;
        p->service = p->method = NULL;
        cl->nretry = i + 1;
        if (p->max_attempts < 2 || !p->retryable_codes || p->initial_backoff_ms < 0 ||
            p->max_backoff_ms < 0 || p->backoff_multiplier < 0 || (meth && !svc)) {
            return TRPC_EINVAL;
        }
        if (p->max_attempts > MAX_ATTEMPTS_CAP) p->max_attempts = MAX_ATTEMPTS_CAP;
        if (!p->initial_backoff_ms) p->initial_backoff_ms = 100;
        if (!p->max_backoff_ms) p->max_backoff_ms = 1000;
        if (p->backoff_multiplier == 0) p->backoff_multiplier = 2;
        if ((svc && !(p->service = strdup(svc))) || (meth && !(p->method = strdup(meth)))) {
            return TRPC_ENOMEM;
        }
    }
    return TRPC_OK;
}

void trpc__retry_fini(trpc__client *cl)
{
    for (size_t i = 0; i < cl->nretry; i++) {
        free((char *)cl->retry[i].service);
        free((char *)cl->retry[i].method);
    }
    free(cl->retry);
    cl->retry = NULL;
    cl->nretry = 0;
}

/* The first policy matching m's path ("/pkg.Svc/Method"), or NULL. */
static const trpc_retry_policy *find(const trpc__client *cl, const trpc_method *m)
{
    for (size_t i = 0; i < cl->nretry; i++) {
        const trpc_retry_policy *p = &cl->retry[i];
        if (!p->service) {
            return p;
        }
        size_t n = strlen(p->service);
        const char *path = m->path;
        if (path[0] == '/' && strncmp(path + 1, p->service, n) == 0 && path[n + 1] == '/' &&
            (!p->method || strcmp(path + n + 2, p->method) == 0)) {
            return p;
        }
    }
    return NULL;
}

static double ratio(const trpc__client *cl)
{
    return cl->o.retry_token_ratio > 0 ? cl->o.retry_token_ratio : 0.1;
}

int64_t trpc__retry_delay(trpc__client *cl, trpc_stream *s)
{
    const trpc_retry_policy *p = find(cl, s->m);
    if (!p || !s->have_status || s->grpc_status >= 32 ||
        !(p->retryable_codes & TRPC_RETRY_ON(s->grpc_status))) {
        return -1;
    }
    bool throttled = false;
    if (cl->o.retry_max_tokens > 0) {
        cl->retry_tokens -= 1;
        if (cl->retry_tokens < 0) {
            cl->retry_tokens = 0;
        }
        throttled = cl->retry_tokens <= cl->o.retry_max_tokens / 2.0;
    }
    s->attempts++;
    if (throttled || s->attempts >= p->max_attempts || s->pushback == -2) {
        return -1;
    }
    int64_t delay;
    if (s->pushback >= 0) {
        delay = s->pushback;
    } else {
        double cap = p->initial_backoff_ms;
        for (int i = 1; i < s->attempts && cap < p->max_backoff_ms; i++) {
            cap *= p->backoff_multiplier;
        }
        if (cap > p->max_backoff_ms) {
            cap = p->max_backoff_ms;
        }
        cl->retry_rng = cl->retry_rng * 1103515245u + 12345u;
        delay = (int64_t)(cap * (double)((cl->retry_rng >> 8) % 10000) / 10000.0);
    }
    if (s->deadline != INT64_MAX && s->deadline > 0 && trpc_now_ms() + delay >= s->deadline) {
        return -1; /* it would only wait for its deadline */
    }
    return delay;
}

void trpc__retry_success(trpc__client *cl)
{
    if (cl->o.retry_max_tokens > 0) {
        cl->retry_tokens += ratio(cl);
        if (cl->retry_tokens > cl->o.retry_max_tokens) {
            cl->retry_tokens = cl->o.retry_max_tokens;
        }
    }
}
