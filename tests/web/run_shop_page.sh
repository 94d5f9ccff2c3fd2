#!/usr/bin/env bash
# run_shop_page.sh WEB NODE typerpc SHOP_SERVER
# run_shop_page.sh WEB NODE reference
#
# The shop's order page (examples/shop/web, bundled into WEB/shop-www) in
# headless Chromium, served by a static file server; the shop (one
# shop_server with all four services, --cors for the page's origin; or the
# reference server) on another port.  The test submits the page's form:
#   - as it comes (Ada Lovelace, 2 apples, a good card): the page signs Ada
#     up, places the order through Checkout/PlaceOrder and shows
#     "order web-... for Ada Lovelace: 2 x apple = 240 cents, charge ch-1";
#   - with a card ending in 0002 (another customer): the page shows
#     checkout's error, "Aborted: payments: FAILED_PRECONDITION: card declined".
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: run_shop_page.sh WEB NODE typerpc|reference [SHOP_SERVER]" >&2; exit 2; }
web=$1 node=$2 server=$3
. "$(dirname "$0")/lib.sh"
web_init

start_static static "$web/shop-www"
origin=$url
if [ "$server" = typerpc ]; then
    start_shop "$4" --cors "$origin"
    shop=$url
else
    start_reference --cors "$origin"
    read -r shop _ <<<"$url"
fi
echo "page at $origin, shop at $shop"

page="$origin/index.html?shop=$shop"
timeout 120 "$node" "$web/browser.mjs" --url "$page" --selector '#order' \
    --action "document.getElementById('order-form').requestSubmit()" \
    --want ok --text '^order web-[0-9]+-[0-9]+ for Ada Lovelace: 2 x apple = 240 cents, charge ch-1$' ||
    fail "the order page did not show the order"
timeout 120 "$node" "$web/browser.mjs" --url "$page" --selector '#order' \
    --action "const f = document.getElementById('order-form');
              f.elements.email.value = 'grace@example.com'; f.elements.name.value = 'Grace Hopper';
              f.card.value = '4000000000000002'; f.requestSubmit()" \
    --want error --text '^Aborted: payments: FAILED_PRECONDITION: card declined$' ||
    fail "the order page did not show the declined card"
check_logs
