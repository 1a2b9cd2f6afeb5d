#include "services/gateway/http/gateway.h"

#include "services/gateway/http/openapi.h"

#include <httplib.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>

#include "absl/time/clock.h"
#include "fieldline/scheduling/v1/scheduling_service.grpc.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "nlohmann/json.hpp"
#include "services/common/core/errors.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/logging.h"

namespace fieldline::gateway {
namespace {

namespace pb = google::protobuf;
using nlohmann::json;

constexpr char kJson[] = "application/json";
constexpr size_t kMaxBody = 16 * 1024 * 1024;
// How long an event stream waits for the service's first answer before sending its headers, so
// that a refused token or role still gets a proper HTTP status.
constexpr auto kFirstAnswerWindow = std::chrono::milliseconds(500);
constexpr size_t kDefaultLogins = 100;
constexpr char kDepartedMessage[] =
    "This account has been closed because its user has left; ask an administrator.";
constexpr size_t kMaxLogins = 1000;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

void Send(httplib::Response& res, const HttpReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, kJson);
}

void SendJson(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

HttpReply FromAbsl(const absl::Status& status) {
  std::string field = FieldOf(status).value_or("");
  return FromGrpc(grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                               std::string(status.message())),
                  field);
}

std::string BearerOf(const httplib::Request& req) {
  std::string header = req.get_header_value("Authorization");
  if (header.size() > 7 && std::equal(header.begin(), header.begin() + 7, "bearer ",
                                      [](char a, char b) { return std::tolower(a) == b; })) {
    std::string token = header.substr(7);
    token.erase(0, token.find_first_not_of(' '));
    return token;
  }
  return "";
}

json UserJson(const User& user, absl::Time now) {
  json out = {{"username", user.username},
              {"display_name", user.display_name},
              {"role", user.role},
              {"permissions", user.permissions},
              {"technician_id", user.technician_id},
              {"language", user.language},
              {"departed", user.departed}};
  if (user.LockedAt(now)) out["locked_until"] = Rfc3339(user.locked_until);
  if (user.created_at != absl::InfinitePast()) out["created_at"] = Rfc3339(user.created_at);
  if (user.last_login_at != absl::InfinitePast()) out["last_login_at"] = Rfc3339(user.last_login_at);
  if (user.departed_at != absl::InfinitePast()) out["departed_at"] = Rfc3339(user.departed_at);
  return out;
}

std::string_view FailureName(LoginFailure failure) {
  switch (failure) {
    case LoginFailure::kNone: return "";
    case LoginFailure::kWrongPassword: return "WRONG_PASSWORD";
    case LoginFailure::kLocked: return "LOCKED";
    case LoginFailure::kDeparted: return "DEPARTED";
    case LoginFailure::kUnknownUser: return "UNKNOWN_USER";
  }
  return "";
}

// The body as a JSON object, or a 400 reply.
std::optional<json> ParseObject(const httplib::Request& req, httplib::Response& res) {
  std::string_view body = req.body;
  json parsed = json::parse(body.empty() ? std::string_view("{}") : body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    Send(res, ErrorReply(400, "INVALID_ARGUMENT", "The request body must be a JSON object."));
    return std::nullopt;
  }
  return parsed;
}

// A string member: "" if absent; nullopt (and a 400 reply) if present but not a string.
std::optional<std::string> StringField(const json& body, const std::string& name,
                                       httplib::Response& res) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    Send(res, ErrorReply(400, "INVALID_ARGUMENT", name + " must be a string.", name));
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::vector<std::string>> StringList(const json& body, const std::string& name,
                                                   httplib::Response& res) {
  std::vector<std::string> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array() ||
      !std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); })) {
    Send(res, ErrorReply(400, "INVALID_ARGUMENT", name + " must be a list of strings.", name));
    return std::nullopt;
  }
  for (const json& v : *it) out.push_back(v.get<std::string>());
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ContentType(const std::filesystem::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"}};
  auto it = kTypes.find(Lower(path.extension().string()));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::unique_ptr<pb::DescriptorPool> LoadDocs(const std::string& file) {
  if (file.empty()) return nullptr;
  std::optional<std::string> bytes = ReadFile(file);
  pb::FileDescriptorSet set;
  if (!bytes || !set.ParseFromString(*bytes)) {
    Logger("gateway")->warn("descriptor set {} not readable; OpenAPI has no descriptions", file);
    return nullptr;
  }
  auto pool = std::make_unique<pb::DescriptorPool>();
  for (const pb::FileDescriptorProto& proto : set.file()) {
    if (pool->BuildFile(proto) == nullptr) {
      Logger("gateway")->warn("descriptor set {}: {} does not build", file, proto.name());
      return nullptr;
    }
  }
  return pool;
}

// One open event stream: a reader thread fills `frames` from the gRPC stream.
struct Watch {
  grpc::ClientContext context;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> frames;
  bool answered = false;  // a message or the end has arrived
  bool ended = false;
  bool stop = false;
  grpc::Status status;
  std::string field;
  std::thread reader;
};

}  // namespace

struct Gateway::Impl {
  Impl(const GatewayOptions& o, UsersApp& u, const Clock& c)
      : options(o),
        users(u),
        clock(c),
        verifier(o.auth_secret),
        refresh_verifier(RefreshSecret(o.auth_secret)) {}

  GatewayOptions options;
  UsersApp& users;
  const Clock& clock;
  TokenVerifier verifier;
  TokenVerifier refresh_verifier;  // refresh tokens only (a key of their own)
  std::unique_ptr<GrpcBridge> bridge;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::string openapi;
  std::mutex watches_mu;
  std::set<std::shared_ptr<Watch>> watches;
  bool stopping = false;  // guarded by watches_mu
  std::once_flag stopped;

  // The verified caller and their account (if the token belongs to one), or an error reply.
  // Tokens of departed users are refused even before they expire.
  std::optional<std::pair<Actor, std::optional<User>>> Caller(const std::string& token,
                                                              httplib::Response& res) {
    absl::StatusOr<Actor> actor = verifier.Verify(token, clock.Now());
    if (!actor.ok()) {
      Send(res, FromAbsl(actor.status()));
      return std::nullopt;
    }
    absl::StatusOr<std::optional<User>> user = users.FindByActor(*actor);
    if (!user.ok()) {
      Send(res, FromAbsl(user.status()));
      return std::nullopt;
    }
    if (user->has_value() && (*user)->departed) {
      Send(res, ErrorReply(401, "UNAUTHENTICATED",
                           kDepartedMessage));
      return std::nullopt;
    }
    return std::make_pair(*std::move(actor), *std::move(user));
  }

  std::optional<Actor> Admin(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(BearerOf(req), res);
    if (!caller) return std::nullopt;
    if (caller->first.role != "admin") {
      Send(res, ErrorReply(403, "PERMISSION_DENIED",
                           "Only an administrator can manage user accounts."));
      return std::nullopt;
    }
    return caller->first;
  }

  CommandMeta Meta(const Actor& actor, const json& body) {
    const absl::Time now = clock.Now();
    std::string request_id;
    if (auto it = body.find("request_id"); it != body.end() && it->is_string()) {
      request_id = it->get<std::string>();
    }
    if (request_id.empty()) request_id = ids.NewId(now);
    CommandMeta meta;
    meta.request_id = request_id;
    meta.actor = actor;
    meta.now = now;
    return meta;
  }

  UuidV7Generator ids;

  void Login(const httplib::Request& req, httplib::Response& res) {
    std::optional<json> body = ParseObject(req, res);
    if (!body) return;
    std::optional<std::string> username = StringField(*body, "username", res);
    if (!username) return;
    std::optional<std::string> password = StringField(*body, "password", res);
    if (!password) return;
    *username = Lower(*username);
    username->erase(0, username->find_first_not_of(' '));
    username->erase(username->find_last_not_of(' ') + 1);
    if (username->empty()) {
      return Send(res, ErrorReply(400, "INVALID_ARGUMENT", "Enter your username.", "username"));
    }
    if (password->empty()) {
      return Send(res, ErrorReply(400, "INVALID_ARGUMENT", "Enter your password.", "password"));
    }
    absl::StatusOr<LoginResult> result =
        users.Login(*username, *password, req.remote_addr, req.get_header_value("User-Agent"));
    if (!result.ok()) return Send(res, FromAbsl(result.status()));
    const absl::Time now = clock.Now();
    switch (result->failure) {
      case LoginFailure::kNone:
        break;
      case LoginFailure::kWrongPassword:
        if (result->locked_until > now) break;  // this failure locked the account: 423 below
        [[fallthrough]];
      case LoginFailure::kUnknownUser:
        return Send(res, ErrorReply(401, "UNAUTHENTICATED",
                                    "The username or password is not correct."));
      case LoginFailure::kDeparted:
        return Send(res, ErrorReply(403, "PERMISSION_DENIED",
                                    kDepartedMessage));
      case LoginFailure::kLocked:
        break;
    }
    if (result->failure != LoginFailure::kNone) {
      json error = {{"code", "LOCKED"},
                    {"message", "Too many failed sign-ins: this account is locked until " +
                                    absl::FormatTime("%H:%M UTC", result->locked_until,
                                                     absl::UTCTimeZone()) +
                                    ". Try again then, or ask an administrator."},
                    {"field", "username"},
                    {"locked_until", Rfc3339(result->locked_until)}};
      return SendJson(res, {{"error", error}, {"locked_until", Rfc3339(result->locked_until)}},
                      423);
    }
    const User& user = result->user;
    absl::StatusOr<std::string> refresh =
        IssueToken(refresh_verifier.secret(), ActorOf(user), now, options.session_ttl);
    if (!refresh.ok()) return Send(res, FromAbsl(refresh.status()));
    SendTokens(res, user, now, {{"refresh_token", *refresh},
                                {"session_expires_at", Rfc3339(now + options.session_ttl)}});
  }

  static Actor ActorOf(const User& user) {
    return Actor{user.role == "technician" ? user.technician_id : user.username, user.role,
                 user.permissions};
  }

  // A fresh access token for `user` (its current role and permissions), plus `extra` fields.
  void SendTokens(httplib::Response& res, const User& user, absl::Time now, json extra) {
    absl::StatusOr<std::string> token =
        IssueToken(options.auth_secret, ActorOf(user), now, options.token_ttl);
    if (!token.ok()) return Send(res, FromAbsl(token.status()));
    extra["token"] = *token;
    extra["expires_at"] = Rfc3339(now + options.token_ttl);
    extra["user"] = UserJson(user, now);
    SendJson(res, extra);
  }

  // POST /api/v1/auth/refresh {"refresh_token"}: a new access token while the account is still
  // active. Departed → 401, locked → 403 (with locked_until), session over → 401. Not written to
  // the login history (a refresh every 15 minutes would bury the sign-ins in it).
  void Refresh(const httplib::Request& req, httplib::Response& res) {
    std::optional<json> body = ParseObject(req, res);
    if (!body) return;
    std::optional<std::string> refresh = StringField(*body, "refresh_token", res);
    if (!refresh) return;
    if (refresh->empty()) {
      return Send(res, ErrorReply(400, "INVALID_ARGUMENT",
                                  "Give the refresh token you received when you signed in.",
                                  "refresh_token"));
    }
    const absl::Time now = clock.Now();
    absl::StatusOr<Actor> actor = refresh_verifier.Verify(*refresh, now);
    if (!actor.ok()) {
      return Send(res, ErrorReply(401, "UNAUTHENTICATED",
                                  "Your session has ended; please sign in again.",
                                  "refresh_token"));
    }
    absl::StatusOr<std::optional<User>> user = users.FindByActor(*actor);
    if (!user.ok()) return Send(res, FromAbsl(user.status()));
    if (!user->has_value()) {
      return Send(res, ErrorReply(401, "UNAUTHENTICATED",
                                  "This session does not belong to a user account of the gateway.",
                                  "refresh_token"));
    }
    const User& account = **user;
    if (account.departed) {
      return Send(res, ErrorReply(401, "UNAUTHENTICATED",
                                  kDepartedMessage));
    }
    if (account.LockedAt(now)) {
      json error = {{"code", "PERMISSION_DENIED"},
                    {"message", "This account is locked after too many failed sign-ins until " +
                                    absl::FormatTime("%H:%M UTC", account.locked_until,
                                                     absl::UTCTimeZone()) +
                                    "; sign in again then, or ask an administrator."},
                    {"field", ""},
                    {"locked_until", Rfc3339(account.locked_until)}};
      return SendJson(res, {{"error", error}, {"locked_until", Rfc3339(account.locked_until)}},
                      403);
    }
    SendTokens(res, account, now, json::object());
  }

  void Me(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(BearerOf(req), res);
    if (!caller) return;
    if (!caller->second) {
      return Send(res, ErrorReply(404, "NOT_FOUND",
                                  "This token does not belong to a user account of the gateway."));
    }
    SendJson(res, UserJson(*caller->second, clock.Now()));
  }

  void ChangePassword(const httplib::Request& req, httplib::Response& res) {
    auto caller = Caller(BearerOf(req), res);
    if (!caller) return;
    if (!caller->second) {
      return Send(res, ErrorReply(404, "NOT_FOUND",
                                  "This token does not belong to a user account of the gateway."));
    }
    std::optional<json> body = ParseObject(req, res);
    if (!body) return;
    std::optional<std::string> old_password = StringField(*body, "old_password", res);
    if (!old_password) return;
    std::optional<std::string> new_password = StringField(*body, "new_password", res);
    if (!new_password) return;
    absl::Status changed = users.ChangePassword(Meta(caller->first, *body),
                                                caller->second->username, *old_password,
                                                *new_password);
    if (!changed.ok()) return Send(res, FromAbsl(changed));
    absl::StatusOr<User> user = users.Get(caller->second->username);
    if (!user.ok()) return Send(res, FromAbsl(user.status()));
    SendJson(res, UserJson(*user, clock.Now()));
  }

  void ListUsers(const httplib::Request& req, httplib::Response& res) {
    if (!Admin(req, res)) return;
    absl::StatusOr<std::vector<User>> all = users.List();
    if (!all.ok()) return Send(res, FromAbsl(all.status()));
    json list = json::array();
    for (const User& u : *all) list.push_back(UserJson(u, clock.Now()));
    SendJson(res, {{"users", list}});
  }

  void CreateUser(const httplib::Request& req, httplib::Response& res) {
    std::optional<Actor> admin = Admin(req, res);
    if (!admin) return;
    std::optional<json> body = ParseObject(req, res);
    if (!body) return;
    NewUser request;
    for (auto [name, target] : {std::pair<const char*, std::string*>{"username", &request.username},
                                {"display_name", &request.display_name},
                                {"role", &request.role},
                                {"technician_id", &request.technician_id},
                                {"language", &request.language}}) {
      std::optional<std::string> value = StringField(*body, name, res);
      if (!value) return;
      *target = *std::move(value);
    }
    std::optional<std::string> password = StringField(*body, "password", res);
    if (!password) return;
    std::optional<std::vector<std::string>> permissions = StringList(*body, "permissions", res);
    if (!permissions) return;
    request.permissions = *std::move(permissions);
    absl::StatusOr<User> user = users.CreateUser(Meta(*admin, *body), request, *password);
    if (!user.ok()) return Send(res, FromAbsl(user.status()));
    SendJson(res, UserJson(*user, clock.Now()));
  }

  void Depart(const httplib::Request& req, httplib::Response& res) {
    std::optional<Actor> admin = Admin(req, res);
    if (!admin) return;
    std::optional<json> body = ParseObject(req, res);
    if (!body) return;
    absl::StatusOr<User> user = users.Depart(Meta(*admin, *body), req.matches[1].str());
    if (!user.ok()) return Send(res, FromAbsl(user.status()));
    SendJson(res, UserJson(*user, clock.Now()));
  }

  void SetPermissions(const httplib::Request& req, httplib::Response& res) {
    std::optional<Actor> admin = Admin(req, res);
    if (!admin) return;
    std::optional<json> body = ParseObject(req, res);
    if (!body) return;
    if (!body->contains("permissions")) {
      return Send(res, ErrorReply(400, "INVALID_ARGUMENT",
                                  "Give the complete list of permissions (it may be empty).",
                                  "permissions"));
    }
    std::optional<std::vector<std::string>> permissions = StringList(*body, "permissions", res);
    if (!permissions) return;
    absl::StatusOr<User> user =
        users.SetPermissions(Meta(*admin, *body), req.matches[1].str(), *std::move(permissions));
    if (!user.ok()) return Send(res, FromAbsl(user.status()));
    SendJson(res, UserJson(*user, clock.Now()));
  }

  void Logins(const httplib::Request& req, httplib::Response& res) {
    if (!Admin(req, res)) return;
    size_t limit = kDefaultLogins;
    if (req.has_param("limit")) {
      const std::string raw = req.get_param_value("limit");
      char* end = nullptr;
      const unsigned long value = std::strtoul(raw.c_str(), &end, 10);
      if (raw.empty() || *end != '\0' || value == 0 || value > kMaxLogins) {
        return Send(res, ErrorReply(400, "INVALID_ARGUMENT",
                                    "limit must be a number from 1 to 1000.", "limit"));
      }
      limit = value;
    }
    absl::StatusOr<std::vector<LoginRecord>> logins = users.Logins(req.matches[1].str(), limit);
    if (!logins.ok()) return Send(res, FromAbsl(logins.status()));
    json list = json::array();
    for (const LoginRecord& r : *logins) {
      list.push_back({{"time", Rfc3339(r.at)},
                      {"success", r.success},
                      {"failure", FailureName(r.failure)},
                      {"client_address", r.client_address},
                      {"user_agent", r.user_agent}});
    }
    SendJson(res, {{"logins", list}});
  }

  void Bridge(const httplib::Request& req, httplib::Response& res) {
    const std::string authorization = req.get_header_value("Authorization");
    if (std::string token = BearerOf(req); !token.empty()) {
      // Only to refuse departed users early; everything else is the service's decision.
      absl::StatusOr<Actor> actor = verifier.Verify(token, clock.Now());
      if (actor.ok()) {
        absl::StatusOr<std::optional<User>> user = users.FindByActor(*actor);
        if (user.ok() && user->has_value() && (*user)->departed) {
          return Send(res, ErrorReply(401, "UNAUTHENTICATED",
                                      kDepartedMessage));
        }
      }
    }
    Send(res, bridge->Call(req.matches[1].str(), req.matches[2].str(), req.body, authorization));
  }

  // Why an open event stream must end now (its token expired, its user departed), as the
  // error JSON; nullopt while it may go on.
  std::optional<std::string> StreamRefusal(const std::string& token) {
    absl::StatusOr<Actor> actor = verifier.Verify(token, clock.Now());
    if (!actor.ok()) return ErrorJson("UNAUTHENTICATED", std::string(actor.status().message()), "");
    absl::StatusOr<std::optional<User>> user = users.FindByActor(*actor);
    if (user.ok() && user->has_value() && (*user)->departed) {
      return ErrorJson("UNAUTHENTICATED",
                       kDepartedMessage, "");
    }
    return std::nullopt;
  }

  void WatchBoard(const httplib::Request& req, httplib::Response& res) {
    std::string token = req.get_param_value("access_token");
    if (token.empty()) token = BearerOf(req);
    if (token.empty()) {
      return Send(res, ErrorReply(401, "UNAUTHENTICATED",
                                  "Sign in first: this request carries no access token."));
    }
    if (!Caller(token, res)) return;
    uint64_t after = 0;
    std::string from = req.get_header_value("Last-Event-ID");
    if (from.empty()) from = req.get_param_value("from");
    if (!from.empty()) {
      char* end = nullptr;
      after = std::strtoull(from.c_str(), &end, 10);
      if (*end != '\0' || !std::isdigit(static_cast<unsigned char>(from[0]))) {
        return Send(res, ErrorReply(400, "INVALID_ARGUMENT",
                                    "The position to resume from must be a number.", "from"));
      }
    }

    auto watch = std::make_shared<Watch>();
    {
      std::lock_guard lock(watches_mu);
      if (stopping) return Send(res, ErrorReply(503, "UNAVAILABLE", "The gateway is stopping."));
      watches.insert(watch);
    }
    watch->context.AddMetadata("authorization", "Bearer " + token);
    std::shared_ptr<grpc::Channel> channel = bridge->Channel("scheduling");
    watch->reader = std::thread([watch, channel, after] {
      auto stub = scheduling::v1::SchedulingService::NewStub(channel);
      scheduling::v1::WatchBoardRequest request;
      request.set_after_position(after);
      std::unique_ptr<grpc::ClientReader<scheduling::v1::BoardUpdate>> reader =
          stub->WatchBoard(&watch->context, request);
      scheduling::v1::BoardUpdate update;
      pb::util::JsonPrintOptions print;
      print.preserve_proto_field_names = true;
      print.always_print_primitive_fields = true;
      while (reader->Read(&update)) {
        std::string data;
        (void)pb::util::MessageToJsonString(update, &data, print);
        std::lock_guard lock(watch->mu);
        watch->frames.push_back("id: " + std::to_string(update.position()) + "\ndata: " + data +
                                "\n\n");
        watch->answered = true;
        watch->cv.notify_all();
      }
      grpc::Status status = reader->Finish();
      std::lock_guard lock(watch->mu);
      watch->status = status;
      const auto& trailers = watch->context.GetServerTrailingMetadata();
      if (auto it = trailers.find(kFieldTrailer); it != trailers.end()) {
        watch->field.assign(it->second.data(), it->second.size());
      }
      watch->ended = true;
      watch->answered = true;
      watch->cv.notify_all();
    });
    auto release = [this, watch](bool) {
      watch->context.TryCancel();
      if (watch->reader.joinable()) watch->reader.join();
      std::lock_guard lock(watches_mu);
      watches.erase(watch);
    };

    {
      std::unique_lock lock(watch->mu);
      watch->cv.wait_for(lock, kFirstAnswerWindow, [&] { return watch->answered; });
      if (watch->ended && watch->frames.empty() && !watch->status.ok()) {
        HttpReply reply = FromGrpc(watch->status, watch->field);
        lock.unlock();
        release(false);
        return Send(res, reply);
      }
    }

    const auto keep_alive = absl::ToChronoMilliseconds(options.keep_alive);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, watch, keep_alive, token](size_t, httplib::DataSink& sink) {
          std::unique_lock lock(watch->mu);
          const bool woke = watch->cv.wait_for(lock, keep_alive, [&] {
            return !watch->frames.empty() || watch->ended || watch->stop;
          });
          if (watch->stop) return false;
          // The service checked the token when the stream opened; the gateway keeps checking
          // it: a stream ends when its token expires (the browser reconnects with a fresh one)
          // or its user departs (at the next keep-alive at the latest).
          if (std::optional<std::string> refused = StreamRefusal(token)) {
            lock.unlock();
            const std::string frame = "event: error\ndata: " + *refused + "\n\n";
            sink.write(frame.data(), frame.size());
            return false;
          }
          if (!watch->frames.empty()) {
            std::deque<std::string> frames;
            frames.swap(watch->frames);
            lock.unlock();
            for (const std::string& frame : frames) {
              if (!sink.write(frame.data(), frame.size())) return false;
            }
            return true;
          }
          if (watch->ended) {
            std::string tail;
            if (!watch->status.ok() && watch->status.error_code() != grpc::StatusCode::CANCELLED) {
              tail = "event: error\ndata: " +
                     ErrorJson(CodeName(watch->status.error_code()),
                               watch->status.error_message(), watch->field) +
                     "\n\n";
            }
            lock.unlock();
            if (!tail.empty()) sink.write(tail.data(), tail.size());
            sink.done();
            return true;
          }
          (void)woke;
          lock.unlock();
          static constexpr std::string_view kKeepAlive = ": keep-alive\n\n";
          return sink.write(kKeepAlive.data(), kKeepAlive.size());
        },
        release);
  }

  void Static(const httplib::Request& req, httplib::Response& res) {
    const std::string& path = req.path;
    if (path == "/api" || path.rfind("/api/", 0) == 0 || path.rfind("/healthz", 0) == 0) {
      return Send(res, ErrorReply(404, "NOT_FOUND", "There is no such API path: " + path));
    }
    if (options.web_root.empty()) {
      return Send(res, ErrorReply(404, "NOT_FOUND",
                                  "The web app is not installed (start the gateway with --web-root)."));
    }
    std::filesystem::path relative = std::filesystem::path(path).relative_path().lexically_normal();
    for (const auto& part : relative) {
      if (part == "..") return Send(res, ErrorReply(404, "NOT_FOUND", "No such file."));
    }
    const std::filesystem::path root(options.web_root);
    std::filesystem::path file = root / relative;
    std::error_code ec;
    if (relative.empty() || std::filesystem::is_directory(file, ec)) file = file / "index.html";
    if (!std::filesystem::is_regular_file(file, ec)) {
      if (!relative.filename().has_extension()) {
        file = root / "index.html";  // client-side routes
      } else {
        return Send(res, ErrorReply(404, "NOT_FOUND", "No such file: " + path));
      }
    }
    std::optional<std::string> content = ReadFile(file);
    if (!content) return Send(res, ErrorReply(404, "NOT_FOUND", "No such file: " + path));
    res.set_header("Cache-Control", "no-cache");
    res.set_content(*std::move(content), ContentType(file).c_str());
  }

  void Health(httplib::Response& res) {
    std::map<std::string, std::string> services = bridge->Health(absl::Seconds(2));
    bool all = std::all_of(services.begin(), services.end(),
                           [](const auto& s) { return s.second == "SERVING"; });
    SendJson(res, {{"status", all ? "ok" : "degraded"}, {"services", services}}, all ? 200 : 503);
  }
};

Gateway::Gateway(const GatewayOptions& options, UsersApp& users, const Clock& clock)
    : impl_(std::make_unique<Impl>(options, users, clock)) {}

Gateway::~Gateway() { Stop(); }

void Gateway::Routes() {
  Impl* impl = impl_.get();
  httplib::Server& s = *impl->server;
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  s.Post("/api/v1/auth/login", [impl](Req req, Res res) { impl->Login(req, res); });
  s.Post("/api/v1/auth/refresh", [impl](Req req, Res res) { impl->Refresh(req, res); });
  s.Get("/api/v1/auth/me", [impl](Req req, Res res) { impl->Me(req, res); });
  s.Post("/api/v1/auth/password", [impl](Req req, Res res) { impl->ChangePassword(req, res); });
  s.Get("/api/v1/admin/users", [impl](Req req, Res res) { impl->ListUsers(req, res); });
  s.Post("/api/v1/admin/users", [impl](Req req, Res res) { impl->CreateUser(req, res); });
  s.Post(R"(/api/v1/admin/users/([^/]+)/depart)", [impl](Req req, Res res) { impl->Depart(req, res); });
  s.Put(R"(/api/v1/admin/users/([^/]+)/permissions)",
        [impl](Req req, Res res) { impl->SetPermissions(req, res); });
  s.Get(R"(/api/v1/admin/users/([^/]+)/logins)", [impl](Req req, Res res) { impl->Logins(req, res); });
  s.Get("/api/v1/scheduling/WatchBoard/events",
        [impl](Req req, Res res) { impl->WatchBoard(req, res); });
  s.Post(R"(/api/v1/([a-z]+)/([A-Za-z0-9_]+))", [impl](Req req, Res res) { impl->Bridge(req, res); });
  s.Get("/api/openapi.json", [impl](Req, Res res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(impl->openapi, kJson);
  });
  s.Get("/healthz", [impl](Req, Res res) { impl->Health(res); });
  s.Get(R"(/.*)", [impl](Req req, Res res) { impl->Static(req, res); });

  s.set_error_handler([](Req req, Res res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      Send(res, ErrorReply(404, "NOT_FOUND", "There is no " + req.method + " " + req.path + "."));
    } else if (res.status == 413) {
      Send(res, ErrorReply(413, "RESOURCE_EXHAUSTED", "The request body is too large."));
    } else {
      Send(res, ErrorReply(res.status, "UNKNOWN", "The request could not be handled."));
    }
  });
  s.set_exception_handler([](Req, Res res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    Logger("gateway")->error("request failed: {}", what);
    Send(res, ErrorReply(500, "INTERNAL", "The gateway failed on this request."));
  });
  s.set_post_routing_handler([](Req, Res res) { res.set_header("X-Content-Type-Options", "nosniff"); });
  s.set_logger([](Req req, const httplib::Response& res) {
    Logger("gateway")->debug("http method={} path={} status={}", req.method, req.path, res.status);
  });
}

std::string RefreshSecret(const std::string& auth_secret) {
  // BLAKE2b keyed with the secret over a fixed label: a key of its own, known only to whoever
  // knows the secret.
  static constexpr char kLabel[] = "fieldline gateway refresh tokens v1";
  // Idempotent; generichash works without it, but the library asks for it before any use.
  [[maybe_unused]] static const int initialised = sodium_init();
  unsigned char key[32];  // the secret of any length, as a key of valid size
  crypto_generichash(key, sizeof key, reinterpret_cast<const unsigned char*>(auth_secret.data()),
                     auth_secret.size(), nullptr, 0);
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(kLabel),
                     sizeof kLabel - 1, key, sizeof key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : out) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const GatewayOptions& options,
                                                        UsersApp& users, const Clock& clock) {
  if (options.auth_secret.empty()) {
    return absl::InvalidArgumentError("The gateway needs the token signing secret.");
  }
  const auto colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("--listen must be host:port, e.g. 127.0.0.1:8080; got \"" +
                                      options.listen + "\".");
  }
  const std::string host = options.listen.substr(0, colon);
  char* end = nullptr;
  const long port = std::strtol(options.listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535 || colon + 1 == options.listen.size()) {
    return absl::InvalidArgumentError("--listen has no valid port: \"" + options.listen + "\".");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("HTTPS needs both --tls-cert and --tls-key.");
  }

  std::unique_ptr<Gateway> gateway(new Gateway(options, users, clock));
  Impl& impl = *gateway->impl_;

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.grpc_ca_file.empty()) {
    std::optional<std::string> ca = ReadFile(options.grpc_ca_file);
    if (!ca || ca->empty()) {
      return absl::InvalidArgumentError("--grpc-ca: cannot read " + options.grpc_ca_file + ".");
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *ca;
    credentials = grpc::SslCredentials(ssl);
  }
  impl.bridge = std::make_unique<GrpcBridge>(options.services, credentials, options.call_timeout);
  std::unique_ptr<pb::DescriptorPool> docs = LoadDocs(options.descriptor_set_file);
  impl.openapi = BuildOpenApi(docs.get());

  if (!options.tls_cert_file.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                    options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(
          "The TLS certificate or key cannot be loaded (--tls-cert " + options.tls_cert_file +
          ", --tls-key " + options.tls_key_file + ").");
    }
    impl.server = std::move(ssl);
    gateway->https_ = true;
  } else {
    impl.server = std::make_unique<httplib::Server>();
  }
  const int threads = std::max(4, options.threads);
  impl.server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl.server->set_payload_max_length(kMaxBody);
  impl.server->set_read_timeout(30, 0);
  impl.server->set_write_timeout(30, 0);
  gateway->Routes();

  if (port == 0) {
    gateway->port_ = impl.server->bind_to_any_port(host);
    if (gateway->port_ <= 0) {
      return absl::UnavailableError("Cannot listen on " + host + " (any port).");
    }
  } else {
    if (!impl.server->bind_to_port(host, static_cast<int>(port))) {
      return absl::UnavailableError("Cannot listen on " + options.listen +
                                    " (is another program using the port?).");
    }
    gateway->port_ = static_cast<int>(port);
  }
  impl.thread = std::thread([&impl] { impl.server->listen_after_bind(); });
  // Stop() before the server thread runs would find nothing to stop; wait for it (microseconds).
  while (!impl.server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return gateway;
}

void Gateway::Stop() {
  if (!impl_) return;
  std::call_once(impl_->stopped, [this] {
    {
      std::lock_guard lock(impl_->watches_mu);
      impl_->stopping = true;
      for (const std::shared_ptr<Watch>& watch : impl_->watches) {
        std::lock_guard watch_lock(watch->mu);
        watch->stop = true;
        watch->context.TryCancel();
        watch->cv.notify_all();
      }
    }
    if (impl_->server) impl_->server->stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

std::string DefaultWebRoot() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (std::filesystem::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      if (std::filesystem::is_directory(dir / "web", ec) &&
          std::filesystem::exists(dir / "services" / "gateway", ec)) {
        return (dir / "web").string();
      }
    }
  }
#ifdef FIELDLINE_SOURCE_DIR
  if (std::filesystem::is_directory(std::filesystem::path(FIELDLINE_SOURCE_DIR) / "web", ec)) {
    return (std::filesystem::path(FIELDLINE_SOURCE_DIR) / "web").string();
  }
#endif
  return "";
}

}  // namespace fieldline::gateway
