// Writes the seed corpus of the fuzzers into fuzz/corpus/ (run by hand after the protos grow):
//   fuzz_make_corpus <repo>/fuzz/corpus
// fuzz_events: one envelope per event type of the four contexts, every field filled with a
// plausible value by reflection (ids that refer to each other, a time, a quantity of 2).
// fuzz_gateway_json: one request per unary RPC, its JSON with the same values.
// fuzz_config: copied by hand from the example policy files (see README.md).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "fieldline/callbacks/v1/callbacks_service.pb.h"
#include "fieldline/common/v1/envelope.pb.h"
#include "fieldline/intake/v1/intake_service.pb.h"
#include "fieldline/inventory/v1/inventory_service.pb.h"
#include "fieldline/scheduling/v1/scheduling_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace pb = google::protobuf;

namespace {

void Fill(pb::Message& message, int depth) {
  const pb::Descriptor* d = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  if (d->full_name() == "google.protobuf.Timestamp") {
    r->SetInt64(&message, d->FindFieldByName("seconds"), 1795000000);  // November 2026
    return;
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->containing_oneof() != nullptr && !f->containing_oneof()->is_synthetic()) continue;
    const std::string value = f->name().find("id") != std::string::npos ? "id-1" : "x";
    if (f->is_repeated()) {
      switch (f->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING: r->AddString(&message, f, value); break;
        case pb::FieldDescriptor::CPPTYPE_INT64: r->AddInt64(&message, f, 2); break;
        case pb::FieldDescriptor::CPPTYPE_INT32: r->AddInt32(&message, f, 2); break;
        case pb::FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 3) Fill(*r->AddMessage(&message, f), depth + 1);
          break;
        default: break;
      }
      continue;
    }
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING: r->SetString(&message, f, value); break;
      case pb::FieldDescriptor::CPPTYPE_INT64: r->SetInt64(&message, f, 2); break;
      case pb::FieldDescriptor::CPPTYPE_INT32: r->SetInt32(&message, f, 2); break;
      case pb::FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(&message, f, 2); break;
      case pb::FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(&message, f, 2); break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(&message, f, 36.07); break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT: r->SetFloat(&message, f, 1.5F); break;
      case pb::FieldDescriptor::CPPTYPE_BOOL: r->SetBool(&message, f, true); break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        if (f->enum_type()->value_count() > 1) r->SetEnum(&message, f, f->enum_type()->value(1));
        break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3) Fill(*r->MutableMessage(&message, f), depth + 1);
        break;
    }
  }
}

void Write(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_corpus <repo>/fuzz/corpus\n");
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const std::filesystem::path events = root / "fuzz_events";
  const std::filesystem::path json = root / "fuzz_gateway_json";
  std::filesystem::create_directories(events);
  std::filesystem::create_directories(json);

  int written = 0;
  const pb::Descriptor* envelope = fieldline::common::v1::EventEnvelope::descriptor();
  const pb::OneofDescriptor* payload = envelope->FindOneofByName("payload");
  for (int p = 0; p < payload->field_count(); ++p) {
    const pb::FieldDescriptor* context = payload->field(p);
    const pb::OneofDescriptor* kind = context->message_type()->FindOneofByName("kind");
    for (int k = 0; k < kind->field_count(); ++k) {
      fieldline::common::v1::EventEnvelope e;
      e.set_event_id("event-1");
      e.set_aggregate_type("Ticket");
      e.set_aggregate_id("id-1");
      e.set_aggregate_version(1);
      e.mutable_server_time()->set_seconds(1795000000);
      e.mutable_actor()->set_user_id("u1");
      e.mutable_actor()->set_role("dispatcher");
      e.set_request_id("r1");
      pb::Message* wrapper = e.GetReflection()->MutableMessage(&e, context);
      Fill(*wrapper->GetReflection()->MutableMessage(wrapper, kind->field(k)), 0);
      Write(events / (context->name() + "-" + kind->field(k)->name()), e.SerializeAsString());
      ++written;
    }
  }

  // Naming one message of each service file links it in, so its services are in the pool.
  const pb::FileDescriptor* files[] = {
      fieldline::intake::v1::OpenTicketRequest::descriptor()->file(),
      fieldline::scheduling::v1::AssignJobRequest::descriptor()->file(),
      fieldline::inventory::v1::GetLedgerRequest::descriptor()->file(),
      fieldline::callbacks::v1::GetCallbackRequest::descriptor()->file()};
  (void)files;
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  for (const char* service : {"intake", "scheduling", "inventory", "callbacks"}) {
    std::string upper(service);
    upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
    const pb::ServiceDescriptor* s =
        pool->FindServiceByName("fieldline." + std::string(service) + ".v1." + upper + "Service");
    if (s == nullptr) continue;
    for (int m = 0; m < s->method_count(); ++m) {
      const pb::MethodDescriptor* method = s->method(m);
      if (method->server_streaming() || method->client_streaming()) continue;
      const pb::Message* prototype =
          pb::MessageFactory::generated_factory()->GetPrototype(method->input_type());
      std::unique_ptr<pb::Message> request(prototype->New());
      Fill(*request, 0);
      std::string body;
      if (!pb::util::MessageToJsonString(*request, &body).ok()) continue;
      Write(json / (std::string(service) + "-" + method->name()),
            std::string(service) + "/" + method->name() + "\nBearer x.y.z\n" + body);
      ++written;
    }
  }
  std::printf("%d seeds written under %s\n", written, root.c_str());
  return 0;
}
