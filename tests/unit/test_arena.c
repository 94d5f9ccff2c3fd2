/*
 * test_arena.c — the bottom of the compiler (compiler/base/): the arena's
 * allocations and arena_printf, whose %s-only formats take a path of their
 * own, and the string hash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void test_alloc_zeroed_and_aligned(void **state)
{
    (void)state;
    Arena *a = arena_new();
    for (size_t size = 1; size < 3000; size += 37) {
        char *s = arena_strndup(a, "xyz", 3); /* strings leave the chunk unaligned */
        assert_string_equal(s, "xyz");
        unsigned char *p = arena_alloc(a, size);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t i = 0; i < size; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xff, size);
    }
    /* Larger than any chunk: a chunk of its own. */
    unsigned char *big = arena_alloc(a, 3u << 20);
    assert_int_equal(big[0], 0);
    assert_int_equal(big[(3u << 20) - 1], 0);
    arena_free(a);
}

static void test_printf_strings_only(void **state)
{
    (void)state;
    Arena *a = arena_new();
    assert_string_equal(arena_printf(a, "%s", ""), "");
    assert_string_equal(arena_printf(a, "plain text"), "plain text");
    assert_string_equal(arena_printf(a, "%s__%s", "pkg", "msg"), "pkg__msg");
    assert_string_equal(arena_printf(a, "100%% of %s%s", "a", "b"), "100% of ab");
    assert_string_equal(arena_printf(a, "(%s)%%", "x"), "(x)%");
    /* Other conversions go through vsnprintf. */
    assert_string_equal(arena_printf(a, "%s[%zu] %d %.*s", "t", (size_t)7, -3, 2, "abc"),
                        "t[7] -3 ab");
    arena_free(a);
}

/* Text that does not fit the current chunk's free space: measured, then
 * formatted again into memory of its own; the chunk stays usable. */
static void test_printf_longer_than_a_chunk(void **state)
{
    (void)state;
    Arena *a = arena_new();
    size_t n = 3u << 20;
    char *long_text = malloc(n + 1);
    assert_non_null(long_text);
    memset(long_text, 'q', n);
    long_text[n] = '\0';
    char *before = arena_printf(a, "%s-%s", "a", "b");
    char *s = arena_printf(a, "<%s>", long_text);
    assert_int_equal(strlen(s), n + 2);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[n + 1], '>');
    assert_memory_equal(s + 1, long_text, n);
    char *d = arena_printf(a, "<%d:%s>", 5, long_text);
    assert_int_equal(strlen(d), n + 4);
    assert_string_equal(before, "a-b");
    assert_string_equal(arena_printf(a, "%s", "after"), "after");
    free(long_text);
    arena_free(a);
}

static void test_hash_bytes(void **state)
{
    (void)state;
    const char *names[] = { "",
                            "a",
                            "ab",
                            "pkg.Msg",
                            "pkg.Msg.field",
                            "pkg.Msg.fielD",
                            "a_rather_long_name_of_thirty_two" };
    size_t n = sizeof names / sizeof *names;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hash_bytes(names[i], strlen(names[i]));
        assert_true(h != 0);
        assert_true(h == hash_bytes(names[i], strlen(names[i])));
        for (size_t k = 0; k < i; k++)
            assert_true(h != hash_bytes(names[k], strlen(names[k])));
    }
    /* Only the n bytes count, not what follows them. */
    assert_true(hash_bytes("abcX", 3) == hash_bytes("abcY", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_zeroed_and_aligned),
        cmocka_unit_test(test_printf_strings_only),
        cmocka_unit_test(test_printf_longer_than_a_chunk),
        cmocka_unit_test(test_hash_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
