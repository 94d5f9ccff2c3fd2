/*
 * plugin_main.c — protoc-gen-typerpc, the typerpc compiler as a protoc
 * plugin, installed beside typerpc:
 *
 *   protoc --plugin=protoc-gen-typerpc=PATH --typerpc_out=DIR foo.proto
 *   buf generate      (with a buf.gen.yaml naming the plugin; see README.md)
 *
 * write what `typerpc --c_out=DIR foo.proto` writes. protoc runs it with a
 * CodeGeneratorRequest on standard input and reads a CodeGeneratorResponse
 * from standard output; the work is desc_plugin_run's (desc/plugin.c).
 * Run by hand, it answers --help and --version.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "desc.h"

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--version") == 0)) {
        printf("protoc-gen-typerpc %s\n", TYPERPC_VERSION);
        return 0;
    }
    if (argc > 1 || isatty(fileno(stdin))) {
        fputs("Usage: protoc --plugin=protoc-gen-typerpc=PATH --typerpc_out=DIR FILE.proto...\n"
              "protoc-gen-typerpc is typerpc as a protoc (or buf) plugin: it reads a\n"
              "CodeGeneratorRequest on standard input and writes what 'typerpc --c_out'\n"
              "writes for the same files. It takes no parameter. See 'man typerpc'.\n",
              argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout
                                                                                         : stderr);
        return argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? 0 : 2;
    }
    return desc_plugin_run(stdin, stdout, stderr);
}
