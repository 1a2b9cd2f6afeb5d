// Fieldline under load, against the raw stack measured in the same run (issue 8 item 1).
//
// Starts the dev broker and the four services as processes (like the end-to-end tests), loads
// the demo city, then measures:
//   echo      — a bare gRPC call (health Check) on the same server bootstrap, flat out;
//   commands  — a realistic mix over gRPC, flat out or at --rate: intake 40 % (open a ticket),
//               technician updates 40 % (assign → start → complete the jobs this worker's
//               tickets produced), parts 15 % (receive stock), queries 5 % (get a ticket);
//               throughput and p50/p99/p999 latency, per kind and in all;
//   propagation — a ticket acknowledged by intake → its job visible on scheduling's live board,
//               at --propagation-rate for --propagation-seconds;
//   raw RocksDB batches (100 keys, WAL on, no fsync) and raw librdkafka produce/consume through
//               the same dev broker.
// Ends with one JSON line of the headline figures.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "CLI/CLI.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/common/grpc/server.h"
#include "services/common/testing/temp_dir.h"
#include "tests/e2e/platform.h"
#include "tools/fieldlinectl/client.h"
#include "tools/fieldlinectl/seed.h"

namespace fieldline::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace itk = intake::v1;
namespace sch = scheduling::v1;
namespace inv = inventory::v1;
namespace cv1 = common::v1;

struct Latencies {
  std::vector<double> ms;
  uint64_t errors = 0;
  void Merge(const Latencies& other) {
    ms.insert(ms.end(), other.ms.begin(), other.ms.end());
    errors += other.errors;
  }
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * v.size())) - 1);
  return v[i];
}

nlohmann::json Summary(const Latencies& l, double seconds) {
  return {{"ops", l.ms.size()},
          {"errors", l.errors},
          {"rps", seconds > 0 ? l.ms.size() / seconds : 0},
          {"p50_ms", Percentile(l.ms, 0.50)},
          {"p99_ms", Percentile(l.ms, 0.99)},
          {"p999_ms", Percentile(l.ms, 0.999)}};
}

double Round(double v, int digits = 1) {
  const double f = std::pow(10, digits);
  return std::round(v * f) / f;
}

// --- echo baseline -------------------------------------------------------------------------

Latencies RunEcho(int threads, double seconds) {
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start("127.0.0.1:0", {});
  if (!server.ok()) throw std::runtime_error(server.status().ToString());
  const std::string address = "127.0.0.1:" + std::to_string((*server)->port());
  std::vector<Latencies> per_thread(threads);
  std::vector<std::thread> workers;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto stub = grpc::health::v1::Health::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      while (Clock::now() < end) {
        grpc::ClientContext context;
        grpc::health::v1::HealthCheckRequest request;
        grpc::health::v1::HealthCheckResponse response;
        const auto start = Clock::now();
        grpc::Status s = stub->Check(&context, request, &response);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (s.ok()) {
          per_thread[t].ms.push_back(ms);
        } else {
          ++per_thread[t].errors;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  Latencies all;
  for (const auto& l : per_thread) all.Merge(l);
  return all;
}

// --- the command mix -----------------------------------------------------------------------

enum Kind { kIntake = 0, kTechnician = 1, kParts = 2, kQuery = 3 };
constexpr const char* kKindNames[] = {"intake", "technician", "parts", "query"};

struct PendingJob {
  std::string ticket_id;
  std::string job_id;
  int step = 0;  // 0 assign, 1 start, 2 complete
};

struct Mix {
  e2e::Platform& platform;
  std::vector<std::string> technicians;  // who repairs refrigerators
  std::string run;                       // unique per run: request ids never collide
};

itk::OpenTicketRequest NewTicket(const std::string& request_id, int64_t n) {
  itk::OpenTicketRequest req;
  req.set_request_id(request_id);
  req.mutable_customer()->set_name("Load customer " + std::to_string(n));
  req.mutable_customer()->set_phone("137" + std::to_string(10000000 + n % 90000000));
  req.mutable_customer()->set_address("青岛市市南区香港中路" + std::to_string(n % 500) + "号");
  req.mutable_customer()->mutable_location()->set_lat(36.06 + (n % 100) * 0.001);
  req.mutable_customer()->mutable_location()->set_lng(120.38 + (n % 77) * 0.001);
  req.set_category("refrigerator");
  req.set_symptom("not cooling");
  return req;
}

std::map<int, Latencies> RunMix(Mix& mix, int threads, double seconds, double rate) {
  std::vector<std::map<int, Latencies>> per_thread(threads);
  std::vector<std::thread> workers;
  std::atomic<int64_t> counter{0};
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration<double>(seconds);
  client::CallOptions quick{.deadline = std::chrono::milliseconds(5000),
                            .retry_for = std::chrono::milliseconds(0)};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      std::uniform_int_distribution<int> pick(0, 99);
      const std::string tech = mix.technicians[t % mix.technicians.size()];
      client::Clients dispatcher(mix.platform.endpoints(),
                                 mix.platform.Token("dispatcher", "load-d" + std::to_string(t)),
                                 quick);
      client::Clients technician(mix.platform.endpoints(), mix.platform.Token("technician", tech),
                                 quick);
      client::Clients clerk(mix.platform.endpoints(),
                            mix.platform.Token("warehouse", "load-w" + std::to_string(t)), quick);
      std::vector<PendingJob> jobs;
      std::vector<std::string> tickets;
      int64_t op = 0;
      while (Clock::now() < end) {
        if (rate > 0) {  // open loop: each thread keeps its share of the rate
          const auto due = begin + std::chrono::duration<double>((op * threads + t) / rate);
          if (due > end) break;
          std::this_thread::sleep_until(due);
        }
        ++op;
        const int roll = pick(rng);
        Kind kind = roll < 40 ? kIntake : roll < 80 ? kTechnician : roll < 95 ? kParts : kQuery;
        if (kind == kTechnician && jobs.empty()) kind = kIntake;
        if (kind == kQuery && tickets.empty()) kind = kIntake;
        const int64_t n = counter++;
        const std::string id = mix.run + "-" + std::to_string(n);
        cv1::CommandAck ack;
        grpc::Status s;
        const auto start = Clock::now();
        switch (kind) {
          case kIntake: {
            s = dispatcher.Call(dispatcher.intake(), &itk::IntakeService::Stub::OpenTicket,
                                NewTicket(id, n), &ack);
            if (s.ok()) {
              tickets.push_back(ack.aggregate_id());
              jobs.push_back({ack.aggregate_id(), client::JobIdForTicket(ack.aggregate_id()), 0});
            }
            break;
          }
          case kTechnician: {
            PendingJob& job = jobs.front();
            if (job.step == 0) {
              sch::AssignJobRequest req;
              req.set_request_id(id);
              req.set_job_id(job.job_id);
              req.set_technician_id(tech);
              s = dispatcher.Call(dispatcher.scheduling(), &sch::SchedulingService::Stub::AssignJob,
                                  req, &ack);
            } else if (job.step == 1) {
              sch::StartJobRequest req;
              req.set_request_id(id);
              req.set_job_id(job.job_id);
              s = technician.Call(technician.scheduling(), &sch::SchedulingService::Stub::StartJob,
                                  req, &ack);
            } else {
              sch::CompleteJobRequest req;
              req.set_request_id(id);
              req.set_job_id(job.job_id);
              req.set_resolution("replaced the thermostat");
              s = technician.Call(technician.scheduling(),
                                  &sch::SchedulingService::Stub::CompleteJob, req, &ack);
            }
            if (s.ok()) {
              if (++job.step == 3) jobs.erase(jobs.begin());
            } else if (s.error_code() != grpc::StatusCode::NOT_FOUND) {
              jobs.erase(jobs.begin());  // refused for a reason of its own: leave it
            } else {
              // The job has not reached scheduling yet: try the next one first.
              std::rotate(jobs.begin(), jobs.begin() + 1, jobs.end());
            }
            break;
          }
          case kParts: {
            inv::ReceiveStockRequest req;
            req.set_request_id(id);
            req.set_sku("THM-210");
            req.set_location_id("WH-CENTRAL");
            req.set_quantity(1);
            req.set_unit_cost_minor(3500);
            s = clerk.Call(clerk.inventory(), &inv::InventoryService::Stub::ReceiveStock, req, &ack);
            break;
          }
          case kQuery: {
            itk::GetTicketRequest req;
            req.set_ticket_id(tickets[n % tickets.size()]);
            itk::Ticket ticket;
            s = dispatcher.Call(dispatcher.intake(), &itk::IntakeService::Stub::GetTicket, req,
                                &ticket);
            break;
          }
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        // A job not yet at scheduling is the propagation delay, measured on its own below.
        if (kind == kTechnician && s.error_code() == grpc::StatusCode::NOT_FOUND) continue;
        Latencies& l = per_thread[t][kind];
        if (s.ok()) {
          l.ms.push_back(ms);
        } else {
          ++l.errors;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  std::map<int, Latencies> all;
  for (const auto& m : per_thread) {
    for (const auto& [kind, l] : m) all[kind].Merge(l);
  }
  return all;
}

// --- propagation: intake ack → scheduling's board ------------------------------------------

Latencies RunPropagation(Mix& mix, double rate, double seconds) {
  client::Clients dispatcher(mix.platform.endpoints(), mix.platform.Token("dispatcher", "prop"));
  std::mutex mu;
  std::map<std::string, Clock::time_point> acked;  // job id → ack time
  // Jobs that reached the board before their ticket's acknowledgement reached the sender
  // (propagation faster than the reply's way back): job id → time seen.
  std::map<std::string, Clock::time_point> seen_first;
  Latencies result;
  std::atomic<bool> stop{false};

  // Follow the board from its current end.
  grpc::ClientContext watch_context;
  watch_context.AddMetadata("authorization", "Bearer " + mix.platform.Token("dispatcher", "prop"));
  sch::WatchBoardRequest watch;
  watch.set_after_position(UINT64_MAX / 2);  // replaced below once the end is known
  uint64_t end_position = 0;
  {
    // The board's end: read from the start until no update arrives for a moment.
    grpc::ClientContext probe;
    probe.AddMetadata("authorization", "Bearer " + mix.platform.Token("dispatcher", "prop"));
    probe.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    sch::WatchBoardRequest from_start;
    auto reader = dispatcher.scheduling().WatchBoard(&probe, from_start);
    sch::BoardUpdate update;
    while (reader->Read(&update)) end_position = update.position();
    reader->Finish();
  }
  watch.set_after_position(end_position);
  auto reader = dispatcher.scheduling().WatchBoard(&watch_context, watch);
  std::thread follower([&] {
    sch::BoardUpdate update;
    while (reader->Read(&update)) {
      const auto now = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
      if (!update.event().scheduling().has_job_created()) continue;
      auto it = acked.find(update.event().aggregate_id());
      if (it == acked.end()) {
        seen_first[update.event().aggregate_id()] = now;
        continue;
      }
      result.ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
      acked.erase(it);
    }
  });

  const int threads = 8;
  std::vector<std::thread> senders;
  std::atomic<int64_t> sent{0};
  const auto begin = Clock::now();
  const int64_t total = static_cast<int64_t>(rate * seconds);
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      client::Clients c(mix.platform.endpoints(), mix.platform.Token("dispatcher", "prop"));
      for (int64_t i = t; i < total; i += threads) {
        std::this_thread::sleep_until(begin + std::chrono::duration<double>(i / rate));
        cv1::CommandAck ack;
        const std::string id = mix.run + "-prop-" + std::to_string(i);
        grpc::Status s = c.Call(c.intake(), &itk::IntakeService::Stub::OpenTicket,
                                NewTicket(id, 50'000'000 + i), &ack);
        const auto now = Clock::now();
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          ++result.errors;
          continue;
        }
        ++sent;
        std::lock_guard<std::mutex> lock(mu);
        const std::string job_id = client::JobIdForTicket(ack.aggregate_id());
        if (auto seen = seen_first.find(job_id); seen != seen_first.end()) {
          result.ms.push_back(0);  // visible before the sender even had the acknowledgement
          seen_first.erase(seen);
          continue;
        }
        acked[job_id] = now;
      }
    });
  }
  for (auto& s : senders) s.join();
  // Wait (up to 30 s) for the stragglers.
  for (int i = 0; i < 300; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acked.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  watch_context.TryCancel();
  follower.join();
  std::lock_guard<std::mutex> lock(mu);
  result.errors += acked.size();  // never seen on the board
  return result;
}

// --- raw baselines -------------------------------------------------------------------------

double RawRocksDbKeysPerSecond(const std::string& path, double seconds) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, path, &raw).ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string value(200, 'v');
  uint64_t keys = 0;
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < 100; ++i) {
      char key[32];
      std::snprintf(key, sizeof(key), "p/bench/%012llu", static_cast<unsigned long long>(keys++));
      batch.Put(key, value);
    }
    if (!db->Write(rocksdb::WriteOptions(), &batch).ok()) return 0;
  }
  return keys / std::chrono::duration<double>(Clock::now() - begin).count();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string out = s.str();
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

struct KafkaRates {
  double produce_per_s = 0;
  double consume_per_s = 0;
};

KafkaRates RawKafka(const std::string& bootstrap, int messages) {
  KafkaRates rates;
  char err[512];
  const std::string topic = "fieldline.callbacks.v1";  // exists with the service partitions
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err));
  rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err));
  rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err));
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (producer == nullptr) return rates;
  const std::string value(300, 'x');
  const auto begin = Clock::now();
  for (int i = 0; i < messages; ++i) {
    const std::string key = "raw-" + std::to_string(i % 1000);
    while (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic.c_str()),
                             RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer, 10);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 60000);
  rates.produce_per_s = messages / std::chrono::duration<double>(Clock::now() - begin).count();
  rd_kafka_destroy(producer);

  conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "fieldline-bench-raw", err, sizeof(err));
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
  rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof(err));
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  if (consumer == nullptr) return rates;
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  int received = 0;
  Clock::time_point first{};
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  while (received < messages && Clock::now() < give_up) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->key_len > 4 &&
        std::string_view(static_cast<const char*>(m->key), 4) == "raw-") {
      if (received++ == 0) first = Clock::now();
    }
    rd_kafka_message_destroy(m);
  }
  if (received > 1) {
    rates.consume_per_s = received / std::chrono::duration<double>(Clock::now() - first).count();
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return rates;
}

std::vector<std::string> RefrigeratorTechnicians(client::Clients& admin) {
  sch::ListTechniciansRequest list;
  list.set_page_size(500);
  sch::ListTechniciansResponse techs;
  admin.Call(admin.scheduling(), &sch::SchedulingService::Stub::ListTechnicians, list, &techs);
  std::vector<std::string> out;
  for (const auto& t : techs.technicians()) {
    for (const auto& skill : t.skills()) {
      if (skill == "refrigerator") out.push_back(t.technician_id());
    }
  }
  return out;
}

}  // namespace
}  // namespace fieldline::bench

int main(int argc, char** argv) {
  using namespace fieldline;
  using namespace fieldline::bench;
  CLI::App app{"Fieldline load generator: the platform under a realistic mix, against the raw "
               "stack in the same run"};
  int threads = 8;
  double seconds = 20;
  double rate = 0;
  double propagation_rate = 200;
  double propagation_seconds = 10;
  int kafka_messages = 100000;
  app.add_option("--threads", threads, "client threads (closed loop)");
  app.add_option("--seconds", seconds, "duration of the echo and the command mix");
  app.add_option("--rate", rate, "commands per second in all (0: flat out)");
  app.add_option("--propagation-rate", propagation_rate, "tickets per second while measuring "
                                                         "propagation");
  app.add_option("--propagation-seconds", propagation_seconds, "duration of that measurement");
  app.add_option("--kafka-messages", kafka_messages, "messages for the raw librdkafka baseline");
  CLI11_PARSE(app, argc, argv);

  e2e::Platform platform;
  platform.StartAll();
  client::Clients admin(platform.endpoints(), platform.Token("admin", "bench"));
  std::ostringstream seed_log;
  if (ctl::SeedDemo(admin, seed_log) != 0) {
    std::cerr << "seeding failed:\n" << seed_log.str();
    return 1;
  }
  Mix mix{platform, RefrigeratorTechnicians(admin),
          std::to_string(std::chrono::system_clock::now().time_since_epoch().count())};
  if (mix.technicians.empty()) {
    std::cerr << "no technician repairs refrigerators in the seed\n";
    return 1;
  }

  // First, while the consumers are idle: after the flat-out mix they would still be draining
  // its backlog, and this would measure that instead.
  std::cerr << "propagation: " << propagation_rate << " tickets/s for " << propagation_seconds
            << " s\n";
  const Latencies propagation = RunPropagation(mix, propagation_rate, propagation_seconds);
  std::cerr << "echo baseline: " << threads << " threads, " << seconds << " s\n";
  const Latencies echo = RunEcho(threads, seconds);
  std::cerr << "command mix: " << threads << " threads, " << seconds << " s"
            << (rate > 0 ? ", rate " + std::to_string(rate) : ", flat out") << "\n";
  const std::map<int, Latencies> mix_result = RunMix(mix, threads, seconds, rate);
  Latencies commands;
  nlohmann::json per_kind;
  for (const auto& [kind, l] : mix_result) {
    per_kind[kKindNames[kind]] = Summary(l, seconds);
    commands.Merge(l);
  }
  testing::TempDir raw_dir;
  std::cerr << "raw RocksDB batches\n";
  const double rocksdb_keys = RawRocksDbKeysPerSecond(raw_dir.Sub("rocks"), 5);
  std::cerr << "raw librdkafka produce and consume\n";
  const KafkaRates kafka = RawKafka(ReadFile(platform.bootstrap_file()), kafka_messages);

  const double echo_rps = echo.ms.size() / seconds;
  const double command_rps = commands.ms.size() / seconds;
  nlohmann::json details = {
      {"threads", threads},
      {"seconds", seconds},
      {"rate", rate},
      {"echo", Summary(echo, seconds)},
      {"commands", Summary(commands, seconds)},
      {"by_kind", per_kind},
      {"propagation", Summary(propagation, propagation_seconds)},
      {"propagation_rate", propagation_rate},
      {"kafka_produce_per_s", Round(kafka.produce_per_s)},
      {"kafka_consume_per_s", Round(kafka.consume_per_s)},
  };
  std::cout << details.dump(2) << "\n";
  nlohmann::json headline = {
      {"echo_rps", Round(echo_rps)},
      {"command_rps", Round(command_rps)},
      {"command_vs_echo", echo_rps > 0 ? Round(command_rps / echo_rps, 3) : 0},
      {"command_p99_ms", Round(Percentile(commands.ms, 0.99), 2)},
      {"command_errors", commands.errors},
      {"propagation_p99_ms", Round(Percentile(propagation.ms, 0.99), 2)},
      {"propagation_rate", propagation_rate},
      {"rocksdb_batch_keys_per_s", Round(rocksdb_keys)},
      {"kafka_produce_per_s", Round(kafka.produce_per_s)},
      {"kafka_consume_per_s", Round(kafka.consume_per_s)},
      // Not built yet: there is no projection-rebuild tool to time (docs/operations.md).
      {"rebuild_events_per_s", nullptr},
      {"rebuild_vs_rocksdb", nullptr},
  };
  std::cout << headline.dump() << std::endl;
  return 0;
}
