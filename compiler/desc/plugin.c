/*
 * plugin.c — typerpc as a protoc plugin: CodeGeneratorRequest in,
 * CodeGeneratorResponse out (google/protobuf/compiler/plugin.proto).
 *
 * protoc (or buf) parses and checks the .proto files and hands over their
 * FileDescriptorProtos, dependencies first; model.c turns them into the
 * model the generators read, and the generators run exactly as for
 * `typerpc --c_out`. They write files, and the service generator writes its
 * own, so the plugin lets them write into a private temporary folder and
 * reads back exactly the files gen_outputs() names (the list the dependency
 * file uses), which keeps the plugin's output the same as --c_out's by
 * construction. Their names, relative to that folder, are the names protoc
 * expects (relative to --typerpc_out).
 *
 * Problems with the request or the generation go in the response's error
 * field (protoc prints it and fails), not in the exit status, as the
 * protocol asks; warnings go to stderr, which protoc passes on. The plugin
 * takes no parameter (--typerpc_opt): one given is an error, so a typo is
 * not silently ignored. It declares FEATURE_PROTO3_OPTIONAL, since the
 * generators handle proto3 `optional`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

typedef Google__Protobuf__Compiler__CodeGeneratorRequest Request;
typedef Google__Protobuf__Compiler__CodeGeneratorResponse Response;
typedef Google__Protobuf__Compiler__CodeGeneratorResponse__File ResponseFile;

static bool read_all(FILE *in, uint8_t **data, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, in);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (!buf || ferror(in)) {
        free(buf);
        return false;
    }
    *data = buf;
    *len = n;
    return true;
}

static char *read_file(Arena *a, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    uint8_t *data;
    size_t len;
    bool ok = read_all(fp, &data, &len);
    fclose(fp);
    if (!ok)
        return NULL;
    char *s = arena_strndup(a, (const char *)data, len);
    free(data);
    return s;
}

/* Remove path and then its folders up to (not including) root. */
static void remove_with_folders(Arena *a, const char *root, const char *path)
{
    remove(path);
    char *dir = arena_strdup(a, path);
    size_t root_len = strlen(root);
    for (char *slash = strrchr(dir, '/'); slash && (size_t)(slash - dir) > root_len;
         slash = strrchr(dir, '/')) {
        *slash = '\0';
        if (rmdir(dir) != 0)
            break;
    }
}

static const char *generate(Compiler *c, const Request *req, const uint8_t *raw, size_t raw_len,
                            Response *resp)
{
    Arena *a = c->arena;
    if (req->parameter && req->parameter[0])
        return arena_printf(a, "protoc-gen-typerpc takes no parameter, got '%s'", req->parameter);
    const char *problem = desc_model_from_protos(c, req->proto_file, req->n_proto_file);
    if (problem)
        return problem;
    for (size_t i = 0; i < req->n_file_to_generate; i++) {
        File *f = NULL;
        for (size_t k = 0; k < c->files.len && !f; k++)
            if (strcmp(c->files.items[k]->name, req->file_to_generate[i]) == 0)
                f = c->files.items[k];
        if (!f)
            return arena_printf(a, "the request asks for %s but does not carry it",
                                req->file_to_generate[i]);
        VEC_PUSH(a, &c->inputs, f);
    }
    /* The embedded descriptors are the request's bytes, as protoc or buf
     * serialized them (less SourceCodeInfo): libprotobuf-c cannot carry a
     * string holding a NUL through unpack and pack, and the model loses
     * the order of option bytes. */
    desc_embed_from_request(c, raw, raw_len);

    const char *tmp = getenv("TMPDIR");
    char *dir = arena_printf(a, "%s/protoc-gen-typerpc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return arena_printf(a, "cannot make a temporary folder in %s: %s",
                            tmp && *tmp ? tmp : "/tmp", strerror(errno));
    bool ok = gen_inputs(c, dir);
    const char *error = ok ? NULL : "the generated files could not be written (see above)";
    VEC(ResponseFile *) files = { 0 };
    size_t prefix = strlen(dir) + 1;
    for (size_t i = 0; i < c->inputs.len; i++) {
        char *paths[GEN_MAX_OUTPUTS];
        size_t n = gen_outputs(a, c->inputs.items[i], dir, paths);
        for (size_t k = 0; k < n; k++) {
            char *content = ok ? read_file(a, paths[k]) : NULL;
            if (ok && !content && !error)
                error = arena_printf(a, "cannot read back %s: %s", paths[k], strerror(errno));
            if (content) {
                ResponseFile *rf = arena_alloc(a, sizeof *rf);
                google__protobuf__compiler__code_generator_response__file__init(rf);
                rf->name = paths[k] + prefix;
                rf->content = content;
                VEC_PUSH(a, &files, rf);
            }
            remove_with_folders(a, dir, paths[k]);
        }
    }
    rmdir(dir);
    resp->n_file = files.len;
    resp->file = files.items;
    return error;
}

int desc_plugin_run(FILE *in, FILE *out, FILE *err)
{
    uint8_t *data;
    size_t len;
    if (!read_all(in, &data, &len)) {
        fputs("protoc-gen-typerpc: cannot read the request from standard input\n", err);
        return 1;
    }
    Arena *a = arena_new();
    ProtobufCAllocator alloc = desc_allocator(a);
    Request *req = google__protobuf__compiler__code_generator_request__unpack(&alloc, len, data);
    if (!req) {
        free(data);
        fputs("protoc-gen-typerpc: standard input is not a CodeGeneratorRequest; this program "
              "is run by protoc (--plugin=protoc-gen-typerpc=PATH --typerpc_out=DIR) or buf\n",
              err);
        arena_free(a);
        return 1;
    }

    Diag diag;
    diag_init(&diag, a, err, false);
    Compiler c;
    compiler_init(&c, a, &diag);
    Response resp = GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__INIT;
    resp.has_supported_features = true;
    resp.supported_features =
        GOOGLE__PROTOBUF__COMPILER__CODE_GENERATOR_RESPONSE__FEATURE__FEATURE_PROTO3_OPTIONAL;
    const char *error = generate(&c, req, data, len, &resp);
    free(data);
    diag_flush(&diag);
    if (error) {
        resp.error = (char *)error;
        resp.n_file = 0;
        resp.file = NULL;
    }

    size_t n = google__protobuf__compiler__code_generator_response__get_packed_size(&resp);
    uint8_t *buf = arena_alloc(a, n ? n : 1);
    google__protobuf__compiler__code_generator_response__pack(&resp, buf);
    bool written = fwrite(buf, 1, n, out) == n && fflush(out) == 0;
    arena_free(a);
    if (!written) {
        fputs("protoc-gen-typerpc: cannot write the response to standard output\n", err);
        return 1;
    }
    return 0;
}
