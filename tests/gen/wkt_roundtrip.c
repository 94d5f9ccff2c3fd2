/*
 * wkt_roundtrip.c — typerpc's code for descriptor.proto and the well-known
 * types, built with -Werror, unpacking bytes made by protoc (C++) and packing
 * them back.
 *
 *   wkt_roundtrip TYPE < bytes > bytes    unpack as TYPE and pack again
 *   wkt_roundtrip types                   list the message types known
 *
 * test_gen_protoc_c.c feeds it protoc's own FileDescriptorSet of these files
 * (a large, real message) and protoc --encode samples of every type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/api.pb-c.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/source_context.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/protobuf/type.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"

static const ProtobufCMessageDescriptor *const types[] = {
    &google__protobuf__any__descriptor,
    &google__protobuf__api__descriptor,
    &google__protobuf__method__descriptor,
    &google__protobuf__mixin__descriptor,
    &google__protobuf__file_descriptor_set__descriptor,
    &google__protobuf__file_descriptor_proto__descriptor,
    &google__protobuf__duration__descriptor,
    &google__protobuf__empty__descriptor,
    &google__protobuf__field_mask__descriptor,
    &google__protobuf__source_context__descriptor,
    &google__protobuf__struct__descriptor,
    &google__protobuf__value__descriptor,
    &google__protobuf__list_value__descriptor,
    &google__protobuf__timestamp__descriptor,
    &google__protobuf__type__descriptor,
    &google__protobuf__field__descriptor,
    &google__protobuf__enum__descriptor,
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

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "types") == 0) {
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            printf("%s\n", types[i]->name);
        return 0;
    }
    if (argc != 2) {
        fputs("usage: wkt_roundtrip TYPE < bytes\n", stderr);
        return 2;
    }
    const ProtobufCMessageDescriptor *d = NULL;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(types[i]->name, argv[1]) == 0)
            d = types[i];
    if (!d) {
        fprintf(stderr, "unknown type %s\n", argv[1]);
        return 2;
    }
    size_t cap = 1 << 16, n = 0, k;
    uint8_t *in = malloc(cap);
    while ((k = fread(in + n, 1, cap - n, stdin)) > 0)
        if ((n += k) == cap)
            in = realloc(in, cap *= 2);
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, n, in);
    if (!m) {
        fputs("unpack failed\n", stderr);
        return 1;
    }
    size_t size = protobuf_c_message_get_packed_size(m);
    uint8_t *out = malloc(size + 1);
    size_t packed = protobuf_c_message_pack(m, out);
    fwrite(out, 1, packed, stdout);
    protobuf_c_message_free_unpacked(m, NULL);
    free(in);
    free(out);
    return packed == size ? 0 : 1;
}
