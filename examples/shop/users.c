/*
 * users.c — the users service: sign-up and lookup, kept in memory.
 *
 * Users get ids "u-1", "u-2", ... in sign-up order; an email can sign up
 * once.  A small array under one mutex is plenty for an example.  The
 * handlers run on the server's executor, as a service whose handlers block
 * (on a database, say) must.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shop.h"
#include "users.trpc.h"

typedef struct user {
    char id[24];
    char *name, *email;
} user;

struct shop_users {
    pthread_mutex_t lock;
    user *users;
    size_t n, cap;
};

/* Copies u into reply, in the call's arena.  Both methods use it, so it
 * takes the generic call (call->base). */
static trpc_status reply_user(trpc_call *call, const user *u, Shop__User *reply)
{
    reply->id = trpc_call_strdup(call, u->id);
    reply->name = trpc_call_strdup(call, u->name);
    reply->email = trpc_call_strdup(call, u->email);
    if (!reply->id || !reply->name || !reply->email)
        return trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return TRPC_STATUS_OK;
}

/* rpc SignUp(SignUpRequest) returns (User) */
static trpc_status sign_up(Shop__Users_SignUp_Call *call, const Shop__SignUpRequest *req,
                           Shop__User *reply, void *user_)
{
    shop_users *us = user_;
    if (!req->name[0] || !strchr(req->email, '@'))
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "a name and an email address are required");
    trpc_status st = TRPC_STATUS_OK;
    pthread_mutex_lock(&us->lock);
    for (size_t i = 0; i < us->n; i++) {
        if (strcmp(us->users[i].email, req->email) == 0) {
            st = trpc_call_error(call->base, TRPC_STATUS_ALREADY_EXISTS,
                                 "%s is already signed up as %s", req->email, us->users[i].id);
            goto out;
        }
    }
    if (us->n == us->cap) {
        size_t cap = us->cap ? 2 * us->cap : 16;
        user *grown = realloc(us->users, cap * sizeof *grown);
        if (!grown) {
            st = trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        us->users = grown;
        us->cap = cap;
    }
    user *u = &us->users[us->n];
    snprintf(u->id, sizeof u->id, "u-%zu", us->n + 1);
    u->name = strdup(req->name);
    u->email = strdup(req->email);
    if (!u->name || !u->email) {
        free(u->name);
        free(u->email);
        st = trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    us->n++;
    st = reply_user(call->base, u, reply);
out:
    pthread_mutex_unlock(&us->lock);
    return st;
}

/* rpc GetUser(GetUserRequest) returns (User) */
static trpc_status get_user(Shop__Users_GetUser_Call *call, const Shop__GetUserRequest *req,
                            Shop__User *reply, void *user_)
{
    shop_users *us = user_;
    trpc_status st = TRPC_STATUS_NOT_FOUND;
    pthread_mutex_lock(&us->lock);
    for (size_t i = 0; i < us->n; i++) {
        if (strcmp(us->users[i].id, req->id) == 0) {
            st = reply_user(call->base, &us->users[i], reply);
            break;
        }
    }
    pthread_mutex_unlock(&us->lock);
    if (st == TRPC_STATUS_NOT_FOUND)
        return trpc_call_error(call->base, st, "no user '%s'", req->id);
    return st;
}

static const Shop__Users_Impl users_impl = { .sign_up = sign_up, .get_user = get_user };

trpc_error shop_users_new(shop_users **out)
{
    shop_users *us = calloc(1, sizeof *us);
    if (!us)
        return TRPC_ENOMEM;
    pthread_mutex_init(&us->lock, NULL);
    *out = us;
    return TRPC_OK;
}

trpc_error shop_users_serve(shop_users *us, trpc_server *srv)
{
    trpc_error rv = shop__users__serve(srv, &users_impl, us);
    if (rv != TRPC_OK)
        return rv;
    /* A real users service would wait for its database, and a handler
     * must not block a worker (its other calls would wait too): the
     * executor runs this service's handlers on threads that may block. */
    return trpc_server_use_executor(srv, "shop.Users");
}

void shop_users_free(shop_users *us)
{
    if (!us)
        return;
    for (size_t i = 0; i < us->n; i++) {
        free(us->users[i].name);
        free(us->users[i].email);
    }
    free(us->users);
    pthread_mutex_destroy(&us->lock);
    free(us);
}
