/*
 * embed.c — the descriptor bytes the generated code embeds for gRPC server
 * reflection (docs/compiler.md, "Embedded descriptors").
 *
 * A reflection client (grpcurl, buf curl, Postman) asks the server for the
 * FileDescriptorProto of a file or of the file defining a symbol, and for
 * those of its imports. gRPC's own servers answer with what protoc
 * serialized into the generated code: the FileDescriptorProto without
 * SourceCodeInfo, which is also what --descriptor_set_out writes without
 * --include_source_info. typerpc embeds the same bytes: from the sources,
 * build.c's protoc-identical FileDescriptorProto; in the plugin, the bytes
 * protoc (or buf) put in the request, with the SourceCodeInfo field cut
 * out on the wire. Those are read from the raw request rather than
 * repacked: libprotobuf-c cannot carry a string holding a NUL (a default
 * value) through unpack and pack, and the model does not keep the order of
 * option bytes buf writes.
 */
#include <string.h>

#include "internal.h"

void desc_embed_inputs(Compiler *c)
{
    for (size_t i = 0; i < c->inputs.len; i++) {
        File *f = c->inputs.items[i];
        FileProto *fp = desc_file_proto(c->arena, f, false);
        size_t len = google__protobuf__file_descriptor_proto__get_packed_size(fp);
        uint8_t *data = arena_alloc(c->arena, len ? len : 1);
        google__protobuf__file_descriptor_proto__pack(fp, data);
        f->descriptor = data;
        f->descriptor_len = len;
    }
}

/* ---- reading the wire (the plugin's request) ---- */

typedef struct WField {
    uint64_t number;
    int type;
    const uint8_t *start, *end; /* the whole field, tag included */
    const uint8_t *payload;     /* WIRE_LEN: the bytes */
    size_t payload_len;
} WField;

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* The next field at *p; false at the end or on bytes that are not wire
 * format (groups included: neither message here has any). */
static bool next_field(const uint8_t **p, const uint8_t *end, WField *f)
{
    if (*p >= end)
        return false;
    f->start = *p;
    uint64_t tag, v;
    if (!read_varint(p, end, &tag))
        return false;
    f->number = tag >> 3;
    f->type = (int)(tag & 7);
    switch (f->type) {
    case WIRE_VARINT:
        if (!read_varint(p, end, &v))
            return false;
        break;
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
        size_t n = f->type == WIRE_FIXED64 ? 8 : 4;
        if ((size_t)(end - *p) < n)
            return false;
        *p += n;
        break;
    }
    case WIRE_LEN:
        if (!read_varint(p, end, &v) || v > (uint64_t)(end - *p))
            return false;
        f->payload = *p;
        f->payload_len = (size_t)v;
        *p += v;
        break;
    default:
        return false;
    }
    f->end = *p;
    return true;
}

enum { REQUEST_PROTO_FILE = 15, FILE_NAME = 1, FILE_SOURCE_CODE_INFO = 9 };

void desc_embed_from_request(Compiler *c, const uint8_t *raw, size_t len)
{
    const uint8_t *p = raw, *end = raw + len;
    WField rf;
    while (next_field(&p, end, &rf)) {
        if (rf.number != REQUEST_PROTO_FILE || rf.type != WIRE_LEN)
            continue;
        /* The file's name, and its bytes less SourceCodeInfo. */
        const uint8_t *q = rf.payload, *qend = rf.payload + rf.payload_len;
        uint8_t *out = arena_alloc(c->arena, rf.payload_len ? rf.payload_len : 1);
        size_t n = 0;
        const char *name = NULL;
        size_t name_len = 0;
        WField ff;
        while (next_field(&q, qend, &ff)) {
            if (ff.number == FILE_NAME && ff.type == WIRE_LEN) {
                name = (const char *)ff.payload;
                name_len = ff.payload_len;
            }
            if (ff.number != FILE_SOURCE_CODE_INFO) {
                memcpy(out + n, ff.start, (size_t)(ff.end - ff.start));
                n += (size_t)(ff.end - ff.start);
            }
        }
        if (q != qend || !name)
            continue; /* libprotobuf-c unpacked it: cannot happen */
        for (size_t i = 0; i < c->inputs.len; i++) {
            File *f = c->inputs.items[i];
            if (strlen(f->name) == name_len && memcmp(f->name, name, name_len) == 0) {
                f->descriptor = out;
                f->descriptor_len = n;
            }
        }
    }
}
