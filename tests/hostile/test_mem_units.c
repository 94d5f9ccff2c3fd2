/*
 * test_mem_units.c: the memory-bounds pieces on their own (docs/runtime.md,
 * "Memory bounds"): the message framer grows its buffer as bytes arrive
 * instead of reserving what a length prefix announces, charges a budget
 * for it and gives it back; the budget keeps its last eighth for small
 * holders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/budget.h"
#include "base/wire.h"

/* Feeds n bytes of value v to f: the event that stopped it. */
static trpc__frame_ev feed_fill(trpc__framer *f, int v, size_t n, size_t max)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    memset(b, v, n);
    const uint8_t *p = b;
    trpc__frame_ev ev = trpc__framer_feed(f, &p, &n, max);
    free(b);
    return ev;
}

static void feed_prefix(trpc__framer *f, uint32_t len, size_t max)
{
    uint8_t hdr[5] = { 0, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                       (uint8_t)len };
    const uint8_t *p = hdr;
    size_t n = 5;
    assert_int_equal(trpc__framer_feed(f, &p, &n, max), TRPC__FRAME_NEED_MORE);
    assert_int_equal(n, 0);
}

/* A prefix announcing 4 MiB reserves nothing; ten bytes take 256; the
 * buffer doubles as the rest comes and ends exactly at the length. */
static void test_grows_as_bytes_arrive(void **state)
{
    (void)state;
    trpc__framer f = { 0 };
    uint32_t len = 4u << 20;
    feed_prefix(&f, len, len);
    assert_int_equal(f.body.cap, 0);
    assert_int_equal(feed_fill(&f, 'a', 10, len), TRPC__FRAME_NEED_MORE);
    assert_int_equal(f.body.cap, 256);
    assert_int_equal(feed_fill(&f, 'b', 1000, len), TRPC__FRAME_NEED_MORE);
    assert_int_equal(f.body.cap, 1010); /* the need beat doubling (512) */
    assert_int_equal(feed_fill(&f, 'c', 1100, len), TRPC__FRAME_NEED_MORE);
    assert_int_equal(f.body.cap, 2110); /* the need beat doubling (2020) */
    assert_int_equal(feed_fill(&f, 'd', len - 2110, len), TRPC__FRAME_MESSAGE);
    assert_true(f.body.cap == len); /* capped at the announced length */
    assert_int_equal(f.body.data[0], 'a');
    assert_int_equal(f.body.data[len - 1], 'd');
    trpc__framer_release(&f, 0);
    assert_null(f.body.data);
}

/* Each growth is charged; one past the budget fails with nothing taken;
 * release gives every charged byte back. */
static void test_framer_budget(void **state)
{
    (void)state;
    trpc__budget b;
    trpc__budget_init(&b, 4096);
    trpc__framer f = { 0 };
    f.budget = &b;
    feed_prefix(&f, 100000, 1u << 20);
    assert_int_equal(trpc__budget_used(&b), 0);
    assert_int_equal(feed_fill(&f, 'x', 3000, 1u << 20), TRPC__FRAME_NEED_MORE);
    assert_int_equal(trpc__budget_used(&b), 3000);
    assert_int_equal(f.charged, 3000);
    /* doubling to 6000 would pass 4096 */
    assert_int_equal(feed_fill(&f, 'x', 100, 1u << 20), TRPC__FRAME_OVER_BUDGET);
    assert_int_equal(trpc__budget_used(&b), 3000);
    trpc__framer_release(&f, 0);
    assert_int_equal(trpc__budget_used(&b), 0);
    assert_int_equal(f.charged, 0);

    /* a kept small buffer is not counted until it must grow again */
    feed_prefix(&f, 200, 1u << 20);
    assert_int_equal(feed_fill(&f, 'y', 200, 1u << 20), TRPC__FRAME_MESSAGE);
    assert_int_equal(trpc__budget_used(&b), 200); /* 256, capped at the length */
    trpc__framer_release(&f, 1024); /* keeps the 200 bytes */
    assert_non_null(f.body.data);
    assert_int_equal(trpc__budget_used(&b), 0);
    feed_prefix(&f, 600, 1u << 20);
    assert_int_equal(feed_fill(&f, 'z', 600, 1u << 20), TRPC__FRAME_MESSAGE);
    assert_int_equal(trpc__budget_used(&b), 600);
    trpc__framer_release(&f, 0);
    assert_int_equal(trpc__budget_used(&b), 0);
}

/* Large holders may not take the last eighth; small ones may. */
static void test_budget_reserve(void **state)
{
    (void)state;
    trpc__budget b;
    trpc__budget_init(&b, 8000);
    assert_true(trpc__budget_take(&b, 6000, true));
    assert_false(trpc__budget_take(&b, 1001, true)); /* 7001 > 7000 */
    assert_true(trpc__budget_take(&b, 1000, true));
    assert_false(trpc__budget_low(&b, 1000));
    assert_true(trpc__budget_low(&b, 1001));
    assert_true(trpc__budget_take(&b, 1000, false));
    assert_false(trpc__budget_take(&b, 1, false));
    assert_true(trpc__budget_low(&b, 1));
    trpc__budget_give(&b, 8000);
    assert_int_equal(trpc__budget_used(&b), 0);
    trpc__budget_init(&b, SIZE_MAX); /* no limit: counted, never refused */
    assert_true(trpc__budget_take(&b, SIZE_MAX / 2, true));
    assert_int_equal(trpc__budget_used(&b), SIZE_MAX / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_as_bytes_arrive),
        cmocka_unit_test(test_framer_budget),
        cmocka_unit_test(test_budget_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
