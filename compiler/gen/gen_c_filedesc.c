/*
 * gen_c_filedesc.c — the file descriptor at the end of foo.pb-c.c: the
 * serialized FileDescriptorProto of foo.proto (the bytes the descriptor
 * stage put in File.descriptor) and links to those of its imports, for
 * gRPC server reflection (typerpc/reflection.h, docs/compiler.md).
 *
 * Every generated file defines one, service or not, so the import graph
 * can be walked at run time: foo's descriptor points at each import's by a
 * symbol derived from the import's file name alone (trpc_file__ plus the
 * name with every byte that is not a letter or digit written _XX in hex),
 * which the import's own foo.pb-c.c defines, however and whenever it was
 * generated. The links are weak references: an import whose generated
 * code is not linked into the program (an import used only for its
 * options, a well-known type nobody compiled) leaves a NULL link rather
 * than an undefined symbol, so a program that linked before still links.
 * The definition is weak too: two files of the same name in one program
 * (two libraries' "types.proto", which protobuf's C++ and Go runtimes
 * refuse) linked before and still do; the linker keeps one descriptor.
 *
 * The type is declared here and in typerpc/descriptor.h alike, behind one
 * guard macro, so the message code still needs no header of typerpc's, as
 * protoc-c's does not. It is an addition at the end of the file: nothing
 * protoc-c writes changes.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

char *gen_file_descriptor_symbol(Arena *a, const char *proto_name)
{
    Buf b = { 0 };
    buf_puts(&b, "trpc_file__");
    for (const unsigned char *p = (const unsigned char *)proto_name; *p; p++) {
        if (isalnum(*p) && *p < 0x80)
            buf_putc(&b, (char)*p);
        else
            buf_printf(&b, "_%02x", *p);
    }
    char *s = arena_strndup(a, b.data, b.len);
    buf_free(&b);
    return s;
}

void gen_file_descriptor(Gen *g)
{
    File *f = g->file;
    if (!f->descriptor)
        return; /* the bootstrap compiler: no descriptor stage */
    Buf *b = &g->src;
    const char *sym = gen_file_descriptor_symbol(g->arena, f->name);
    /* clang-format off */
    buf_cat(b,
            "\n/* --- file descriptor --- */\n"
            "\n"
            "/* ", f->name, " as a serialized google.protobuf.FileDescriptorProto\n"
            " * (without SourceCodeInfo) and the files it imports, for gRPC server\n"
            " * reflection (typerpc/reflection.h).  An import whose generated code is\n"
            " * not linked in is a NULL link; all are weak symbols. */\n"
            "#ifndef TRPC_FILE_DESCRIPTOR_DEFINED\n"
            "#define TRPC_FILE_DESCRIPTOR_DEFINED\n"
            "typedef struct trpc_file_descriptor trpc_file_descriptor;\n"
            "struct trpc_file_descriptor\n"
            "{\n"
            "  const char *name;\n"
            "  const uint8_t *data;\n"
            "  size_t len;\n"
            "  size_t n_deps;\n"
            "  const trpc_file_descriptor *const *deps;\n"
            "};\n"
            "#endif\n", NULL);
    /* clang-format on */
    size_t n_deps = f->imports.len;
    buf_puts(b, "#if defined(__GNUC__) || defined(__clang__)\n"
                "#define TRPC_FILE_DESCRIPTOR_WEAK __attribute__((weak))\n"
                "#else\n"
                "#define TRPC_FILE_DESCRIPTOR_WEAK\n"
                "#endif\n");
    for (size_t i = 0; i < n_deps; i++)
        buf_cat(b, "extern const trpc_file_descriptor ",
                gen_file_descriptor_symbol(g->arena, f->imports.items[i].path),
                " TRPC_FILE_DESCRIPTOR_WEAK;\n", NULL);
    buf_printf(b, "static const uint8_t %s__data[%zu] =\n{", sym,
               f->descriptor_len ? f->descriptor_len : 1);
    for (size_t i = 0; i < f->descriptor_len; i++)
        buf_printf(b, "%s0x%02x%s", i % 16 == 0 ? "\n  " : "", f->descriptor[i],
                   i + 1 < f->descriptor_len ? (i % 16 == 15 ? "," : ", ") : "");
    buf_puts(b, "\n};\n");
    if (n_deps) {
        buf_printf(b, "static const trpc_file_descriptor *const %s__deps[%zu] =\n{\n", sym,
                   n_deps);
        for (size_t i = 0; i < n_deps; i++)
            buf_cat(b, "  &", gen_file_descriptor_symbol(g->arena, f->imports.items[i].path),
                    i + 1 < n_deps ? ",\n" : "\n", NULL);
        buf_puts(b, "};\n");
    }
    buf_cat(b, "extern const trpc_file_descriptor ", sym, " TRPC_FILE_DESCRIPTOR_WEAK;\n", NULL);
    buf_cat(b, "const trpc_file_descriptor ", sym, " TRPC_FILE_DESCRIPTOR_WEAK =\n{\n  \"", NULL);
    gen_c_escape(b, f->name, strlen(f->name));
    buf_cat(b, "\",\n  ", sym, "__data,\n", NULL);
    buf_printf(b, "  %zu,\n  %zu,\n  %s%s\n};\n", f->descriptor_len, n_deps,
               n_deps ? sym : "NULL", n_deps ? "__deps" : "");
}
