/*
 * wire.c — writing the protobuf wire format, for the bytes libprotobuf-c
 * cannot make from a struct: custom options, which protoc keeps as unknown
 * fields of the options messages, and aggregate option values, which protoc
 * serializes from a dynamic message of a type only the .proto file knows.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void wbuf_put(WBuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data) {
            fputs("typerpc: out of memory\n", stderr);
            abort();
        }
        b->data = data;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void wbuf_varint(WBuf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = v ? byte | 0x80 : byte;
    } while (v);
    wbuf_put(b, tmp, n);
}

void wbuf_tag(WBuf *b, uint64_t number, int wire_type)
{
    wbuf_varint(b, (number << 3) | (uint64_t)wire_type);
}

void wbuf_fixed32(WBuf *b, uint32_t v)
{
    uint8_t tmp[4];
    for (int i = 0; i < 4; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    wbuf_put(b, tmp, 4);
}

void wbuf_fixed64(WBuf *b, uint64_t v)
{
    uint8_t tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    wbuf_put(b, tmp, 8);
}

void wbuf_len_field(WBuf *b, uint64_t number, const void *p, size_t n)
{
    wbuf_tag(b, number, WIRE_LEN);
    wbuf_varint(b, n);
    wbuf_put(b, p, n);
}

void wbuf_free(WBuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
