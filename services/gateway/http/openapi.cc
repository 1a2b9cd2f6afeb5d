#include "services/gateway/http/openapi.h"

#include <set>
#include <string_view>

#include "google/protobuf/descriptor.h"
#include "nlohmann/json.hpp"
#include "services/gateway/http/bridge.h"

namespace fieldline::gateway {
namespace {

namespace pb = google::protobuf;
using nlohmann::json;

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string Comment(const pb::SourceLocation& loc) {
  std::string leading = Trim(loc.leading_comments);
  std::string trailing = Trim(loc.trailing_comments);
  if (leading.empty()) return trailing;
  if (trailing.empty()) return leading;
  return leading + "\n" + trailing;
}

class Docs {
 public:
  explicit Docs(const pb::DescriptorPool* pool) : pool_(pool) {}

  template <typename D>
  std::string Of(const D* generated) const {
    if (pool_ == nullptr) return "";
    const D* documented = Find(generated);
    if (documented == nullptr) return "";
    pb::SourceLocation loc;
    if (!documented->GetSourceLocation(&loc)) return "";
    return Comment(loc);
  }

 private:
  const pb::Descriptor* Find(const pb::Descriptor* d) const {
    return pool_->FindMessageTypeByName(d->full_name());
  }
  const pb::FieldDescriptor* Find(const pb::FieldDescriptor* f) const {
    const pb::Descriptor* m = pool_->FindMessageTypeByName(f->containing_type()->full_name());
    return m == nullptr ? nullptr : m->FindFieldByName(f->name());
  }
  const pb::EnumDescriptor* Find(const pb::EnumDescriptor* e) const {
    return pool_->FindEnumTypeByName(e->full_name());
  }
  const pb::EnumValueDescriptor* Find(const pb::EnumValueDescriptor* v) const {
    return pool_->FindEnumValueByName(v->full_name());
  }
  const pb::MethodDescriptor* Find(const pb::MethodDescriptor* m) const {
    return pool_->FindMethodByName(m->full_name());
  }
  const pb::ServiceDescriptor* Find(const pb::ServiceDescriptor* s) const {
    return pool_->FindServiceByName(s->full_name());
  }
  const pb::DescriptorPool* pool_;
};

json Ref(const std::string& full_name) { return {{"$ref", "#/components/schemas/" + full_name}}; }

class SchemaBuilder {
 public:
  explicit SchemaBuilder(const Docs& docs) : docs_(docs) {}

  json RefTo(const pb::Descriptor* message) {
    if (json wkt = WellKnown(message); !wkt.is_null()) return wkt;
    Add(message);
    return Ref(message->full_name());
  }

  json schemas() const { return schemas_; }

 private:
  static json WellKnown(const pb::Descriptor* m) {
    const std::string& n = m->full_name();
    if (n == "google.protobuf.Timestamp") {
      return {{"type", "string"}, {"format", "date-time"}, {"example", "2026-11-23T09:30:00Z"}};
    }
    if (n == "google.protobuf.Duration") return {{"type", "string"}, {"example", "3600s"}};
    if (n == "google.protobuf.Struct") return {{"type", "object"}};
    if (n == "google.protobuf.Value") return json::object();
    if (n == "google.protobuf.Empty") return {{"type", "object"}};
    if (n == "google.protobuf.StringValue") return {{"type", "string"}, {"nullable", true}};
    if (n == "google.protobuf.BoolValue") return {{"type", "boolean"}, {"nullable", true}};
    if (n == "google.protobuf.Int32Value" || n == "google.protobuf.UInt32Value") {
      return {{"type", "integer"}, {"nullable", true}};
    }
    if (n == "google.protobuf.Int64Value" || n == "google.protobuf.UInt64Value") {
      return {{"type", "string"}, {"format", "int64"}, {"nullable", true}};
    }
    if (n == "google.protobuf.DoubleValue" || n == "google.protobuf.FloatValue") {
      return {{"type", "number"}, {"nullable", true}};
    }
    return nullptr;
  }

  json Scalar(const pb::FieldDescriptor* f) {
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        return {{"type", "integer"}, {"format", "int32"}};
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      case pb::FieldDescriptor::CPPTYPE_INT64:
        return {{"type", "string"}, {"format", "int64"}};  // the JSON mapping writes 64-bit as strings
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        return {{"type", "string"}, {"format", "uint64"}};
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        return {{"type", "number"}, {"format", "double"}};
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        return {{"type", "number"}, {"format", "float"}};
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        return {{"type", "boolean"}};
      case pb::FieldDescriptor::CPPTYPE_STRING:
        if (f->type() == pb::FieldDescriptor::TYPE_BYTES) return {{"type", "string"}, {"format", "byte"}};
        return {{"type", "string"}};
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        AddEnum(f->enum_type());
        return Ref(f->enum_type()->full_name());
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        return RefTo(f->message_type());
    }
    return json::object();
  }

  json Field(const pb::FieldDescriptor* f) {
    json schema;
    if (f->is_map()) {
      schema = {{"type", "object"},
                {"additionalProperties", Scalar(f->message_type()->FindFieldByName("value"))}};
    } else if (f->is_repeated()) {
      schema = {{"type", "array"}, {"items", Scalar(f)}};
    } else {
      schema = Scalar(f);
    }
    std::string description = docs_.Of(f);
    if (!description.empty()) {
      if (schema.contains("$ref")) schema = {{"allOf", json::array({schema})}};
      schema["description"] = description;
    }
    return schema;
  }

  void Add(const pb::Descriptor* m) {
    if (!seen_.insert(m->full_name()).second) return;
    json properties = json::object();
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      properties[f->name()] = Field(f);
    }
    json schema = {{"type", "object"}, {"properties", properties}};
    if (std::string d = docs_.Of(m); !d.empty()) schema["description"] = d;
    schemas_[m->full_name()] = schema;
  }

  void AddEnum(const pb::EnumDescriptor* e) {
    if (!seen_.insert(e->full_name()).second) return;
    json values = json::array();
    std::string description = docs_.Of(e);
    for (int i = 0; i < e->value_count(); ++i) {
      values.push_back(e->value(i)->name());
      if (std::string d = docs_.Of(e->value(i)); !d.empty()) {
        description += (description.empty() ? "" : "\n") + e->value(i)->name() + ": " + d;
      }
    }
    json schema = {{"type", "string"}, {"enum", values}};
    if (!description.empty()) schema["description"] = description;
    schemas_[e->full_name()] = schema;
  }

  const Docs& docs_;
  std::set<std::string> seen_;
  json schemas_ = json::object();
};

json JsonBody(const json& schema) {
  return {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json Answer(const std::string& description, const json& schema) {
  return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

json ErrorAnswers() {
  const json error = Ref("Error");
  return {{"400", Answer("Invalid input (INVALID_ARGUMENT, OUT_OF_RANGE or a body that is not valid JSON)", error)},
          {"401", Answer("No, an expired or an invalid token (UNAUTHENTICATED)", error)},
          {"403", Answer("The role or user may not do this (PERMISSION_DENIED)", error)},
          {"404", Answer("Unknown id, service or method (NOT_FOUND)", error)},
          {"409", Answer("Conflict: ALREADY_EXISTS, ABORTED (stale version) or FAILED_PRECONDITION", error)},
          {"429", Answer("RESOURCE_EXHAUSTED", error)},
          {"503", Answer("The service is not reachable (UNAVAILABLE)", error)},
          {"504", Answer("The service did not answer in time (DEADLINE_EXCEEDED)", error)}};
}

void AddAuthPaths(json& paths, json& schemas) {
  schemas["Error"] = {
      {"type", "object"},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"properties",
           {{"code", {{"type", "string"}, {"description", "gRPC status code name, e.g. INVALID_ARGUMENT"}}},
            {"message", {{"type", "string"}, {"description", "A sentence for the person using the app"}}},
            {"field", {{"type", "string"}, {"description", "The request field the error is about, if any"}}}}}}},
        {"locked_until", {{"type", "string"}, {"format", "date-time"}, {"description", "Login only (423): when the account unlocks"}}}}}};
  const json strings = {{"type", "array"}, {"items", {{"type", "string"}}}};
  schemas["User"] = {
      {"type", "object"},
      {"description", "A staff account (the password hash is never returned)"},
      {"properties",
       {{"username", {{"type", "string"}}},
        {"display_name", {{"type", "string"}}},
        {"role", {{"type", "string"}, {"enum", {"intake", "dispatcher", "technician", "warehouse", "care", "manager", "admin"}}}},
        {"permissions", strings},
        {"technician_id", {{"type", "string"}, {"description", "Technicians only: the technician id in scheduling"}}},
        {"language", {{"type", "string"}}},
        {"departed", {{"type", "boolean"}, {"description", "The user has left; they cannot sign in"}}},
        {"locked_until", {{"type", "string"}, {"format", "date-time"}, {"description", "Set while the account is locked"}}},
        {"created_at", {{"type", "string"}, {"format", "date-time"}}},
        {"last_login_at", {{"type", "string"}, {"format", "date-time"}}}}}};
  schemas["LoginRequest"] = {{"type", "object"},
                             {"required", {"username", "password"}},
                             {"properties", {{"username", {{"type", "string"}}}, {"password", {{"type", "string"}}}}}};
  schemas["LoginResponse"] = {
      {"type", "object"},
      {"properties",
       {{"token", {{"type", "string"}, {"description", "Send as Authorization: Bearer <token>"}}},
        {"expires_at", {{"type", "string"}, {"format", "date-time"}, {"description", "The access token's end (15 minutes by default)"}}},
        {"refresh_token", {{"type", "string"}, {"description", "Login only: send to /api/v1/auth/refresh for a new access token (never to a service)"}}},
        {"session_expires_at", {{"type", "string"}, {"format", "date-time"}, {"description", "Login only: the refresh token's end; sign in again after it"}}},
        {"user", Ref("User")}}}};
  schemas["LoginHistory"] = {
      {"type", "object"},
      {"properties",
       {{"logins",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties",
             {{"time", {{"type", "string"}, {"format", "date-time"}}},
              {"success", {{"type", "boolean"}}},
              {"failure", {{"type", "string"}, {"enum", {"", "WRONG_PASSWORD", "LOCKED", "DEPARTED"}}}},
              {"client_address", {{"type", "string"}}},
              {"user_agent", {{"type", "string"}}}}}}}}}}}};
  json errors = ErrorAnswers();
  json login_errors = {{"400", errors["400"]},
                       {"401", Answer("Wrong username or password", Ref("Error"))},
                       {"403", Answer("The user has left the company", Ref("Error"))},
                       {"423", Answer("Locked after 5 failures in 15 minutes; see locked_until", Ref("Error"))}};
  json login_responses = login_errors;
  login_responses["200"] = Answer("Signed in", Ref("LoginResponse"));
  paths["/api/v1/auth/login"]["post"] = {{"tags", {"auth"}},
                                         {"summary", "Sign in with username and password; returns a short-lived access token and a refresh token"},
                                         {"security", json::array()},
                                         {"requestBody", JsonBody(Ref("LoginRequest"))},
                                         {"responses", login_responses}};
  json refresh_responses = {
      {"400", errors["400"]},
      {"401", Answer("The session ended, or the user has left the company: sign in again", Ref("Error"))},
      {"403", Answer("The account is locked; see locked_until", Ref("Error"))},
      {"200", Answer("A new access token", Ref("LoginResponse"))}};
  paths["/api/v1/auth/refresh"]["post"] = {
      {"tags", {"auth"}},
      {"summary", "A new access token for a signed-in session, while the account is active"},
      {"security", json::array()},
      {"requestBody", JsonBody({{"type", "object"},
                                {"required", {"refresh_token"}},
                                {"properties", {{"refresh_token", {{"type", "string"}}}}}})},
      {"responses", refresh_responses}};
  json me = errors;
  me["200"] = Answer("The signed-in user", Ref("User"));
  paths["/api/v1/auth/me"]["get"] = {{"tags", {"auth"}}, {"summary", "The signed-in user"}, {"responses", me}};
  json ok = errors;
  ok["200"] = Answer("Changed", {{"type", "object"}});
  paths["/api/v1/auth/password"]["post"] = {
      {"tags", {"auth"}},
      {"summary", "Change the signed-in user's password"},
      {"requestBody", JsonBody({{"type", "object"},
                                {"properties", {{"old_password", {{"type", "string"}}}, {"new_password", {{"type", "string"}, {"minLength", 8}}}}}})},
      {"responses", ok}};
  json list = errors;
  list["200"] = Answer("All accounts", {{"type", "object"}, {"properties", {{"users", {{"type", "array"}, {"items", Ref("User")}}}}}});
  paths["/api/v1/admin/users"]["get"] = {{"tags", {"admin"}}, {"summary", "List staff accounts (admin)"}, {"responses", list}};
  json created = errors;
  created["200"] = Answer("The new account", Ref("User"));
  paths["/api/v1/admin/users"]["post"] = {
      {"tags", {"admin"}},
      {"summary", "Create a staff account (admin)"},
      {"requestBody",
       JsonBody({{"type", "object"},
                 {"required", {"username", "display_name", "role", "password"}},
                 {"properties",
                  {{"username", {{"type", "string"}}},
                   {"display_name", {{"type", "string"}}},
                   {"role", {{"type", "string"}}},
                   {"password", {{"type", "string"}, {"minLength", 8}}},
                   {"technician_id", {{"type", "string"}}},
                   {"permissions", strings},
                   {"language", {{"type", "string"}}},
                   {"request_id", {{"type", "string"}, {"description", "Optional; the same id twice creates one account"}}}}}})},
      {"responses", created}};
  const json username = json::array({{{"name", "username"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}}});
  paths["/api/v1/admin/users/{username}/depart"]["post"] = {
      {"tags", {"admin"}}, {"summary", "Mark a user as departed: they can no longer sign in (admin)"},
      {"parameters", username}, {"responses", created}};
  paths["/api/v1/admin/users/{username}/permissions"]["put"] = {
      {"tags", {"admin"}}, {"summary", "Replace a user's permissions (admin)"}, {"parameters", username},
      {"requestBody", JsonBody({{"type", "object"}, {"properties", {{"permissions", strings}}}})},
      {"responses", created}};
  json history = errors;
  history["200"] = Answer("Newest first", Ref("LoginHistory"));
  paths["/api/v1/admin/users/{username}/logins"]["get"] = {
      {"tags", {"admin"}}, {"summary", "Login history of a user (admin)"}, {"parameters", username},
      {"responses", history}};
  paths["/healthz"]["get"] = {
      {"tags", {"ops"}}, {"summary", "Whether the gateway and each service are serving"}, {"security", json::array()},
      {"responses", {{"200", {{"description", "All serving"}}}, {"503", {{"description", "Some service is not serving"}}}}}};
}

}  // namespace

std::string BuildOpenApi(const pb::DescriptorPool* docs_pool) {
  Docs docs(docs_pool);
  SchemaBuilder schemas(docs);
  json paths = json::object();
  json tags = json::array();
  for (const auto& [short_name, full_name] : ServiceFullNames()) {
    const pb::ServiceDescriptor* service = FindService(short_name);
    if (service == nullptr) continue;
    tags.push_back({{"name", short_name}, {"description", docs.Of(service).empty() ? full_name : docs.Of(service)}});
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      std::string summary = docs.Of(method);
      if (method->server_streaming()) {
        json op = {{"tags", {short_name}},
                   {"operationId", short_name + "_" + method->name() + "_events"},
                   {"summary", (summary.empty() ? method->name() : summary) +
                                   " — as server-sent events: each message as `id: <position>` and "
                                   "`data: <json>`; reconnect with Last-Event-ID to resume"},
                   {"security", json::array()},
                   {"parameters",
                    json::array({{{"name", "access_token"}, {"in", "query"}, {"required", true}, {"schema", {{"type", "string"}}}},
                                 {{"name", "from"}, {"in", "query"}, {"description", "Resume after this position"}, {"schema", {{"type", "string"}}}},
                                 {{"name", "Last-Event-ID"}, {"in", "header"}, {"description", "Resume after this position"}, {"schema", {{"type", "string"}}}}})},
                   {"responses",
                    {{"200", {{"description", "text/event-stream of " + method->output_type()->full_name()},
                              {"content", {{"text/event-stream", {{"schema", schemas.RefTo(method->output_type())}}}}}}}}}};
        paths["/api/v1/" + short_name + "/" + method->name() + "/events"]["get"] = op;
        continue;
      }
      json responses = ErrorAnswers();
      responses["200"] = Answer("OK", schemas.RefTo(method->output_type()));
      json op = {{"tags", {short_name}},
                 {"operationId", short_name + "_" + method->name()},
                 {"summary", summary.empty() ? method->name() : summary},
                 {"requestBody", JsonBody(schemas.RefTo(method->input_type()))},
                 {"responses", responses}};
      paths["/api/v1/" + short_name + "/" + method->name()]["post"] = op;
    }
  }
  json all_schemas = schemas.schemas();
  AddAuthPaths(paths, all_schemas);
  tags.push_back({{"name", "auth"}, {"description", "Sign in, the current user, password"}});
  tags.push_back({{"name", "admin"}, {"description", "Staff accounts (role admin)"}});
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Fieldline API"},
        {"version", "1"},
        {"description",
         "HTTP/JSON over Fieldline's gRPC services (protobuf JSON mapping; snake_case field names, "
         "enums by name). Sign in at /api/v1/auth/login and send the token as "
         "`Authorization: Bearer <token>`; each service checks role and ownership itself."}}},
      {"servers", json::array({{{"url", "/"}}})},
      {"tags", tags},
      {"security", json::array({{{"bearer", json::array()}}})},
      {"paths", paths},
      {"components",
       {{"schemas", all_schemas},
        {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}}}}};
  return doc.dump();
}

}  // namespace fieldline::gateway
