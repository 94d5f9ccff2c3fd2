// watch.mjs — a server stream in the browser (bundled into www/watch.js;
// watch.html loads it): watches the pear's stock with
// shop.Inventory/WatchStock (three updates) over Connect or gRPC-Web, and
// after each of the first two reserves one pear on another call, so the
// stream must bring the changes: the page shows "pear: 3 -> 2 -> 1" in
// <p id="levels"> with data-state "ok" (or the error, data-state "error").
//   watch.html?shop=http://127.0.0.1:50060&protocol=connect|grpc-web
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Inventory } from "./gen/inventory_pb.js";

const params = new URLSearchParams(location.search);
const baseUrl = params.get("shop") ?? "http://127.0.0.1:50060";
const transport = params.get("protocol") === "grpc-web"
  ? createGrpcWebTransport({ baseUrl })
  : createConnectTransport({ baseUrl });
const inventory = createClient(Inventory, transport);

const out = document.getElementById("levels");
const levels = [];
try {
  for await (const stock of inventory.watchStock({ sku: "pear", maxUpdates: 3 })) {
    levels.push(stock.available);
    out.textContent = `${stock.sku}: ${levels.join(" -> ")}`;
    if (levels.length < 3) {
      await inventory.reserve({ orderId: `watch-page-${levels.length}`, sku: "pear", quantity: 1 });
    }
  }
  out.dataset.state = "ok";
} catch (err) {
  out.textContent = String(err);
  out.dataset.state = "error";
}
