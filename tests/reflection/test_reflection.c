/*
 * test_reflection.c: server reflection through typerpc's own client (the
 * v1 client code typerpc generates from runtime/proto), on a server with
 * echo.Echo and helloworld.Greeter (tests/runtime's generated code):
 *
 *   errors        trpc_server_add_reflection(): NULL, a second time
 *                 (TRPC_EEXISTS), after start (TRPC_ESTATE)
 *   stream        one stream, many requests: list_services (a service
 *                 registered after reflection, and one from a hand-written
 *                 table, included), file_containing_symbol of a service,
 *                 a method, a message: the file's bytes are the embedded
 *                 ones (trpc_file__helloworld_2eproto); an unknown symbol
 *                 NOT_FOUND and the stream goes on; a hand-written
 *                 service's name has no file; the stream ends OK after
 *                 close_send
 *   concurrent    eight streams at once from eight threads (the index is
 *                 built once, by whichever comes first)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include "echo_impl.h"
#include "grpc/reflection/v1/reflection.trpc.h"
#include "helloworld.trpc.h"
#include "rt_util.h"

extern const trpc_file_descriptor trpc_file__helloworld_2eproto;

typedef Grpc__Reflection__V1__ServerReflectionRequest req_t;
typedef Grpc__Reflection__V1__ServerReflectionResponse resp_t;
typedef Grpc__Reflection__V1__ServerReflection_ServerReflectionInfo_Stream stream_t;

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req, Helloworld__HelloReply *reply,
                             void *user)
{
    (void)call;
    (void)req;
    (void)user;
    reply->message = "hi";
    return TRPC_STATUS_OK;
}

/* A service from a hand-written table: no file. */
static trpc_status raw_message(trpc_call *call, const ProtobufCMessage *req,
                               ProtobufCMessage *reply, const void *impl, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)impl;
    (void)user;
    return TRPC_STATUS_OK;
}
static const trpc_method raw_methods[1] = {
    { "/raw.Table/Get", &helloworld__hello_request__descriptor,
      &helloworld__hello_reply__descriptor, TRPC_UNARY },
};
static const trpc_service raw_service = { "raw.Table", 1, raw_methods, NULL };
static const trpc_method_handlers raw_handlers[1] = { { .on_message = raw_message } };

typedef struct fixture {
    trpc_server *srv;
    trpc_channel *ch;
    int port;
} fixture;

static void setup(fixture *f)
{
    static const Helloworld__Greeter_Impl greeter = { .say_hello = say_hello };
    assert_int_equal(trpc_server_new(&f->srv, NULL), TRPC_OK);
    assert_int_equal(echo__echo__serve(f->srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_add_reflection(f->srv), TRPC_OK);
    assert_int_equal(trpc_server_add_reflection(f->srv), TRPC_EEXISTS);
    /* Registered after reflection: listed all the same. */
    assert_int_equal(helloworld__greeter__serve(f->srv, &greeter, NULL), TRPC_OK);
    assert_int_equal(trpc_server_add_service(f->srv, &raw_service, raw_handlers, &raw_service,
                                             NULL),
                     TRPC_OK);
    assert_int_equal(trpc_server_listen(f->srv, "127.0.0.1:0", &f->port), TRPC_OK);
    assert_int_equal(trpc_server_start(f->srv), TRPC_OK);
    assert_int_equal(trpc_server_add_reflection(f->srv), TRPC_ESTATE);
    f->ch = rt_channel("127.0.0.1:%d", f->port);
}

static void teardown(fixture *f)
{
    trpc_channel_free(f->ch);
    trpc_server_shutdown(f->srv, 1000);
    trpc_server_free(f->srv);
}

static stream_t *open_stream(trpc_channel *ch)
{
    stream_t *s = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = 30000);
    assert_int_equal(grpc__reflection__v1__server_reflection__server_reflection_info__start(
                         &s, grpc__reflection__v1__server_reflection__client(ch), &o),
                     TRPC_OK);
    return s;
}

/* Sends req, returns the response (the caller frees it). */
static resp_t *ask(stream_t *s, const req_t *req)
{
    assert_int_equal(grpc__reflection__v1__server_reflection__server_reflection_info__send(s, req),
                     TRPC_OK);
    resp_t *r = NULL;
    assert_true(grpc__reflection__v1__server_reflection__server_reflection_info__recv(s, &r));
    assert_non_null(r);
    return r;
}

static resp_t *ask_symbol(stream_t *s, const char *symbol)
{
    req_t q = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    q.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL;
    q.file_containing_symbol = (char *)symbol;
    return ask(s, &q);
}

/* The response is exactly helloworld.proto's embedded bytes (it imports
 * nothing). */
static void assert_helloworld(resp_t *r)
{
    assert_int_equal(r->message_response_case,
                     GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE);
    assert_int_equal(r->file_descriptor_response->n_file_descriptor_proto, 1);
    ProtobufCBinaryData *b = &r->file_descriptor_response->file_descriptor_proto[0];
    assert_int_equal(b->len, trpc_file__helloworld_2eproto.len);
    assert_memory_equal(b->data, trpc_file__helloworld_2eproto.data, b->len);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void assert_not_found(resp_t *r)
{
    assert_int_equal(r->message_response_case,
                     GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE);
    assert_int_equal(r->error_response->error_code, TRPC_STATUS_NOT_FOUND);
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void finish_ok(stream_t *s)
{
    assert_int_equal(grpc__reflection__v1__server_reflection__server_reflection_info__close_send(s),
                     TRPC_OK);
    resp_t *r = NULL;
    assert_false(grpc__reflection__v1__server_reflection__server_reflection_info__recv(s, &r));
    assert_int_equal(grpc__reflection__v1__server_reflection__server_reflection_info__finish(s),
                     TRPC_STATUS_OK);
}

static void test_errors(void **state)
{
    (void)state;
    assert_int_equal(trpc_server_add_reflection(NULL), TRPC_EINVAL);
    fixture f;
    setup(&f); /* EEXISTS and ESTATE are checked there */
    teardown(&f);
}

static void test_stream(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    stream_t *s = open_stream(f.ch);

    req_t q = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    q.host = "here";
    q.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES;
    q.list_services = "";
    resp_t *r = ask(s, &q);
    assert_string_equal(r->valid_host, "here");
    assert_non_null(r->original_request);
    assert_int_equal(r->message_response_case,
                     GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE);
    static const char *const want[] = { "echo.Echo", "grpc.reflection.v1.ServerReflection",
                                        "grpc.reflection.v1alpha.ServerReflection",
                                        "helloworld.Greeter", "raw.Table" };
    assert_int_equal(r->list_services_response->n_service, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(r->list_services_response->service[i]->name, want[i]);
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);

    assert_helloworld(ask_symbol(s, "helloworld.Greeter"));
    assert_helloworld(ask_symbol(s, "helloworld.Greeter.SayHello"));
    assert_helloworld(ask_symbol(s, "helloworld.HelloReply"));
    assert_helloworld(ask_symbol(s, "helloworld.HelloRequest.name"));
    assert_not_found(ask_symbol(s, "helloworld.Nope"));
    assert_not_found(ask_symbol(s, "raw.Table")); /* listed, but no file */
    assert_not_found(ask_symbol(s, ""));
    assert_helloworld(ask_symbol(s, "helloworld.Greeter")); /* the stream goes on */
    finish_ok(s);
    teardown(&f);
}

static void *one_stream(void *arg)
{
    stream_t *s = open_stream(arg);
    for (int i = 0; i < 20; i++) {
        assert_helloworld(ask_symbol(s, "helloworld.HelloRequest"));
        assert_not_found(ask_symbol(s, "echo.Nope"));
    }
    finish_ok(s);
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, one_stream, f.ch), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
    }
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
