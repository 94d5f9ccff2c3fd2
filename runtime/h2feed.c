/*
 * h2feed.c: hands the bytes a bufferevent received to an nghttp2 session.
 * The server's and the channel's connections read the same way; only what
 * they do on a protocol error differs, so that stays with the caller.
 */
#include <event2/buffer.h>
#include "internal.h"

int trpc__h2_feed(nghttp2_session *ng, struct evbuffer *in)
{
    while (evbuffer_get_length(in) > 0) {
        /* Peek at the chained buffers in place: no copy into a flat buffer. */
        struct evbuffer_iovec v[8];
        int nv = evbuffer_peek(in, -1, NULL, v, 8);
        size_t used = 0;
        for (int i = 0; i < nv && i < 8; i++) {
            ssize_t rv = nghttp2_session_mem_recv(ng, v[i].iov_base, v[i].iov_len);
            if (rv < 0) {
                evbuffer_drain(in, used);
                return (int)rv;
            }
            used += v[i].iov_len;
        }
        evbuffer_drain(in, used);
    }
    return 0;
}
