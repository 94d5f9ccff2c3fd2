/*
 * json_tool.c: the JSON codec driven by the oracle script (oracle.py).
 *
 * Reads requests from stdin, one a line, and answers each on stdout:
 *   enc TYPE FLAGS HEX   HEX is a binary message of TYPE: answers its JSON
 *   dec TYPE FLAGS HEX   HEX is JSON text: answers the binary message
 * as "ok HEX" or "err MESSAGE".  FLAGS is "-" or letters: d emit_defaults,
 * n enums_as_numbers, p proto_names, u ignore_unknown_fields.  TYPE is a
 * full name from jt.proto, jt2.proto or google/protobuf; all of them are
 * registered for Any.  One process serves the whole corpus, so the test
 * does not start one program per message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <typerpc/json.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "jt.pb-c.h"
#include "jt2.pb-c.h"

static const ProtobufCMessageDescriptor *const roots[] = {
    &jt__all__descriptor,
    &jt2__p2__descriptor,
    &google__protobuf__any__descriptor,
    &google__protobuf__duration__descriptor,
    &google__protobuf__empty__descriptor,
    &google__protobuf__field_mask__descriptor,
    &google__protobuf__struct__descriptor,
    &google__protobuf__timestamp__descriptor,
    &google__protobuf__double_value__descriptor,
    &google__protobuf__float_value__descriptor,
    &google__protobuf__int64_value__descriptor,
    &google__protobuf__uint64_value__descriptor,
    &google__protobuf__int32_value__descriptor,
    &google__protobuf__uint32_value__descriptor,
    &google__protobuf__bool_value__descriptor,
    &google__protobuf__string_value__descriptor,
    &google__protobuf__bytes_value__descriptor,
};

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

static size_t unhex(const char *s, unsigned char *out)
{
    size_t n = 0;
    while (hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
        out[n++] = (unsigned char)(hexval(s[0]) << 4 | hexval(s[1]));
        s += 2;
    }
    return n;
}

static void put_hex(const unsigned char *p, size_t n)
{
    fputs("ok ", stdout);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    putchar('\n');
}

int main(void)
{
    trpc_json_registry *reg;
    if (trpc_json_registry_new(&reg) != TRPC_OK)
        return 1;
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        if (trpc_json_registry_add(reg, roots[i]) != TRPC_OK)
            return 1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, stdin)) > 0) {
        char op[8], type[128], flags[8];
        int off = 0;
        if (sscanf(line, "%7s %127s %7s %n", op, type, flags, &off) != 3) {
            puts("err bad request");
            continue;
        }
        trpc_json_opts o = TRPC_JSON_OPTS(.registry = reg);
        o.emit_defaults = strchr(flags, 'd') != NULL;
        o.enums_as_numbers = strchr(flags, 'n') != NULL;
        o.proto_names = strchr(flags, 'p') != NULL;
        o.ignore_unknown_fields = strchr(flags, 'u') != NULL;
        const ProtobufCMessageDescriptor *d = trpc_json_registry_find(reg, type);
        unsigned char *data = malloc((size_t)got / 2 + 1);
        if (!d || !data) {
            printf("err unknown type %s\n", type);
            free(data);
            continue;
        }
        size_t n = unhex(line + off, data);
        char err[512];
        if (strcmp(op, "enc") == 0) {
            ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, data);
            char *json;
            size_t len;
            if (!m)
                puts("err the binary message does not unpack");
            else if (trpc_json_encode(m, &o, &json, &len, err, sizeof err) != TRPC_OK)
                printf("err %s\n", err);
            else {
                put_hex((unsigned char *)json, len);
                free(json);
            }
            if (m)
                protobuf_c_message_free_unpacked(m, NULL);
        } else {
            ProtobufCMessage *m;
            if (trpc_json_decode(d, (char *)data, n, &o, NULL, &m, err, sizeof err) != TRPC_OK) {
                printf("err %s\n", err);
            } else {
                size_t sz = protobuf_c_message_get_packed_size(m);
                unsigned char *buf = malloc(sz + 1);
                protobuf_c_message_pack(m, buf);
                put_hex(buf, sz);
                free(buf);
                protobuf_c_message_free_unpacked(m, NULL);
            }
        }
        fflush(stdout);
        free(data);
    }
    free(line);
    trpc_json_registry_free(reg);
    return 0;
}
