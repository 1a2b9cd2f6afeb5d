// libFuzzer target: the gateway's HTTP/JSON → gRPC layer (GrpcBridge::Call), with any service
// and method name, any Authorization header and any request body — what a browser or a script
// can send to POST /api/v1/{service}/{method}.
//
// Input layout: "<service>/<method>\n<authorization>\n<json body>" (missing parts are empty).
// The services are not running (the addresses are closed ports on loopback), so a request that
// gets through the JSON parsing fails fast with UNAVAILABLE. Whatever the input, the bridge must
// answer with an HTTP status and a JSON body, never crash.

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "nlohmann/json.hpp"
#include "services/gateway/http/bridge.h"

namespace {

const fieldline::gateway::GrpcBridge& Bridge() {
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  static const auto* bridge = new fieldline::gateway::GrpcBridge(
      {{"intake", "127.0.0.1:1"},
       {"scheduling", "127.0.0.1:1"},
       {"inventory", "127.0.0.1:1"},
       {"callbacks", "127.0.0.1:1"}},
      grpc::InsecureChannelCredentials(), absl::Milliseconds(200));
  return *bridge;
}

std::string_view NextLine(std::string_view& rest) {
  const size_t end = rest.find('\n');
  std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view target = NextLine(rest);
  std::string_view authorization = NextLine(rest);
  const size_t slash = target.find('/');
  std::string_view service = target.substr(0, slash);
  std::string_view method = slash == std::string_view::npos ? "" : target.substr(slash + 1);

  fieldline::gateway::HttpReply reply = Bridge().Call(service, method, rest, authorization);
  if (reply.status < 200 || reply.status > 599) std::abort();
  // Every answer is JSON a browser can parse.
  if (!nlohmann::json::accept(reply.body)) {
    std::fprintf(stderr, "not JSON (status %d): %s\n", reply.status, reply.body.c_str());
    std::abort();
  }
  return 0;
}
