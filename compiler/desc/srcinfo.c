#include "internal.h"
Google__Protobuf__SourceCodeInfo *desc_source_info(Arena *arena, File *f)
{
    (void)arena;
    (void)f;
    return NULL;
}
