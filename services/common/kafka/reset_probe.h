#pragma once

// Private to the outbox relay. Tells whether a broker still holds what it once acknowledged to
// the relay (per partition: the highest acknowledged offset, the "mark"), without a blocking
// call. librdkafka 2.0.2's rd_kafka_query_watermark_offsets() ignores its timeout when the broker
// goes away with the request in flight (the unsent request is retried forever), which would
// wedge the relay on exactly the event it must detect. Instead, a consumer without group
// membership is assigned each marked partition at its mark and its events are read with
// non-blocking polls: the message at the mark arrives → intact; the partition ends at or before
// the mark or the offset is out of range → the broker was reset. A partition that does not
// exist produces no event at all, so a round still undecided after a while asks for the topic's
// metadata (a call that does honour its timeout): a missing partition → reset.
//
// Lifecycle: one probe per broker connection (created and dropped with the relay's producer).
// Threading: used by the relay thread only.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/kafka/kafka_client.h"

namespace fieldline::kafka_internal {

class ResetProbe {
 public:
  enum class Verdict { kPending, kIntact, kReset };

  // `properties` are the client settings (bootstrap.servers and any extras); `topic` is the
  // relay's topic.
  static absl::StatusOr<std::unique_ptr<ResetProbe>> Create(
      std::map<std::string, std::string> properties, std::string topic);
  ~ResetProbe();
  ResetProbe(const ResetProbe&) = delete;
  ResetProbe& operator=(const ResetProbe&) = delete;

  // Starts checking `marks` (partition → highest acknowledged offset), replacing any round in
  // progress.
  void StartRound(const std::map<int32_t, int64_t>& marks);
  bool round_active() const { return active_; }
  // Serves what arrived so far, without waiting. On kReset, `detail` says which partition and
  // why. A round ends with kIntact or kReset.
  Verdict Poll(std::string* detail);

 private:
  ResetProbe(ClientPtr consumer, std::string topic);
  void EndRound();
  // Whether a marked, unconfirmed partition is missing from the broker's metadata.
  bool FindMissingPartition(std::string* detail);

  ClientPtr consumer_;
  const std::string topic_;
  std::map<int32_t, int64_t> marks_;
  std::set<int32_t> confirmed_;
  bool active_ = false;
  std::chrono::steady_clock::time_point round_started_;
  bool metadata_checked_ = false;
};

}  // namespace fieldline::kafka_internal
