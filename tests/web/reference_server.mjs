// reference_server.mjs — a Connect server that is not typerpc: connect-node's
// own (@connectrpc/connect-node's connectNodeAdapter), serving Connect,
// gRPC-Web and gRPC for helloworld.Greeter and a small shop.Inventory.
//
//   node reference_server.mjs [--cors ORIGIN]...
//
// It exists to prove the test harness (the Node client, the browser page,
// the curl checks) against a server known to speak these protocols, so a
// failure against typerpc's greeter_server is typerpc's and not the
// harness's.  Two listeners on free ports of 127.0.0.1: HTTP/1.1 and
// cleartext HTTP/2 (Node cannot serve both on one cleartext port; typerpc
// can), printed as one line once both listen:
//   reference_server: listening http1 127.0.0.1:P1 http2 127.0.0.1:P2
// It behaves as the typerpc services do where the tests look: SayHello
// answers "Hello NAME"; Inventory has apple/pear/plum with typerpc's stock
// levels, GetStock and WatchStock fail NOT_FOUND "no item 'SKU'", Reserve
// takes stock and notifies watchers; Users.SignUp gives ids u-1, u-2, ...
// (ALREADY_EXISTS for a known email); Checkout.PlaceOrder (the shop page's
// call) reserves and "charges" ch-1, ch-2, ..., a card ending in 0002 is
// declined (ABORTED "payments: FAILED_PRECONDITION: card declined"), an
// unknown user is NOT_FOUND, the same idempotency key replays, and a
// request's x-request-id comes back in the response headers.  CORS: preflights and responses for
// the --cors origins only, with the headers connect's `cors` constants list.
// Stops on SIGTERM or SIGINT.
import * as http from "node:http";
import * as http2 from "node:http2";
import { Code, ConnectError, cors } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Greeter } from "./gen/helloworld_pb.js";
import { Inventory } from "./gen/inventory_pb.js";
import { Users } from "./gen/users_pb.js";
import { Checkout } from "./gen/checkout_pb.js";

const origins = [];
for (let i = 2; i < process.argv.length; i += 2) {
  if (process.argv[i] !== "--cors" || i + 1 >= process.argv.length) {
    console.error("usage: node reference_server.mjs [--cors ORIGIN]...");
    process.exit(2);
  }
  origins.push(process.argv[i + 1]);
}

// The stock, as examples/shop/inventory.c starts it.
const items = new Map([
  ["apple", { available: 10, priceCents: 120n }],
  ["pear", { available: 3, priceCents: 250n }],
  ["plum", { available: 0, priceCents: 90n }],
]);
const watchers = new Set(); // { sku, push(stock) }
const reservations = new Map(); // order id -> reservation id
const stockOf = (sku) => ({ sku, available: items.get(sku).available, priceCents: items.get(sku).priceCents });
const itemOr404 = (sku) => {
  if (!items.has(sku)) throw new ConnectError(`no item '${sku}'`, Code.NotFound);
  return items.get(sku);
};

const usersById = new Map(), emails = new Set(), orders = new Map();

const routes = (router) => {
  router.service(Users, {
    signUp: (req) => {
      if (emails.has(req.email)) throw new ConnectError(`email '${req.email}' is taken`, Code.AlreadyExists);
      const user = { id: `u-${usersById.size + 1}`, name: req.name, email: req.email };
      emails.add(req.email);
      usersById.set(user.id, user);
      return user;
    },
    getUser: (req) => {
      if (!usersById.has(req.id)) throw new ConnectError(`no user '${req.id}'`, Code.NotFound);
      return usersById.get(req.id);
    },
  });
  router.service(Checkout, {
    placeOrder: (req, ctx) => {
      const requestId = ctx.requestHeader.get("x-request-id");
      if (requestId) ctx.responseHeader.set("x-request-id", requestId);
      if (orders.has(req.idempotencyKey)) return { ...orders.get(req.idempotencyKey), replayed: true };
      const user = usersById.get(req.userId);
      if (!user) throw new ConnectError(`users: NOT_FOUND: no user '${req.userId}'`, Code.NotFound);
      const it = items.get(req.sku);
      if (!it) throw new ConnectError(`inventory: NOT_FOUND: no item '${req.sku}'`, Code.NotFound);
      if (it.available < req.quantity)
        throw new ConnectError(`inventory: FAILED_PRECONDITION: out of stock: ${req.quantity} ${req.sku} wanted, ` +
                               `${it.available} left`, Code.FailedPrecondition);
      if (!req.card || req.card.endsWith("0002"))
        throw new ConnectError("payments: FAILED_PRECONDITION: card declined", Code.Aborted);
      it.available -= req.quantity;
      const order = { orderId: req.idempotencyKey, userName: user.name, sku: req.sku, quantity: req.quantity,
                      totalCents: it.priceCents * BigInt(req.quantity), reservationId: `r-${orders.size + 1}`,
                      chargeId: `ch-${orders.size + 1}`, replayed: false };
      orders.set(req.idempotencyKey, order);
      return order;
    },
  });
  router.service(Greeter, {
    sayHello: (req) => ({ message: `Hello ${req.name}` }),
  });
  router.service(Inventory, {
    getStock: (req) => (itemOr404(req.sku), stockOf(req.sku)),
    reserve: (req) => {
      const it = itemOr404(req.sku);
      if (req.quantity <= 0 || !req.orderId)
        throw new ConnectError("an order id and a positive quantity are required", Code.InvalidArgument);
      if (!reservations.has(req.orderId)) {
        if (it.available < req.quantity)
          throw new ConnectError(`out of stock: ${req.quantity} ${req.sku} wanted, ${it.available} left`,
                                 Code.FailedPrecondition);
        it.available -= req.quantity;
        reservations.set(req.orderId, `r-${reservations.size + 1}`);
        for (const w of watchers) if (w.sku === req.sku) w.push(stockOf(req.sku));
      }
      return { reservationId: reservations.get(req.orderId), sku: req.sku, quantity: req.quantity,
               unitPriceCents: it.priceCents, remaining: it.available };
    },
    async *watchStock(req, ctx) {
      itemOr404(req.sku);
      // A queue the reservations push to; the generator drains it.
      const queue = [stockOf(req.sku)];
      let wake = null;
      const w = { sku: req.sku, push: (s) => { queue.push(s); if (wake) wake(); } };
      watchers.add(w);
      try {
        for (let sent = 0; req.maxUpdates === 0 || sent < req.maxUpdates; sent++) {
          while (queue.length === 0) {
            // The deadline passed or the client went away: the stream ends
            // with that error (returning would end it OK).
            if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason);
            await new Promise((resolve) => { wake = resolve; ctx.signal.addEventListener("abort", resolve); });
            wake = null;
          }
          yield queue.shift();
        }
      } finally {
        watchers.delete(w);
      }
    },
  });
};

// An unknown path is 404 (Connect: unimplemented), after the request body
// is read: connect-node's default fallback answers at once, and Node then
// closes an HTTP/1.1 connection whose client is still writing the body,
// so that client would fail EPIPE instead of reading the 404.
const fallback = (req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(404);
    res.end();
  });
};
const handler = connectNodeAdapter({ routes, fallback });

// CORS around the handler: only for a listed origin (an Origin header
// from elsewhere gets no CORS headers, so the browser refuses the reply).
function withCors(req, res) {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes(origin) || origins.includes("*"));
  if (allowed) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Expose-Headers", cors.exposedHeaders.join(", "));
  }
  if (req.method === "OPTIONS") {
    if (allowed) {
      res.setHeader("Access-Control-Allow-Methods", cors.allowedMethods.join(", "));
      res.setHeader("Access-Control-Allow-Headers", cors.allowedHeaders.join(", "));
      res.setHeader("Access-Control-Max-Age", "7200");
    }
    res.writeHead(204);
    res.end();
    return;
  }
  handler(req, res);
}

const servers = [http.createServer(withCors), http2.createServer(withCors)];
await Promise.all(servers.map((s) => new Promise((resolve) => s.listen(0, "127.0.0.1", resolve))));
const [p1, p2] = servers.map((s) => s.address().port);
console.log(`reference_server: listening http1 127.0.0.1:${p1} http2 127.0.0.1:${p2}`);

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    for (const s of servers) s.close();
    console.log(`reference_server: ${sig}, stopped`);
    process.exit(0);
  });
}
