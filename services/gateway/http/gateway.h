#pragma once

// The gateway's HTTP server: /api/v1/auth/*, /api/v1/admin/*, every unary RPC of the four
// services at POST /api/v1/{service}/{Method}, the board's server-sent events, /api/openapi.json,
// /healthz and the web app's static files. One instance per process; tests start it on port 0.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/core/clock.h"
#include "services/common/grpc/auth.h"
#include "services/gateway/http/bridge.h"
#include "services/gateway/users/users_app.h"

namespace httplib {
class Server;
}

namespace google::protobuf {
class DescriptorPool;
}

namespace fieldline::gateway {

struct GatewayOptions {
  std::string listen = "127.0.0.1:8080";  // port 0: any free port
  std::string web_root;                   // static files; empty: none served
  std::map<std::string, std::string> services = {{"intake", "127.0.0.1:7101"},
                                                  {"scheduling", "127.0.0.1:7102"},
                                                  {"inventory", "127.0.0.1:7103"},
                                                  {"callbacks", "127.0.0.1:7104"}};
  std::string auth_secret;       // HS256 key shared with the services
  std::string tls_cert_file;     // both set: HTTPS
  std::string tls_key_file;
  std::string grpc_ca_file;      // set: TLS to the services, verified with this CA
  std::string descriptor_set_file;  // descriptors with comments for OpenAPI; empty: none
  absl::Duration call_timeout = absl::Seconds(30);
  absl::Duration keep_alive = absl::Seconds(15);  // SSE comment interval
  // Access tokens are short-lived so that a departed or locked user loses the services (which
  // check only the signature and expiry) within this time; the web app refreshes them silently
  // at POST /api/v1/auth/refresh with the session's refresh token, which the gateway grants only
  // while the account is active.
  absl::Duration token_ttl = absl::Minutes(15);
  absl::Duration session_ttl = absl::Hours(12);  // refresh token life: sign in again after it
  int threads = 32;  // HTTP worker threads (each open event stream holds one)
};

class Gateway {
 public:
  // Binds and starts serving on a thread of its own. `users` and `clock` must outlive it.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(const GatewayOptions& options,
                                                        UsersApp& users, const Clock& clock);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  int port() const { return port_; }
  bool https() const { return https_; }
  // Stops accepting, ends open event streams, waits for the server thread.
  void Stop();

 private:
  Gateway(const GatewayOptions& options, UsersApp& users, const Clock& clock);
  void Routes();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  bool https_ = false;
};

// The key refresh tokens are signed with: derived from the services' secret, so that a refresh
// token is never accepted as an access token by a service (they verify with the secret itself).
std::string RefreshSecret(const std::string& auth_secret);

// The web app's folder when --web-root is not given: the `web` folder of the source checkout,
// found by walking up from the binary's directory; "" if there is none.
std::string DefaultWebRoot();

}  // namespace fieldline::gateway
