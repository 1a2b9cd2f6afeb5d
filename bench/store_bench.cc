// The event store's command path against raw RocksDB on the same disk, in the same run.
//
//   build/bench/store_bench [--commands N] [--threads T] [--dir PATH]
//
// Baseline: a raw RocksDB WriteBatch of the same size (event + version + log entry + projection
// + request record), written with sync=true, from the same number of threads. Fieldline adds
// locking, the request-id check, the version check and envelope encoding; the ratio shows
// what that costs.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/common/store/event_store.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double RunThreads(int threads, int per_thread, const std::function<void(int, int)>& body) {
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) body(t, i);
    });
  }
  for (auto& th : pool) th.join();
  return Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fieldline event store vs raw RocksDB"};
  int commands = 4000;
  int threads = 4;
  std::string dir = "/tmp/fieldline-store-bench";
  app.add_option("--commands", commands, "commands per run")->capture_default_str();
  app.add_option("--threads", threads, "writer threads")->capture_default_str();
  app.add_option("--dir", dir, "scratch directory (deleted)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const int per_thread = commands / threads;
  const int total = per_thread * threads;
  const std::string payload(200, 'x');

  // Baseline: raw RocksDB, one synced WriteBatch per command.
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  double raw_seconds = 0;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open(options, dir + "/raw", &db).ok()) return 1;
    rocksdb::WriteOptions sync;
    sync.sync = true;
    raw_seconds = RunThreads(threads, per_thread, [&](int t, int i) {
      rocksdb::WriteBatch batch;
      const std::string id = std::to_string(t) + "-" + std::to_string(i);
      batch.Put("e/Ticket/" + id + "/00000000000000000001", payload);
      batch.Put("v/Ticket/" + id, "1");
      batch.Put("l/" + id, payload);
      batch.Put("p/ticket/" + id, payload);
      batch.Put("r/" + id, "ack");
      db->Write(sync, &batch);
    });
    delete db;
  }

  // Fieldline: EventStore::Execute with one event, a projection and the request record.
  double store_seconds = 0;
  {
    auto store = fieldline::EventStore::Open({.path = dir + "/store"});
    if (!store.ok()) return 1;
    store_seconds = RunThreads(threads, per_thread, [&](int t, int i) {
      const std::string id = std::to_string(t) + "-" + std::to_string(i);
      const fieldline::AggregateKey key{"Ticket", id};
      auto ack = (*store)->Execute(
          "req-" + id, {key},
          [&](fieldline::Batch& batch) -> absl::StatusOr<fieldline::common::v1::CommandAck> {
            fieldline::EventEnvelope e;
            e.mutable_intake()->mutable_ticket_opened()->set_symptom(payload);
            if (absl::Status s = batch.Append(key, 0, {e}); !s.ok()) return s;
            batch.Put("p/ticket/" + id, payload);
            fieldline::common::v1::CommandAck a;
            a.set_aggregate_id(id);
            a.set_version(1);
            return a;
          });
      if (!ack.ok()) std::abort();
    });
  }
  std::filesystem::remove_all(dir);

  const double raw_rate = total / raw_seconds;
  const double store_rate = total / store_seconds;
  std::printf("threads=%d commands=%d\n", threads, total);
  std::printf("raw RocksDB synced WriteBatch : %10.0f commands/s\n", raw_rate);
  std::printf("EventStore::Execute (durable) : %10.0f commands/s\n", store_rate);
  std::printf("ratio store/raw               : %10.2f\n", store_rate / raw_rate);
  return 0;
}
