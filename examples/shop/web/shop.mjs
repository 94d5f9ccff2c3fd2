// shop.mjs — the shop's order page (index.html beside it loads it, bundled
// by esbuild into shop.js): signs the customer up with shop.Users/SignUp,
// then places the order with shop.Checkout/PlaceOrder, straight from the
// browser to shop_server over the Connect protocol (@connectrpc/connect-web;
// code from protoc-gen-es), and shows the order or the error in
// <p id="order"> (data-state "ok" or "error").  The server must allow the
// page's origin: shop_server --cors http://HOST:PORT.
//   index.html?shop=http://127.0.0.1:50060   (the default)
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { Checkout } from "./gen/checkout_pb.js";
import { Users } from "./gen/users_pb.js";

const baseUrl = new URLSearchParams(location.search).get("shop") ?? "http://127.0.0.1:50060";
const transport = createConnectTransport({ baseUrl });
const users = createClient(Users, transport);
const checkout = createClient(Checkout, transport);

const form = document.getElementById("order-form");
const out = document.getElementById("order");
let user = null; // signed up once per page

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = new FormData(form);
  out.removeAttribute("data-state");
  out.textContent = "placing the order ...";
  try {
    user ??= await users.signUp({ name: f.get("name"), email: f.get("email") });
    const order = await checkout.placeOrder({
      userId: user.id,
      sku: f.get("sku"),
      quantity: Number(f.get("quantity")),
      card: f.get("card"),
      // The order's id: placing it again with this key is safe (no second charge).
      idempotencyKey: `web-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
    });
    out.textContent = `order ${order.orderId} for ${order.userName}: ${order.quantity} x ${order.sku}` +
      ` = ${order.totalCents} cents, charge ${order.chargeId}`;
    out.dataset.state = "ok";
  } catch (err) {
    const e = ConnectError.from(err);
    out.textContent = `${Code[e.code]}: ${e.rawMessage}`;
    out.dataset.state = "error";
  }
});
