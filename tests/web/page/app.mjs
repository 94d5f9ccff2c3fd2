// app.mjs — the browser side of tests/web (bundled with esbuild into
// www/app.js; index.html loads it): calls helloworld.Greeter/SayHello with
// @connectrpc/connect-web and writes the reply, or the error, into
// <p id="reply">, with data-state "ok" or "error" for the test to wait on.
// The query string picks the server and the protocol:
//   index.html?server=http://127.0.0.1:50051&protocol=connect|connect-proto|grpc-web
// (connect: Connect with JSON, connect-web's default; connect-proto: Connect
// with binary protobuf; grpc-web: gRPC-Web, binary).
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Greeter } from "./gen/helloworld_pb.js";

const params = new URLSearchParams(location.search);
const baseUrl = params.get("server") ?? "http://127.0.0.1:50051";
const protocol = params.get("protocol") ?? "connect";
const transport = protocol === "grpc-web"
  ? createGrpcWebTransport({ baseUrl })
  : createConnectTransport({ baseUrl, useBinaryFormat: protocol === "connect-proto" });
const greeter = createClient(Greeter, transport);

const out = document.getElementById("reply");
try {
  const reply = await greeter.sayHello({ name: "browser" });
  out.textContent = reply.message;
  out.dataset.state = "ok";
} catch (err) {
  out.textContent = String(err);
  out.dataset.state = "error";
}
