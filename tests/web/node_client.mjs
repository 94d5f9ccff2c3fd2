// node_client.mjs — calls a server with @connectrpc/connect-node, a client
// nobody here wrote, over one protocol and one HTTP version, and checks
// every reply:
//
//   node node_client.mjs --protocol P --http V --greeter URL --shop URL
//
// P: connect (Connect, binary: application/proto), connect-json (Connect,
// application/json), grpc-web (application/grpc-web+proto), grpc
// (application/grpc+proto; HTTP/2 only).  V: 1.1 or 2 (cleartext: HTTP/2
// with prior knowledge).  --greeter serves helloworld.Greeter, --shop
// serves the shop's services (the same URL when one server has all).
//
// The checks, each printed "ok - ..." or "FAIL - ...":
//   - SayHello answers "Hello NAME", for an ASCII and a non-ASCII name,
//     and the reply's content-type is the protocol's own (no fallback);
//   - a request compressed with gzip (connect-node's sendCompression: the
//     protocol's own encoding header and framing) is understood;
//   - a service nobody serves fails UNIMPLEMENTED;
//   - a handler's error (Inventory.GetStock of an unknown sku) arrives as
//     NOT_FOUND with the handler's message;
//   - Connect only: GetStock (idempotency_level NO_SIDE_EFFECTS) with
//     connect-node's useHttpGet goes as a GET, the message in the query
//     string, and answers as the POST does;
//   - a server stream (Inventory.WatchStock, two updates): the first is
//     the stock now, the second comes after a Reserve on another call and
//     shows the stock one less; a stream that fails at once (unknown sku)
//     ends NOT_FOUND; a watch without an end under a 500 ms deadline ends
//     DEADLINE_EXCEEDED after the first update (the deadline travels in
//     the protocol's timeout header; the client's own timer may end it
//     first, so this checks the stream ends cleanly, not who ended it);
//   - metadata both ways, through checkout: a customer signs up
//     (Users.SignUp), Checkout.PlaceOrder with an x-request-id header
//     answers the order and the same x-request-id in its response headers;
//     placing it again with the same idempotency key replays the same
//     charge; an order for an unknown user is NOT_FOUND.
// Exits 0 when all pass, 1 otherwise.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import * as http from "node:http";
import {
  compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager,
} from "@connectrpc/connect-node";
import { Greeter } from "./gen/helloworld_pb.js";
import { Inventory } from "./gen/inventory_pb.js";
import { Users } from "./gen/users_pb.js";
import { Checkout } from "./gen/checkout_pb.js";
import { Missing } from "./gen/missing_pb.js";

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const { protocol, http: httpVersion, greeter: greeterUrl, shop: shopUrl } = args;
if (!protocol || !httpVersion || !greeterUrl || !shopUrl) {
  console.error("usage: node node_client.mjs --protocol connect|connect-json|grpc-web|grpc --http 1.1|2 --greeter URL --shop URL");
  process.exit(2);
}

// The response content-type each protocol must answer with (unary calls).
const wantType = {
  connect: /^application\/proto\b/,
  "connect-json": /^application\/json\b/,
  "grpc-web": /^application\/grpc-web(\+proto)?\b/,
  grpc: /^application\/grpc(\+proto)?\b/,
}[protocol];
if (!wantType) {
  console.error(`node_client: unknown protocol '${protocol}'`);
  process.exit(2);
}
if (protocol === "grpc" && httpVersion !== "2") {
  console.error("node_client: gRPC needs HTTP/2");
  process.exit(2);
}

// Remembers the content-type of the last unary response, and the encoding
// its request said it was compressed with (the transport sets that header
// on the request the interceptor passed on).
let lastType = null, lastEncoding = null;
const recordType = (next) => async (req) => {
  const res = await next(req);
  lastType = res.header.get("content-type");
  lastEncoding = req.header.get("content-encoding") ?? req.header.get("grpc-encoding");
  return res;
};

// The HTTP method of the last request, as it went on the wire: the
// transport decides on GET after the interceptors ran, so this looks at
// Node's own request (an http.Agent for HTTP/1.1, the HTTP/2 session
// manager for HTTP/2).
let lastMethod = null;
function recordingNodeOptions(baseUrl) {
  if (httpVersion === "1.1") {
    const agent = new http.Agent({ keepAlive: true });
    const addRequest = agent.addRequest.bind(agent);
    agent.addRequest = (req, options) => {
      lastMethod = req.method;
      return addRequest(req, options);
    };
    return { nodeOptions: { agent } };
  }
  const sessionManager = new Http2SessionManager(baseUrl);
  const request = sessionManager.request.bind(sessionManager);
  sessionManager.request = (method, ...rest) => {
    lastMethod = method;
    return request(method, ...rest);
  };
  return { sessionManager };
}

function transport(baseUrl, more = {}) {
  const common = { baseUrl, interceptors: [recordType], ...more };
  switch (protocol) {
  case "connect": return createConnectTransport({ ...common, httpVersion, useBinaryFormat: true });
  case "connect-json": return createConnectTransport({ ...common, httpVersion, useBinaryFormat: false });
  case "grpc-web": return createGrpcWebTransport({ ...common, httpVersion, useBinaryFormat: true });
  default: return createGrpcTransport(common);
  }
}

let failed = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok" : "FAIL"} - ${protocol} over HTTP/${httpVersion}: ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failed++;
}
// Runs fn; a throw is a failure of that check, not the end of the run.
async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    check(false, what, `threw ${e instanceof ConnectError ? `${Code[e.code]}: ${e.rawMessage}` : e}`);
  }
}
// fn must throw a ConnectError with the given code (and a message matching re).
async function expectError(what, code, re, fn) {
  try {
    await fn();
    check(false, what, "succeeded");
  } catch (e) {
    const err = ConnectError.from(e);
    check(err.code === code && (!re || re.test(err.rawMessage)), what,
          `${Code[err.code]}: ${err.rawMessage}`);
  }
}

const opts = { timeoutMs: 10000 };
const greeter = createClient(Greeter, transport(greeterUrl));
const missing = createClient(Missing, transport(greeterUrl));
const inventory = createClient(Inventory, transport(shopUrl));
const users = createClient(Users, transport(shopUrl));
const checkout = createClient(Checkout, transport(shopUrl));

await step("SayHello", async () => {
  const r = await greeter.sayHello({ name: "world" }, opts);
  check(r.message === "Hello world", "SayHello replies", JSON.stringify(r.message));
  check(wantType.test(lastType ?? ""), "reply content-type", lastType);
});
await step("SayHello, non-ASCII", async () => {
  const name = "wörld ✓ 世界";
  const r = await greeter.sayHello({ name }, opts);
  check(r.message === `Hello ${name}`, "SayHello with a non-ASCII name", JSON.stringify(r.message));
});
await step("SayHello, gzip", async () => {
  const gz = createClient(Greeter, transport(greeterUrl, { sendCompression: compressionGzip, compressMinBytes: 0 }));
  const name = "gzip ".repeat(200);
  const r = await gz.sayHello({ name }, opts);
  check(r.message === `Hello ${name}` && lastEncoding === "gzip", "SayHello with a gzip-compressed request",
        `request encoding ${lastEncoding}, ${r.message.length} chars back`);
});
await expectError("unknown service: UNIMPLEMENTED", Code.Unimplemented, null,
                  () => missing.nothing({ name: "x" }, opts));
await expectError("handler error: NOT_FOUND with its message", Code.NotFound, /no item 'kiwi'/,
                  () => inventory.getStock({ sku: "kiwi" }, opts));

if (protocol.startsWith("connect")) {
  await step("GetStock with GET", async () => {
    const get = createClient(Inventory, transport(shopUrl, { useHttpGet: true, ...recordingNodeOptions(shopUrl) }));
    const s = await get.getStock({ sku: "pear" }, opts);
    check(lastMethod === "GET" && s.sku === "pear" && s.available === 3 && s.priceCents === 250n,
          "GetStock as a Connect GET", `${lastMethod}: ${s.sku} ${s.available} ${s.priceCents}`);
    await expectError("GetStock as a Connect GET, unknown sku: NOT_FOUND", Code.NotFound, /no item 'kiwi'/,
                      () => get.getStock({ sku: "kiwi" }, opts));
  });
}

await step("WatchStock", async () => {
  const updates = [];
  const stream = inventory.watchStock({ sku: "apple", maxUpdates: 2 }, opts);
  for await (const s of stream) {
    updates.push(s);
    if (updates.length === 1) {
      // Change the stock on another call: the watch must show it.
      const r = await inventory.reserve({ orderId: `web-${protocol}-${httpVersion}`, sku: "apple", quantity: 1 }, opts);
      check(r.remaining === s.available - 1, "Reserve during the watch", `remaining ${r.remaining}`);
    }
  }
  check(updates.length === 2, "WatchStock ends after max_updates", `${updates.length} updates`);
  check(updates[0]?.sku === "apple" && updates[0]?.priceCents === 120n, "first update is apple's stock",
        updates[0] && `${updates[0].sku} ${updates[0].available} ${updates[0].priceCents}`);
  check(updates.length === 2 && updates[1].available === updates[0].available - 1,
        "second update shows the reservation",
        updates.map((u) => u.available).join(" -> "));
});
await expectError("stream error: NOT_FOUND", Code.NotFound, /no item 'kiwi'/, async () => {
  for await (const s of inventory.watchStock({ sku: "kiwi", maxUpdates: 1 }, opts)) void s;
});

await step("WatchStock under a deadline", async () => {
  let n = 0;
  try {
    for await (const s of inventory.watchStock({ sku: "plum", maxUpdates: 0 }, { timeoutMs: 500 })) {
      void s;
      n++;
    }
    check(false, "a watch without an end under a 500 ms deadline", `ended OK after ${n} updates`);
  } catch (e) {
    const err = ConnectError.from(e);
    check(err.code === Code.DeadlineExceeded && n === 1, "a watch without an end under a 500 ms deadline",
          `${Code[err.code]}: ${err.rawMessage}, after ${n} updates`);
  }
});

await step("PlaceOrder with metadata", async () => {
  const tag = `${protocol}-${httpVersion}`.replace(".", "");
  const user = await users.signUp({ name: "Web Client", email: `${tag}@example.com` }, opts);
  check(/^u-[0-9]+$/.test(user.id) && user.name === "Web Client", "SignUp", user.id);
  const req = { userId: user.id, sku: "apple", quantity: 2, card: "4242424242424242", idempotencyKey: `node-${tag}` };
  let echoed = null;
  const order = await checkout.placeOrder(req, {
    ...opts,
    headers: { "x-request-id": `req-${tag}` },
    onHeader: (h) => { echoed = h.get("x-request-id"); },
  });
  check(order.orderId === req.idempotencyKey && order.userName === "Web Client" && order.quantity === 2 &&
        order.totalCents === 240n && /^ch-[0-9]+$/.test(order.chargeId) && !order.replayed,
        "PlaceOrder replies the order",
        `${order.orderId} ${order.userName} ${order.quantity} x ${order.sku} = ${order.totalCents}, ${order.chargeId}`);
  check(echoed === `req-${tag}`, "x-request-id comes back in the response headers", String(echoed));
  const again = await checkout.placeOrder(req, opts);
  check(again.replayed && again.chargeId === order.chargeId, "the same idempotency key replays the charge",
        `${again.chargeId}, replayed ${again.replayed}`);
});
await expectError("an order for an unknown user: NOT_FOUND", Code.NotFound, /users/, () =>
  checkout.placeOrder({ userId: "u-999", sku: "apple", quantity: 1, card: "4242424242424242",
                        idempotencyKey: `node-nobody-${protocol}-${httpVersion}` }, opts));

console.log(failed ? `node_client: ${failed} check(s) failed` : "node_client: all checks passed");
process.exit(failed ? 1 : 0);
