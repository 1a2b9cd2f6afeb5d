// libFuzzer target: any bytes arriving on a topic, handed to the four services' reactions exactly
// as their consumers hand them over (EventEnvelope parsed, then App::Apply into a batch).
//
// What must hold for every input: no crash, no sanitizer report, no exception escaping. A message
// a service cannot use must come back as an error status (the consumer then retries or
// quarantines it to the dead-letter topic) — never abort the process. Batches are not committed,
// so every input meets the same empty stores.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fieldline/common/v1/envelope.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "services/callbacks/app/callbacks_app.h"
#include "services/common/core/clock.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/intake/app/intake_app.h"
#include "services/inventory/app/inventory_app.h"
#include "services/scheduling/app/scheduling_app.h"
#include "spdlog/spdlog.h"

namespace {

using fieldline::EventStore;

std::unique_ptr<EventStore> OpenStore(const std::string& root, const char* name) {
  EventStore::Options options;
  options.path = root + "/" + name;
  auto store = EventStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open a store under %s: %s\n", root.c_str(),
                 store.status().ToString().c_str());
    std::abort();
  }
  return *std::move(store);
}

struct Services {
  Services() {
    // Quiet: a log line per rejected input would slow the fuzzer down a hundredfold.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int,
                                       const std::string&) {});
    spdlog::set_level(spdlog::level::off);
    char pattern[] = "/tmp/fieldline-fuzz-events-XXXXXX";
    const char* dir = mkdtemp(pattern);
    if (dir == nullptr) std::abort();
    root = dir;
    intake_store = OpenStore(root, "intake");
    scheduling_store = OpenStore(root, "scheduling");
    inventory_store = OpenStore(root, "inventory");
    callbacks_store = OpenStore(root, "callbacks");
    intake = std::make_unique<fieldline::intake::IntakeApp>(*intake_store, clock, ids);
    scheduling =
        std::make_unique<fieldline::scheduling::SchedulingApp>(*scheduling_store, clock, ids);
    inventory = std::make_unique<fieldline::inventory::InventoryApp>(*inventory_store, clock);
    callbacks = std::make_unique<fieldline::callbacks::CallbacksApp>(*callbacks_store, clock);
  }
  ~Services() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  std::string root;
  fieldline::SystemClock clock;
  fieldline::UuidV7Generator ids;
  std::unique_ptr<EventStore> intake_store, scheduling_store, inventory_store, callbacks_store;
  std::unique_ptr<fieldline::intake::IntakeApp> intake;
  std::unique_ptr<fieldline::scheduling::SchedulingApp> scheduling;
  std::unique_ptr<fieldline::inventory::InventoryApp> inventory;
  std::unique_ptr<fieldline::callbacks::CallbacksApp> callbacks;
};

Services& Get() {
  static Services* services = new Services();  // lives for the whole run
  return *services;
}

template <typename App>
void Offer(App& app, EventStore& store, const fieldline::EventEnvelope& event) {
  fieldline::Batch batch = store.NewBatch();
  absl::Status status = app.Apply(event, batch);
  (void)status;  // either outcome is fine; crashing is not
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fieldline::EventEnvelope event;
  if (!event.ParseFromArray(data, static_cast<int>(size))) return 0;
  Services& s = Get();
  Offer(*s.intake, *s.intake_store, event);
  Offer(*s.scheduling, *s.scheduling_store, event);
  Offer(*s.inventory, *s.inventory_store, event);
  Offer(*s.callbacks, *s.callbacks_store, event);
  return 0;
}
