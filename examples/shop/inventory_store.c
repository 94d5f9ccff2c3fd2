/*
 * inventory_store.c — the inventory's shared store (see inventory_store.h).
 *
 * The file is the layout below, mapped MAP_SHARED: every process sees the
 * others' writes at once (one page cache), and the lock orders them.  The
 * lock is a pthread mutex for this process's threads (fcntl locks belong
 * to a process, not a thread) and then an fcntl F_SETLKW write lock on the
 * whole file for the other processes; the kernel drops a dead process's
 * lock, so a SIGKILL never leaves the store locked.
 *
 * Creating: the first process to take the lock on an empty file writes
 * the header and the initial stock; the others find the magic and check
 * the layout's size (a file of another version is refused, EINVAL).
 *
 * Crash safety (a process killed, not the machine): a reservation is
 * filled in, then marked used; a removal clears the mark; the version and
 * its log entry come after.  So a killed writer leaves each reservation
 * whole or absent, and at worst one change missing from the log, which
 * watchers then miss until the next one (they read levels, not deltas).
 * Not covered: power loss (no fsync: a shop would use a database; see the
 * README).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory_store.h"

#define STORE_MAGIC "shopinv1"

typedef struct layout {
    char magic[8];
    uint32_t size; /* sizeof(layout): the layout's version */
    uint32_t pad;
    uint64_t version;    /* changes so far */
    uint64_t next_number; /* the last reservation number given */
    int32_t stock[STORE_ITEMS];
    int32_t pad2;
    store_change log[STORE_LOG]; /* change v at log[v % STORE_LOG] */
    store_reservation res[STORE_RESERVATIONS];
} layout;

struct inv_store {
    pthread_mutex_t mu;
    int fd; /* -1: private */
    layout *l;
};

static int file_lock(int fd, short type)
{
    if (fd < 0)
        return 0;
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    int rv;
    while ((rv = fcntl(fd, F_SETLKW, &fl)) != 0 && errno == EINTR)
        ;
    return rv;
}

void inv_store_lock(inv_store *s)
{
    pthread_mutex_lock(&s->mu);
    if (file_lock(s->fd, F_WRLCK) != 0) {
        /* Only on a bad descriptor or a deadlock the kernel found, which
         * one lock per process cannot make. */
        perror("inventory: store lock");
        abort();
    }
}

void inv_store_unlock(inv_store *s)
{
    (void)file_lock(s->fd, F_UNLCK);
    pthread_mutex_unlock(&s->mu);
}

static void init_layout(layout *l, const int32_t stock[STORE_ITEMS])
{
    memset(l, 0, sizeof *l);
    l->size = sizeof *l;
    memcpy(l->stock, stock, sizeof l->stock);
    memcpy(l->magic, STORE_MAGIC, sizeof l->magic); /* last: the file is ready */
}

trpc_error inv_store_open(inv_store **out, const char *path, const int32_t stock[STORE_ITEMS])
{
    inv_store *s = calloc(1, sizeof *s);
    if (!s)
        return TRPC_ENOMEM;
    s->fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    if (!path) {
        s->l = calloc(1, sizeof *s->l);
        if (!s->l) {
            pthread_mutex_destroy(&s->mu);
            free(s);
            return TRPC_ENOMEM;
        }
        init_layout(s->l, stock);
        *out = s;
        return TRPC_OK;
    }
    s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->fd < 0)
        goto fail;
    if (file_lock(s->fd, F_WRLCK) != 0)
        goto fail;
    struct stat st;
    if (fstat(s->fd, &st) != 0)
        goto fail_locked;
    bool fresh = st.st_size == 0;
    if (fresh && ftruncate(s->fd, (off_t)sizeof *s->l) != 0)
        goto fail_locked;
    if (!fresh && (size_t)st.st_size != sizeof *s->l) {
        errno = EINVAL;
        goto fail_locked;
    }
    s->l = mmap(NULL, sizeof *s->l, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    if (s->l == MAP_FAILED) {
        s->l = NULL;
        goto fail_locked;
    }
    static const char unset[sizeof s->l->magic];
    if (!fresh && memcmp(s->l->magic, unset, sizeof unset) == 0)
        fresh = true; /* its maker died before it was ready */
    if (fresh)
        init_layout(s->l, stock);
    else if (memcmp(s->l->magic, STORE_MAGIC, sizeof s->l->magic) != 0 ||
             s->l->size != sizeof *s->l) {
        errno = EINVAL;
        goto fail_locked;
    }
    (void)file_lock(s->fd, F_UNLCK);
    *out = s;
    return TRPC_OK;
fail_locked: {
    int e = errno;
    (void)file_lock(s->fd, F_UNLCK);
    errno = e;
}
fail: {
    int e = errno;
    if (s->l)
        munmap(s->l, sizeof *s->l);
    if (s->fd >= 0)
        close(s->fd);
    pthread_mutex_destroy(&s->mu);
    free(s);
    errno = e;
}
    return TRPC_ESYS;
}

void inv_store_close(inv_store *s)
{
    if (!s)
        return;
    if (s->fd >= 0) {
        munmap(s->l, sizeof *s->l);
        close(s->fd);
    } else {
        free(s->l);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int32_t inv_store_available(const inv_store *s, unsigned item)
{
    int32_t n = s->l->stock[item];
    for (size_t k = 0; k < STORE_RESERVATIONS; k++) {
        const store_reservation *r = &s->l->res[k];
        if (r->used && r->item == item)
            n -= r->quantity;
    }
    return n;
}

const store_reservation *inv_store_find_order(const inv_store *s, const char *order_id)
{
    for (size_t k = 0; k < STORE_RESERVATIONS; k++) {
        const store_reservation *r = &s->l->res[k];
        if (r->used && strcmp(r->order_id, order_id) == 0)
            return r;
    }
    return NULL;
}

const store_reservation *inv_store_find_id(const inv_store *s, const char *id)
{
    char *end;
    if (strncmp(id, "r-", 2) != 0 || !id[2])
        return NULL;
    unsigned long long n = strtoull(id + 2, &end, 10);
    if (*end)
        return NULL;
    for (size_t k = 0; k < STORE_RESERVATIONS; k++) {
        const store_reservation *r = &s->l->res[k];
        if (r->used && r->number == n)
            return r;
    }
    return NULL;
}

/* Logs that item's level changed. */
static void log_change(inv_store *s, unsigned item)
{
    uint64_t v = s->l->version + 1;
    s->l->log[v % STORE_LOG] =
        (store_change){ .version = v, .item = item, .available = inv_store_available(s, item) };
    __atomic_store_n(&s->l->version, v, __ATOMIC_RELEASE);
}

const store_reservation *inv_store_add(inv_store *s, const char *order_id, unsigned item,
                                       int32_t quantity)
{
    for (size_t k = 0; k < STORE_RESERVATIONS; k++) {
        store_reservation *r = &s->l->res[k];
        if (r->used)
            continue;
        r->item = (uint8_t)item;
        r->quantity = quantity;
        r->number = ++s->l->next_number;
        snprintf(r->order_id, sizeof r->order_id, "%s", order_id);
        __atomic_store_n(&r->used, 1, __ATOMIC_RELEASE); /* whole now */
        log_change(s, item);
        return r;
    }
    return NULL;
}

void inv_store_remove(inv_store *s, const store_reservation *r)
{
    store_reservation *w = &s->l->res[r - s->l->res];
    __atomic_store_n(&w->used, 0, __ATOMIC_RELEASE);
    log_change(s, w->item);
}

uint64_t inv_store_version(const inv_store *s)
{
    return __atomic_load_n(&s->l->version, __ATOMIC_ACQUIRE);
}

bool inv_store_change(const inv_store *s, uint64_t v, store_change *out)
{
    const store_change *c = &s->l->log[v % STORE_LOG];
    if (c->version != v)
        return false;
    *out = *c;
    return true;
}
