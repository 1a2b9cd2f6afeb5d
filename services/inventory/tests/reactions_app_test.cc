// App tests of jobs changing hands (scheduling's JobReassigned, JobUnassigned, JobDeclined,
// JobRescheduled, JobAssigned again), completion settling exactly, and backorders filled by
// releases and returns: a real EventStore in a temp dir, envelopes built the way scheduling
// publishes them, each reaction delivered twice. Also the paged ledgers and the refusals that must
// say what is available where and change nothing.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fieldline/intake/v1/events.pb.h"
#include "fieldline/scheduling/v1/events.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/inventory/app/inventory_app.h"

namespace fieldline::inventory {
namespace {

namespace spb = ::fieldline::scheduling::v1;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
// A job site in Huangdao: SC-1 is ~1 km away, WH-1 ~20 km.
const GeoPoint kSite{35.97, 120.20};

class ReactionsAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<InventoryApp>(*store_, clock_);
  }

  CommandMeta Meta(const std::string& request_id) {
    return {.request_id = request_id, .actor = {"wh-anna", "warehouse"}, .now = clock_.Now()};
  }

  void Location(const std::string& id, LocationKind kind, const std::string& owner = "",
                std::optional<GeoPoint> position = {}) {
    LocationInfo location{.location_id = id,
                          .kind = kind,
                          .name = "Location " + id,
                          .owner_technician_id = owner,
                          .position = position};
    ASSERT_TRUE(app_->RegisterLocation(Meta("loc-" + id), {location}).ok());
  }

  void Part(const std::string& sku, bool serialised = false) {
    PartInfo part{
        .sku = sku, .name = "Part " + sku, .unit_cost_minor = 100, .serialised = serialised};
    ASSERT_TRUE(app_->RegisterPart(Meta("part-" + sku), {part}).ok());
  }

  void Receive(const std::string& sku, const std::string& location, int64_t quantity,
               std::vector<std::string> serials = {}) {
    auto ack = app_->ReceiveStock(Meta("recv-" + std::to_string(++requests_)),
                                  {.sku = sku,
                                   .location_id = location,
                                   .quantity = quantity,
                                   .unit_cost_minor = 100,
                                   .serials = std::move(serials)});
    ASSERT_TRUE(ack.ok()) << ack.status();
  }

  // WH-1 (Qingdao centre), SC-1 (Huangdao), VAN-7 (tech-7's), VAN-8 (tech-8's); FLT-1: 10 at
  // WH-1, 5 at SC-1, 2 in VAN-7, 1 in VAN-8; PMP-2: 1 in VAN-7, 4 at WH-1.
  void GivenStock() {
    Location("WH-1", LocationKind::kWarehouse, "", GeoPoint{36.0671, 120.3826});
    Location("SC-1", LocationKind::kServiceCentre, "", GeoPoint{35.9606, 120.1996});
    Location("VAN-7", LocationKind::kVan, "tech-7");
    Location("VAN-8", LocationKind::kVan, "tech-8");
    Part("FLT-1");
    Part("PMP-2");
    Receive("FLT-1", "WH-1", 10);
    Receive("FLT-1", "SC-1", 5);
    Receive("FLT-1", "VAN-7", 2);
    Receive("FLT-1", "VAN-8", 1);
    Receive("PMP-2", "VAN-7", 1);
    Receive("PMP-2", "WH-1", 4);
  }

  size_t StreamSize(const std::string& sku) {
    auto events = store_->ReadStream({"Part", sku});
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? events->size() : 0;
  }

  pb::LocationStock StockAt(const std::string& sku, const std::string& location) {
    auto stock = app_->GetPartStock(sku);
    EXPECT_TRUE(stock.ok()) << stock.status();
    if (stock.ok()) {
      for (const pb::LocationStock& l : stock->locations()) {
        if (l.location_id() == location) return l;
      }
    }
    return {};
  }

  // What the job holds at a location (0 if nothing) and is owed.
  int64_t Held(const std::string& job, const std::string& sku, const std::string& location) {
    auto parts = app_->GetJobParts(job);
    EXPECT_TRUE(parts.ok()) << parts.status();
    for (const pb::JobPartLine& line : parts->lines()) {
      if (line.sku() == sku && line.location_id() == location) return line.reserved();
    }
    return 0;
  }
  int64_t Owed(const std::string& job, const std::string& sku) {
    auto parts = app_->GetJobParts(job);
    EXPECT_TRUE(parts.ok()) << parts.status();
    for (const pb::JobPartLine& line : parts->lines()) {
      if (line.sku() == sku && line.location_id().empty()) return line.backordered();
    }
    return 0;
  }

  // An envelope the way scheduling publishes it.
  EventEnvelope Scheduling(const std::string& job_id, spb::SchedulingEvent payload) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Job");
    e.set_aggregate_id(job_id);
    e.set_aggregate_version(++versions_);
    fieldline::ToProto(clock_.Now(), e.mutable_server_time());
    e.mutable_actor()->set_user_id("disp-1");
    e.mutable_actor()->set_role("dispatcher");
    e.set_request_id("req-" + job_id + "-" + std::to_string(versions_));
    e.set_correlation_id("corr-" + job_id);
    *e.mutable_scheduling() = std::move(payload);
    return e;
  }

  EventEnvelope JobAssigned(const std::string& job_id, const std::string& technician,
                            const std::string& van,
                            std::vector<std::pair<std::string, int64_t>> parts) {
    spb::SchedulingEvent payload;
    spb::JobAssigned* a = payload.mutable_job_assigned();
    a->set_job_id(job_id);
    a->set_ticket_id("T-" + job_id);
    a->set_technician_id(technician);
    a->set_van_location_id(van);
    a->mutable_site()->set_lat(kSite.lat);
    a->mutable_site()->set_lng(kSite.lng);
    for (const auto& [sku, quantity] : parts) {
      auto* line = a->add_parts_needed();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope JobReassigned(const std::string& job_id, const std::string& from,
                              const std::string& to, const std::string& van) {
    spb::SchedulingEvent payload;
    spb::JobReassigned* r = payload.mutable_job_reassigned();
    r->set_job_id(job_id);
    r->set_ticket_id("T-" + job_id);
    r->set_from_technician_id(from);
    r->set_to_technician_id(to);
    r->set_van_location_id(van);
    r->set_reason("tech-7 is ill");
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope JobUnassigned(const std::string& job_id, const std::string& technician) {
    spb::SchedulingEvent payload;
    spb::JobUnassigned* u = payload.mutable_job_unassigned();
    u->set_job_id(job_id);
    u->set_ticket_id("T-" + job_id);
    u->set_technician_id(technician);
    u->set_reason("customer asked for another day");
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope JobDeclined(const std::string& job_id, const std::string& technician) {
    spb::SchedulingEvent payload;
    spb::JobDeclined* d = payload.mutable_job_declined();
    d->set_job_id(job_id);
    d->set_ticket_id("T-" + job_id);
    d->set_technician_id(technician);
    d->set_reason("van broke down");
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope JobRescheduled(const std::string& job_id, const std::string& technician) {
    spb::SchedulingEvent payload;
    spb::JobRescheduled* r = payload.mutable_job_rescheduled();
    r->set_job_id(job_id);
    r->set_ticket_id("T-" + job_id);
    r->set_technician_id(technician);
    fieldline::ToProto(kStart + absl::Hours(48), r->mutable_window_start());
    fieldline::ToProto(kStart + absl::Hours(50), r->mutable_window_end());
    r->set_reason("customer asked");
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope JobCompleted(const std::string& job_id, const std::string& technician,
                             std::vector<std::pair<std::string, int64_t>> parts) {
    spb::SchedulingEvent payload;
    spb::JobCompleted* c = payload.mutable_job_completed();
    c->set_job_id(job_id);
    c->set_ticket_id("T-" + job_id);
    c->set_technician_id(technician);
    c->set_resolution("fixed");
    for (const auto& [sku, quantity] : parts) {
      auto* line = c->add_parts_used();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope TechnicianRegistered(const std::string& technician, const std::string& van) {
    spb::SchedulingEvent payload;
    payload.mutable_technician_registered()->set_technician_id(technician);
    payload.mutable_technician_registered()->set_van_location_id(van);
    return Scheduling(technician, std::move(payload));
  }

  // What the consumer does with one event: handler, then commit.
  absl::Status ApplyAndCommit(const EventEnvelope& event) {
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(event, batch); !s.ok()) return s;
    return store_->Commit(std::move(batch));
  }

  // Delivered twice: the second delivery must change nothing.
  void ApplyTwice(const EventEnvelope& event) {
    ASSERT_TRUE(ApplyAndCommit(event).ok());
    const size_t flt = StreamSize("FLT-1");
    const size_t pmp = StreamSize("PMP-2");
    const std::string stock = app_->GetPartStock("FLT-1")->SerializeAsString();
    ASSERT_TRUE(ApplyAndCommit(event).ok());
    EXPECT_EQ(StreamSize("FLT-1"), flt);
    EXPECT_EQ(StreamSize("PMP-2"), pmp);
    EXPECT_EQ(app_->GetPartStock("FLT-1")->SerializeAsString(), stock);
  }

  EventEnvelope JobCompletedWithSerials(const std::string& job_id, const std::string& technician,
                                        const std::string& sku,
                                        std::vector<std::string> serials, int64_t quantity = 0) {
    EventEnvelope e = JobCompleted(job_id, technician, {});
    auto* line = e.mutable_scheduling()->mutable_job_completed()->add_parts_used();
    line->set_sku(sku);
    line->set_quantity(quantity > 0 ? quantity : static_cast<int64_t>(serials.size()));
    for (const std::string& serial : serials) line->add_serials(serial);
    return e;
  }

  EventEnvelope JobCancelled(const std::string& job_id, const std::string& technician) {
    spb::SchedulingEvent payload;
    spb::JobCancelled* c = payload.mutable_job_cancelled();
    c->set_job_id(job_id);
    c->set_ticket_id("T-" + job_id);
    c->set_technician_id(technician);
    c->set_reason("customer cancelled the ticket");
    return Scheduling(job_id, std::move(payload));
  }

  EventEnvelope JobVisitEnded(const std::string& job_id, const std::string& technician,
                              std::vector<std::pair<std::string, int64_t>> missing) {
    spb::SchedulingEvent payload;
    spb::JobVisitEnded* v = payload.mutable_job_visit_ended();
    v->set_job_id(job_id);
    v->set_ticket_id("T-" + job_id);
    v->set_technician_id(technician);
    v->set_visit(1);
    v->set_reason("parts missing");
    for (const auto& [sku, quantity] : missing) {
      auto* line = v->add_parts_missing();
      line->set_sku(sku);
      line->set_quantity(quantity);
    }
    return Scheduling(job_id, std::move(payload));
  }

  // Intake's TicketCancelled the way intake publishes it (job id included).
  EventEnvelope TicketCancelled(const std::string& ticket_id, const std::string& job_id) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id(ticket_id);
    e.set_aggregate_version(++versions_);
    fieldline::ToProto(clock_.Now(), e.mutable_server_time());
    e.set_correlation_id("corr-" + job_id);
    auto* c = e.mutable_intake()->mutable_ticket_cancelled();
    c->set_ticket_id(ticket_id);
    c->set_job_id(job_id);
    c->set_reason("customer withdrew");
    return e;
  }

  // Kinds of the part's events after the first `from`.
  std::vector<pb::InventoryEvent::KindCase> KindsSince(const std::string& sku, size_t from) {
    std::vector<pb::InventoryEvent::KindCase> kinds;
    auto events = store_->ReadStream({"Part", sku});
    EXPECT_TRUE(events.ok());
    for (size_t i = from; events.ok() && i < events->size(); ++i) {
      kinds.push_back(events->at(i).inventory().kind_case());
    }
    return kinds;
  }

  testing::TempDir dir_;
  FakeClock clock_{kStart};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<InventoryApp> app_;
  int requests_ = 0;
  int64_t versions_ = 0;
};

TEST_F(ReactionsAppTest, AReassignedJobsVanPartsAreHeldAgainFromTheNewVanThenTheNearestStock) {
  GivenStock();
  // J1 needs 3 FLT-1 and 1 PMP-2: tech-7's van has 2 + 1, the third FLT-1 from SC-1 (nearest).
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 3}, {"PMP-2", 1}}))
                  .ok());
  ASSERT_EQ(Held("J1", "FLT-1", "VAN-7"), 2);
  ASSERT_EQ(Held("J1", "FLT-1", "SC-1"), 1);
  ASSERT_EQ(Held("J1", "PMP-2", "VAN-7"), 1);

  const EventEnvelope reassigned = JobReassigned("J1", "tech-7", "tech-8", "VAN-8");
  ApplyTwice(reassigned);
  // FLT-1: VAN-8's one unit, then SC-1 (nearest to the site) for the other; SC-1's earlier hold
  // stays. PMP-2: VAN-8 has none, the nearest with stock is WH-1.
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-8"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 2);
  EXPECT_EQ(Held("J1", "PMP-2", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "PMP-2", "WH-1"), 1);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").reserved(), 0);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").available(), 2);
  EXPECT_EQ(StockAt("FLT-1", "VAN-8").available(), 0);
  EXPECT_EQ(StockAt("PMP-2", "VAN-7").available(), 1);

  // Every event of the reaction is caused by the reassignment, with ids derived from it.
  auto events = store_->ReadStream({"Part", "FLT-1"});
  ASSERT_TRUE(events.ok());
  const EventEnvelope& last = events->back();
  EXPECT_EQ(last.causation_id(), reassigned.event_id());
  EXPECT_EQ(last.correlation_id(), "corr-J1");
  EXPECT_EQ(last.actor().user_id(), "system:inventory");
  const pb::InventoryEvent& released = events->at(events->size() - 3).inventory();
  ASSERT_TRUE(released.has_reservation_released());
  EXPECT_TRUE(released.reservation_released().keeps_backorder());
  EXPECT_EQ(events->at(events->size() - 3).event_id(),
            DeriveId(reassigned.event_id(), "inventory/1"));
}

TEST_F(ReactionsAppTest, AReassignmentWithoutAVanInTheEventUsesTheVanSchedulingReported) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(TechnicianRegistered("tech-8", "VAN-8")).ok());
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 2}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobReassigned("J1", "tech-7", "tech-8", "")).ok());
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-8"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
}

TEST_F(ReactionsAppTest, AnUnassignedJobGivesBackItsVanPartsAndKeepsItsOtherHoldsAndBackorder) {
  GivenStock();
  // J1 needs 18 FLT-1: VAN-7 2, SC-1 5, WH-1 10; VAN-8's unit is tech-8's: 1 backordered.
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 18}})).ok());
  ASSERT_EQ(Owed("J1", "FLT-1"), 1);
  ASSERT_EQ(Held("J1", "FLT-1", "VAN-8"), 0);
  ApplyTwice(JobUnassigned("J1", "tech-7"));
  // Only tech-7's van gives its hold back; the job keeps the rest and its place in the queue.
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").available(), 2);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 5);
  EXPECT_EQ(Held("J1", "FLT-1", "WH-1"), 10);
  EXPECT_EQ(Owed("J1", "FLT-1"), 1);
  ASSERT_EQ(app_->GetPartStock("FLT-1")->backorders_size(), 1);

  // Assigned again, to tech-8, asking for 18: it holds 15 and is owed 1, so 2 are lacking. Its
  // own van has 1, which goes to the owed unit first; VAN-7's 2 are tech-7's: 2 are owed.
  ApplyTwice(JobAssigned("J1", "tech-8", "VAN-8", {{"FLT-1", 18}}));
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-8"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 5);
  EXPECT_EQ(Held("J1", "FLT-1", "WH-1"), 10);
  EXPECT_EQ(Owed("J1", "FLT-1"), 2);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 2);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").available(), 2);
}

TEST_F(ReactionsAppTest, ADeclinedJobGivesBackItsVanParts) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 3}})).ok());
  ApplyTwice(JobDeclined("J1", "tech-7"));
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 1);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").reserved(), 0);
}

TEST_F(ReactionsAppTest, ARescheduleKeepsThePartsUnlessTheJobChangedTechnician) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(TechnicianRegistered("tech-7", "VAN-7")).ok());
  ASSERT_TRUE(ApplyAndCommit(TechnicianRegistered("tech-8", "VAN-8")).ok());
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 2}})).ok());
  const size_t before = StreamSize("FLT-1");
  ApplyTwice(JobRescheduled("J1", "tech-7"));
  EXPECT_EQ(StreamSize("FLT-1"), before);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 2);
  // A new window with tech-8: the van hold follows the job.
  ApplyTwice(JobRescheduled("J1", "tech-8"));
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-8"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 1);
}

TEST_F(ReactionsAppTest, AReassignedJobWithAHandReservationIsToppedUpNotServedTwice) {
  GivenStock();
  // A clerk held 1 at WH-1 for J1 before scheduling assigned it 3.
  ASSERT_TRUE(app_->ReserveStock(Meta("hold-1"), {.sku = "FLT-1",
                                                  .location_id = "WH-1",
                                                  .job_id = "J1",
                                                  .quantity = 1})
                  .ok());
  ApplyTwice(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 3}}));
  EXPECT_EQ(Held("J1", "FLT-1", "WH-1"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 2);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved() + StockAt("FLT-1", "VAN-7").reserved() +
                StockAt("FLT-1", "SC-1").reserved(),
            3);
}

TEST_F(ReactionsAppTest, CompletionConsumesExactlyWhatWasReportedAndTheRestGoesToWaitingJobs) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 17}})).ok());
  // VAN-7 2, SC-1 5, WH-1 10 held for J1; J2 waits for 5 and J3 for 1 (VAN-8's unit is
  // tech-8's, not theirs).
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J2", "tech-9", "", {{"FLT-1", 5}})).ok());
  ASSERT_EQ(Owed("J2", "FLT-1"), 5);
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J3", "tech-9", "", {{"FLT-1", 1}})).ok());
  ASSERT_EQ(Owed("J3", "FLT-1"), 1);

  ApplyTwice(JobCompleted("J1", "tech-7", {{"FLT-1", 3}}));
  // 3 consumed: the van's 2 first, then 1 of SC-1's hold. On hand 18 → 15.
  auto job = app_->GetJobParts("J1");
  ASSERT_TRUE(job.ok());
  int64_t consumed = 0;
  int64_t released = 0;
  for (const pb::JobPartLine& line : job->lines()) {
    consumed += line.consumed();
    released += line.released();
    EXPECT_EQ(line.reserved(), 0) << line.location_id();
  }
  EXPECT_EQ(consumed, 3);
  EXPECT_EQ(released, 14);
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").on_hand(), 0);
  EXPECT_EQ(StockAt("FLT-1", "SC-1").on_hand(), 4);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 10);
  // The 14 given back go to J2 (5) then J3 (1), first come first served.
  EXPECT_EQ(Owed("J2", "FLT-1"), 0);
  EXPECT_EQ(Owed("J3", "FLT-1"), 0);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 0);
  EXPECT_EQ(StockAt("FLT-1", "SC-1").reserved() + StockAt("FLT-1", "WH-1").reserved() +
                StockAt("FLT-1", "VAN-8").reserved(),
            6);
}

TEST_F(ReactionsAppTest, CompletionOfASerialisedPartConsumesSerialsFromTheJobsLocation) {
  Location("WH-1", LocationKind::kWarehouse);
  Location("VAN-7", LocationKind::kVan, "tech-7");
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "VAN-7", 2, {"S-1", "S-2"});
  Receive("CMP-9", "WH-1", 1, {"S-3"});
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"CMP-9", 2}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", "tech-7", {{"CMP-9", 1}})).ok());
  auto s1 = app_->GetSerialHistory("CMP-9", "S-1");
  ASSERT_TRUE(s1.ok()) << s1.status();
  EXPECT_EQ(s1->current_place(), "consumed:J1");
  auto s2 = app_->GetSerialHistory("CMP-9", "S-2");
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->current_place(), "VAN-7");  // released, still in the van
  auto s3 = app_->GetSerialHistory("CMP-9", "S-3");
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->current_place(), "WH-1");  // never touched
  EXPECT_EQ(StockAt("CMP-9", "VAN-7").on_hand(), 1);
  EXPECT_EQ(StockAt("CMP-9", "VAN-7").reserved(), 0);
}

TEST_F(ReactionsAppTest, AReleaseByHandFillsTheJobsWaitingInOrderOnce) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 17}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J2", "tech-9", "", {{"FLT-1", 2}})).ok());
  ASSERT_EQ(Owed("J2", "FLT-1"), 2);  // VAN-8's free unit is tech-8's, not a source
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J3", "tech-9", "", {{"FLT-1", 1}})).ok());
  // The clerk releases 2 of J1's at WH-1: J2 (waiting first) gets both, J3 nothing.
  const inventory::ReleaseStock release{
      .sku = "FLT-1", .job_id = "J1", .location_id = "WH-1", .quantity = 2};
  ASSERT_TRUE(app_->ReleaseStock(Meta("rel-1"), release).ok());
  const size_t after = StreamSize("FLT-1");
  ASSERT_TRUE(app_->ReleaseStock(Meta("rel-1"), release).ok());  // a retry: one effect
  EXPECT_EQ(StreamSize("FLT-1"), after);
  EXPECT_EQ(Owed("J2", "FLT-1"), 0);
  EXPECT_EQ(Held("J2", "FLT-1", "WH-1"), 2);
  EXPECT_EQ(Owed("J3", "FLT-1"), 1);
  EXPECT_EQ(Held("J1", "FLT-1", "WH-1"), 8);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").reserved(), 10);
}

TEST_F(ReactionsAppTest, AJobReassignedToATechnicianWithoutAVanHasItsVanPartsHeldAtTheNearestStock) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 2}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobReassigned("J1", "tech-7", "tech-10", "")).ok());
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 2);  // nearest to the site
  // The job no longer has a van: a later reassignment moves nothing out of VAN-7 by mistake.
  ASSERT_FALSE(store_->Get("x/job-van/J1")->has_value());
  const size_t before = StreamSize("FLT-1");
  ASSERT_TRUE(ApplyAndCommit(JobReassigned("J1", "tech-10", "tech-11", "")).ok());
  EXPECT_EQ(StreamSize("FLT-1"), before);
}

// --- van restock list --------------------------------------------------------------------------

TEST_F(ReactionsAppTest, AVanRestockListCountsWhatTheVanUsedInThePeriodUpToItsTarget) {
  GivenStock();  // VAN-7: FLT-1 2, PMP-2 1
  ASSERT_TRUE(ApplyAndCommit(TechnicianRegistered("tech-7", "VAN-7")).ok());
  ASSERT_TRUE(app_->SetReorderPoint(Meta("rp"), {.sku = "FLT-1",
                                                 .location_id = "VAN-7",
                                                 .min_available = 1,
                                                 .target_quantity = 6})
                  .ok());
  // Day 1: J1 uses the van's 2 FLT-1.
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", "tech-7", {{"FLT-1", 2}})).ok());
  clock_.Advance(absl::Hours(24));
  const absl::Time day2 = clock_.Now();
  Receive("FLT-1", "VAN-7", 3);  // restocked in the morning
  // Day 2: J2 uses 1 FLT-1; a PMP-2 is given to a customer as a care gift.
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J2", "tech-7", {{"FLT-1", 1}})).ok());
  ASSERT_TRUE(app_->IssueCareGift(Meta("gift"), {.sku = "PMP-2",
                                                 .location_id = "VAN-7",
                                                 .quantity = 1,
                                                 .customer_id = "C-1"})
                  .ok());
  // 1 FLT-1 is on its way to the van.
  ASSERT_TRUE(app_->RequestTransfer(Meta("t1"), {.sku = "FLT-1",
                                                 .transfer_id = "TR-1",
                                                 .from_location_id = "WH-1",
                                                 .to_location_id = "VAN-7",
                                                 .quantity = 1})
                  .ok());
  ASSERT_TRUE(app_->ApproveTransfer(Meta("t2"), {.sku = "FLT-1", .transfer_id = "TR-1"}).ok());
  ASSERT_TRUE(app_->ShipTransfer(Meta("t3"), {.sku = "FLT-1", .transfer_id = "TR-1"}).ok());

  auto today = app_->GetVanRestockList("tech-7", "", day2, clock_.Now());
  ASSERT_TRUE(today.ok()) << today.status();
  ASSERT_EQ(today->lines_size(), 2);
  EXPECT_EQ(today->lines(0).sku(), "FLT-1");
  EXPECT_EQ(today->lines(0).used(), 1);
  EXPECT_EQ(today->lines(0).on_hand(), 2);
  EXPECT_EQ(today->lines(0).in_transit(), 1);
  // max(used 1, target 6 − on hand 2) − in transit 1 = 3.
  EXPECT_EQ(today->lines(0).suggested_quantity(), 3);
  EXPECT_EQ(today->lines(1).sku(), "PMP-2");
  EXPECT_EQ(today->lines(1).used(), 1);
  EXPECT_EQ(today->lines(1).on_hand(), 0);
  EXPECT_EQ(today->lines(1).suggested_quantity(), 1);  // no target: what was used

  auto both_days = app_->GetVanRestockList("", "VAN-7", absl::InfinitePast(), clock_.Now());
  ASSERT_TRUE(both_days.ok()) << both_days.status();
  EXPECT_EQ(both_days->lines(0).used(), 3);
  auto not_a_van = app_->GetVanRestockList("", "WH-1", day2, clock_.Now());
  EXPECT_EQ(not_a_van.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(not_a_van.status()).value_or(""), "van_location_id");
}

// --- paged ledgers ----------------------------------------------------------------------------

TEST_F(ReactionsAppTest, APartsLedgerIsReadPageByPageWithACursor) {
  GivenStock();  // FLT-1: registered and 4 receipts
  const PageRequest first{.page_size = 2};
  auto page1 = app_->GetPartLedger("FLT-1", absl::InfinitePast(), absl::InfiniteFuture(), first);
  ASSERT_TRUE(page1.ok()) << page1.status();
  ASSERT_EQ(page1->entries_size(), 2);
  EXPECT_EQ(page1->entries(0).aggregate_version(), 1);
  EXPECT_EQ(page1->next_page_token(), "2");
  auto page2 = app_->GetPartLedger("FLT-1", absl::InfinitePast(), absl::InfiniteFuture(),
                                   {.page_size = 2, .page_token = page1->next_page_token()});
  ASSERT_TRUE(page2.ok()) << page2.status();
  ASSERT_EQ(page2->entries_size(), 2);
  EXPECT_EQ(page2->entries(0).aggregate_version(), 3);
  auto page3 = app_->GetPartLedger("FLT-1", absl::InfinitePast(), absl::InfiniteFuture(),
                                   {.page_size = 2, .page_token = page2->next_page_token()});
  ASSERT_TRUE(page3.ok()) << page3.status();
  ASSERT_EQ(page3->entries_size(), 1);
  EXPECT_EQ(page3->entries(0).aggregate_version(), 5);
  EXPECT_EQ(page3->next_page_token(), "");
  // Without a size or a token: the whole period, as before.
  auto all = app_->GetPartLedger("FLT-1", absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->entries_size(), 5);
  EXPECT_EQ(all->next_page_token(), "");

  auto bad = app_->GetPartLedger("FLT-1", absl::InfinitePast(), absl::InfiniteFuture(),
                                 {.page_size = 2, .page_token = "WH-1/x"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "page_token");
  auto negative = app_->GetPartLedger("FLT-1", absl::InfinitePast(), absl::InfiniteFuture(),
                                      {.page_size = -1});
  EXPECT_EQ(FieldOf(negative.status()).value_or(""), "page_size");
}

TEST_F(ReactionsAppTest, ALocationsLedgerIsReadPageByPageInTimeOrderWithinAPeriod) {
  GivenStock();
  clock_.Advance(absl::Minutes(1));
  const absl::Time period_start = clock_.Now();
  // Three more moves at WH-1, one a minute: a reservation, a release, a receipt.
  ASSERT_TRUE(app_->ReserveStock(Meta("r1"), {.sku = "FLT-1",
                                              .location_id = "WH-1",
                                              .job_id = "J1",
                                              .quantity = 2})
                  .ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(app_->ReleaseStock(Meta("r2"), {.sku = "FLT-1", .job_id = "J1"}).ok());
  clock_.Advance(absl::Minutes(1));
  Receive("PMP-2", "WH-1", 1);
  auto whole = app_->GetLocationLedger("WH-1", period_start, clock_.Now());
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_EQ(whole->entries_size(), 3);

  std::vector<std::string> seen;
  PageRequest page{.page_size = 1};
  for (int i = 0; i < 10; ++i) {
    auto ledger = app_->GetLocationLedger("WH-1", period_start, clock_.Now(), page);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ASSERT_LE(ledger->entries_size(), 1);
    for (const EventEnvelope& e : ledger->entries()) seen.push_back(e.event_id());
    if (ledger->next_page_token().empty()) break;
    page.page_token = ledger->next_page_token();
  }
  ASSERT_EQ(seen.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(seen[i], whole->entries(i).event_id());
  EXPECT_TRUE(whole->entries(0).inventory().has_parts_reserved());
  EXPECT_TRUE(whole->entries(2).inventory().has_stock_received());

  auto bad = app_->GetLocationLedger("WH-1", period_start, clock_.Now(),
                                     {.page_size = 1, .page_token = "12"});
  EXPECT_EQ(FieldOf(bad.status()).value_or(""), "page_token");
}

// --- refusals: told what is available where, nothing changed ----------------------------------

TEST_F(ReactionsAppTest, InsufficientStockSaysWhatIsAvailableWhereAndChangesNothing) {
  GivenStock();
  const size_t before = StreamSize("FLT-1");
  const std::string projection = app_->GetPartStock("FLT-1")->SerializeAsString();
  auto gift = app_->IssueCareGift(
      Meta("g1"), {.sku = "FLT-1", .location_id = "VAN-8", .quantity = 3, .customer_id = "C-1"});
  EXPECT_EQ(gift.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(gift.status().message(),
            "Only 1 pcs of FLT-1 is available at VAN-8, not 3; stock cannot go negative. "
            "Available: SC-1: 5, VAN-7: 2, VAN-8: 1, WH-1: 10.");
  EXPECT_EQ(StreamSize("FLT-1"), before);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->SerializeAsString(), projection);
}

TEST_F(ReactionsAppTest, ASerialThatIsNotAtTheLocationIsRefusedAndNothingChanges) {
  Location("WH-1", LocationKind::kWarehouse);
  Location("VAN-7", LocationKind::kVan, "tech-7");
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "VAN-7", 1, {"S-1"});
  Receive("CMP-9", "WH-1", 1, {"S-2"});
  const size_t before = StreamSize("CMP-9");
  // S-2 is at WH-1, not in the van.
  auto gift = app_->IssueCareGift(Meta("g1"), {.sku = "CMP-9",
                                               .location_id = "VAN-7",
                                               .quantity = 1,
                                               .customer_id = "C-1",
                                               .serials = {"S-2"}});
  EXPECT_EQ(gift.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FieldOf(gift.status()).value_or(""), "serials");
  EXPECT_EQ(gift.status().message(), "Serial S-2 of CMP-9 is not at VAN-7 (it is at WH-1).");
  auto back = app_->MoveStock(Meta("m1"), {.kind = MoveKind::kReturnUnused,
                                           .sku = "CMP-9",
                                           .from_location_id = "VAN-7",
                                           .to_location_id = "WH-1",
                                           .quantity = 1,
                                           .serials = {"S-9"}});
  EXPECT_EQ(back.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(FieldOf(back.status()).value_or(""), "serials");
  EXPECT_EQ(StreamSize("CMP-9"), before);
  EXPECT_EQ(app_->GetSerialHistory("CMP-9", "S-2")->current_place(), "WH-1");
}

// --- the Part snapshot ------------------------------------------------------------------------

TEST_F(ReactionsAppTest, ThePartSnapshotEqualsTheFoldOfTheWholeStream) {
  GivenStock();
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "WH-1", 3, {"S-1", "S-2", "S-3"});
  // A history touching every part of the state: holds, backorders in a queue, a transfer in
  // transit, an RMA, a reorder point with an open request, serials in several places.
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 19}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J2", "tech-9", "", {{"FLT-1", 2}})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobReassigned("J1", "tech-7", "tech-8", "VAN-8")).ok());
  ASSERT_TRUE(app_->SetReorderPoint(Meta("rp"), {.sku = "FLT-1",
                                                 .location_id = "SC-1",
                                                 .min_available = 2,
                                                 .target_quantity = 8})
                  .ok());
  ASSERT_TRUE(app_->RequestTransfer(Meta("t1"), {.sku = "CMP-9",
                                                 .transfer_id = "TR-1",
                                                 .from_location_id = "WH-1",
                                                 .to_location_id = "VAN-7",
                                                 .quantity = 1})
                  .ok());
  ASSERT_TRUE(app_->ApproveTransfer(Meta("t2"), {.sku = "CMP-9", .transfer_id = "TR-1"}).ok());
  ASSERT_TRUE(app_->ShipTransfer(Meta("t3"),
                                 {.sku = "CMP-9", .transfer_id = "TR-1", .serials = {"S-2"}})
                  .ok());
  ASSERT_TRUE(app_->ReturnDefective(Meta("d1"), {.sku = "CMP-9",
                                                 .location_id = "WH-1",
                                                 .rma_id = "RMA-1",
                                                 .quantity = 1,
                                                 .reason = "cracked",
                                                 .serials = {"S-3"}})
                  .ok());
  ASSERT_TRUE(app_->AdvanceRma(Meta("d2"), {.step = RmaStep::kSend, .sku = "CMP-9",
                                            .rma_id = "RMA-1"})
                  .ok());
  ASSERT_TRUE(app_->ReserveStock(Meta("h1"), {.sku = "CMP-9",
                                              .location_id = "WH-1",
                                              .job_id = "J5",
                                              .quantity = 1,
                                              .serials = {"S-1"}})
                  .ok());

  for (const std::string sku : {"FLT-1", "PMP-2", "CMP-9"}) {
    auto stream = store_->ReadStream({"Part", sku});
    ASSERT_TRUE(stream.ok());
    PartState folded;
    for (const EventEnvelope& e : *stream) {
      auto event = PartEventFromProto(e.inventory());
      ASSERT_TRUE(event.ok()) << event.status();
      folded = Evolve(std::move(folded), *event);
    }
    auto stored = store_->Get("p/partstate/" + sku);
    ASSERT_TRUE(stored.ok());
    ASSERT_TRUE(stored->has_value()) << sku;
    EXPECT_EQ(**stored, ToSnapshot(folded).SerializeAsString()) << sku;
    // And back: the snapshot read as state is the folded state.
    pb::PartSnapshot snapshot;
    ASSERT_TRUE(snapshot.ParseFromString(**stored));
    const PartState loaded = FromSnapshot(snapshot);
    EXPECT_EQ(loaded.version, folded.version);
    EXPECT_EQ(loaded.stock, folded.stock);
    EXPECT_EQ(loaded.reservations, folded.reservations);
    EXPECT_EQ(loaded.backorders, folded.backorders);
    EXPECT_EQ(loaded.backorder_queue, folded.backorder_queue);
    EXPECT_EQ(loaded.reorder_points, folded.reorder_points);
    EXPECT_EQ(loaded.replenishment_open, folded.replenishment_open);
    EXPECT_EQ(loaded.serials, folded.serials);
    EXPECT_EQ(loaded.serial_holds, folded.serial_holds);
    EXPECT_EQ(loaded.info, folded.info);
    EXPECT_EQ(ToSnapshot(loaded).SerializeAsString(), **stored);
  }
  // The history really is in the snapshot (not an empty state on both sides).
  pb::PartSnapshot flt;
  ASSERT_TRUE(flt.ParseFromString(**store_->Get("p/partstate/FLT-1")));
  EXPECT_GT(flt.holds_size(), 0);
  EXPECT_GT(flt.backorders_size(), 0);
  EXPECT_EQ(flt.reorder_points_size(), 1);
  pb::PartSnapshot cmp;
  ASSERT_TRUE(cmp.ParseFromString(**store_->Get("p/partstate/CMP-9")));
  EXPECT_EQ(cmp.transfers_size(), 1);
  EXPECT_EQ(cmp.rmas_size(), 1);
  EXPECT_EQ(cmp.serials_size(), 3);
  EXPECT_EQ(cmp.serials(0).held_for_job_id(), "J5");
}

TEST_F(ReactionsAppTest, APartWithoutASnapshotIsFoldedFromItsStreamAndGetsOne) {
  GivenStock();
  // A part written before snapshots existed: no p/partstate record.
  Batch drop = store_->NewBatch();
  drop.Delete("p/partstate/FLT-1");
  ASSERT_TRUE(store_->Commit(std::move(drop)).ok());
  ASSERT_FALSE(store_->Get("p/partstate/FLT-1")->has_value());
  // Commands still see all the stock (never negative holds across the fallback).
  auto too_many = app_->ReserveStock(
      Meta("r1"), {.sku = "FLT-1", .location_id = "WH-1", .job_id = "J1", .quantity = 11});
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(app_->ReserveStock(
                      Meta("r2"),
                      {.sku = "FLT-1", .location_id = "WH-1", .job_id = "J1", .quantity = 10})
                  .ok());
  ASSERT_TRUE(store_->Get("p/partstate/FLT-1")->has_value());
  pb::PartSnapshot snapshot;
  ASSERT_TRUE(snapshot.ParseFromString(**store_->Get("p/partstate/FLT-1")));
  EXPECT_EQ(snapshot.version(), static_cast<int64_t>(StreamSize("FLT-1")));
  EXPECT_EQ(StockAt("FLT-1", "WH-1").available(), 0);
}


// --- sources, fills, cancellation, missing parts, serials (issue 5) ----------------------------

TEST_F(ReactionsAppTest, AJobIsNeverServedFromAnotherTechniciansVan) {
  GivenStock();
  // J1 (tech-7) needs 18 FLT-1: VAN-7 2, SC-1 5, WH-1 10; VAN-8's unit is tech-8's: 1 is owed.
  ApplyTwice(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 18}}));
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 2);
  EXPECT_EQ(Held("J1", "FLT-1", "SC-1"), 5);
  EXPECT_EQ(Held("J1", "FLT-1", "WH-1"), 10);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-8"), 0);
  EXPECT_EQ(Owed("J1", "FLT-1"), 1);
  EXPECT_EQ(StockAt("FLT-1", "VAN-8").available(), 1);
}

TEST_F(ReactionsAppTest, APickToAVanFillsTheJobsWaitingForThatVanOnce) {
  GivenStock();
  // J5 (tech-8, VAN-8) needs 6 PMP-2: WH-1's 4 (VAN-7's unit is tech-7's), 2 owed.
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J5", "tech-8", "VAN-8", {{"PMP-2", 6}})).ok());
  ASSERT_EQ(Held("J5", "PMP-2", "WH-1"), 4);
  ASSERT_EQ(Owed("J5", "PMP-2"), 2);
  // The clerk moves VAN-7's spare unit into VAN-8: it goes to J5 at once.
  const inventory::MoveStock pick{.kind = MoveKind::kPickToVan,
                                  .sku = "PMP-2",
                                  .from_location_id = "VAN-7",
                                  .to_location_id = "VAN-8",
                                  .quantity = 1};
  ASSERT_TRUE(app_->MoveStock(Meta("pick-1"), pick).ok());
  const size_t after = StreamSize("PMP-2");
  ASSERT_TRUE(app_->MoveStock(Meta("pick-1"), pick).ok());  // a retry: one effect
  EXPECT_EQ(StreamSize("PMP-2"), after);
  EXPECT_EQ(Held("J5", "PMP-2", "VAN-8"), 1);
  EXPECT_EQ(Owed("J5", "PMP-2"), 1);
  EXPECT_EQ(StockAt("PMP-2", "VAN-8").available(), 0);
  auto events = store_->ReadStream({"Part", "PMP-2"});
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE(events->back().inventory().has_parts_reserved());
  EXPECT_TRUE(events->back().inventory().parts_reserved().fills_backorder());
}

TEST_F(ReactionsAppTest, StockReceivedInAVanIsNotGivenToAnotherTechniciansJob) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J5", "tech-8", "VAN-8", {{"PMP-2", 6}})).ok());
  ASSERT_EQ(Owed("J5", "PMP-2"), 2);
  Receive("PMP-2", "VAN-7", 1);  // into tech-7's van
  EXPECT_EQ(Owed("J5", "PMP-2"), 2);
  EXPECT_EQ(StockAt("PMP-2", "VAN-7").available(), 2);
  Receive("PMP-2", "WH-1", 1);  // a warehouse serves the queue
  EXPECT_EQ(Owed("J5", "PMP-2"), 1);
}

TEST_F(ReactionsAppTest, AJobCancelledReleasesItsPartsAndCancelsWhatItIsOwedOnce) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 18}, {"PMP-2", 1}}))
                  .ok());
  ASSERT_EQ(Owed("J1", "FLT-1"), 1);
  const size_t flt = StreamSize("FLT-1");
  const EventEnvelope cancelled = JobCancelled("J1", "tech-7");
  ApplyTwice(cancelled);
  EXPECT_EQ(Held("J1", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J1", "FLT-1", "WH-1"), 0);
  EXPECT_EQ(Held("J1", "PMP-2", "VAN-7"), 0);
  EXPECT_EQ(Owed("J1", "FLT-1"), 0);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").available(), 10);
  EXPECT_EQ(app_->GetPartStock("FLT-1")->backordered(), 0);
  EXPECT_THAT(KindsSince("FLT-1", flt),
              ::testing::ElementsAre(pb::InventoryEvent::kBackorderCancelled,
                                     pb::InventoryEvent::kReservationReleased,
                                     pb::InventoryEvent::kReservationReleased,
                                     pb::InventoryEvent::kReservationReleased));
  auto events = store_->ReadStream({"Part", "FLT-1"});
  EXPECT_EQ(events->back().causation_id(), cancelled.event_id());
  EXPECT_FALSE(store_->Get("x/job-van/J1")->has_value());
  // Intake's TicketCancelled for the same job arrives afterwards: nothing is left to do.
  const size_t before = StreamSize("FLT-1");
  ASSERT_TRUE(ApplyAndCommit(TicketCancelled("T-J1", "J1")).ok());
  EXPECT_EQ(StreamSize("FLT-1"), before);
}

TEST_F(ReactionsAppTest, ATicketCancelledFirstMakesTheJobCancelledANoOp) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J2", "tech-7", "VAN-7", {{"FLT-1", 3}})).ok());
  ApplyTwice(TicketCancelled("T-J2", "J2"));
  EXPECT_EQ(Held("J2", "FLT-1", "VAN-7"), 0);
  EXPECT_EQ(Held("J2", "FLT-1", "SC-1"), 0);
  const size_t before = StreamSize("FLT-1");
  ASSERT_TRUE(ApplyAndCommit(JobCancelled("J2", "tech-7")).ok());
  EXPECT_EQ(StreamSize("FLT-1"), before);
  EXPECT_EQ(ApplyAndCommit(JobCancelled("", "tech-7")).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReactionsAppTest, PartsMissingAtAVisitAreHeldForTheNextVisitOrOwed) {
  GivenStock();
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 1}})).ok());
  ASSERT_EQ(Held("J1", "FLT-1", "VAN-7"), 1);
  // The visit ended: 2 PMP-2 and 1 FLT-1 were missing. PMP-2: the van's unit, then the nearest
  // stock (WH-1; SC-1 has none). FLT-1: the job already holds one, which counts.
  const size_t flt = StreamSize("FLT-1");
  ApplyTwice(JobVisitEnded("J1", "tech-7", {{"PMP-2", 2}, {"FLT-1", 1}}));
  EXPECT_EQ(Held("J1", "PMP-2", "VAN-7"), 1);
  EXPECT_EQ(Held("J1", "PMP-2", "WH-1"), 1);
  EXPECT_EQ(StreamSize("FLT-1"), flt);
  // A second visit short of more: only what the job lacks is added; what no stock has is owed.
  ApplyTwice(JobVisitEnded("J1", "tech-7", {{"PMP-2", 6}}));
  EXPECT_EQ(Held("J1", "PMP-2", "WH-1"), 4);
  EXPECT_EQ(Owed("J1", "PMP-2"), 1);
  auto events = store_->ReadStream({"Part", "PMP-2"});
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->back().inventory().has_parts_backordered());
  // A visit that ended without missing parts, or one arriving after the job was completed,
  // changes nothing.
  const size_t pmp = StreamSize("PMP-2");
  ASSERT_TRUE(ApplyAndCommit(JobVisitEnded("J1", "tech-7", {})).ok());
  ASSERT_TRUE(ApplyAndCommit(JobCompleted("J1", "tech-7", {})).ok());
  const size_t completed = StreamSize("PMP-2");
  EXPECT_GT(completed, pmp);  // the completion released the holds
  ASSERT_TRUE(ApplyAndCommit(JobVisitEnded("J1", "tech-7", {{"PMP-2", 1}})).ok());
  EXPECT_EQ(StreamSize("PMP-2"), completed);
}

TEST_F(ReactionsAppTest, CompletionConsumesTheSerialsTheTechnicianReported) {
  Location("WH-1", LocationKind::kWarehouse);
  Location("VAN-7", LocationKind::kVan, "tech-7");
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "VAN-7", 2, {"S-1", "S-2"});
  Receive("CMP-9", "WH-1", 1, {"S-3"});
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"CMP-9", 1}})).ok());
  // The hold names the unit.
  auto held = store_->ReadStream({"Part", "CMP-9"});
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(held->back().inventory().has_parts_reserved());
  EXPECT_THAT(held->back().inventory().parts_reserved().serials(), ::testing::ElementsAre("S-1"));
  // The technician fitted S-2, not the held S-1.
  const EventEnvelope completed = JobCompletedWithSerials("J1", "tech-7", "CMP-9", {"S-2"});
  ASSERT_TRUE(ApplyAndCommit(completed).ok());
  const size_t once = StreamSize("CMP-9");
  ASSERT_TRUE(ApplyAndCommit(completed).ok());  // delivered again: one effect
  EXPECT_EQ(StreamSize("CMP-9"), once);
  EXPECT_EQ(app_->GetSerialHistory("CMP-9", "S-2")->current_place(), "consumed:J1");
  EXPECT_EQ(app_->GetSerialHistory("CMP-9", "S-1")->current_place(), "VAN-7");
  EXPECT_EQ(StockAt("CMP-9", "VAN-7").on_hand(), 1);
  EXPECT_EQ(StockAt("CMP-9", "VAN-7").reserved(), 0);
}

TEST_F(ReactionsAppTest, AReportedSerialInventoryCannotBookIsRecordedForTheClerk) {
  Location("WH-1", LocationKind::kWarehouse);
  Location("VAN-7", LocationKind::kVan, "tech-7");
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "VAN-7", 2, {"S-1", "S-2"});
  ASSERT_TRUE(ApplyAndCommit(TechnicianRegistered("tech-7", "VAN-7")).ok());
  const EventEnvelope completed = JobCompletedWithSerials("J2", "tech-7", "CMP-9", {"S-1", "ZZ-9"});
  ASSERT_TRUE(ApplyAndCommit(completed).ok());
  const size_t once = StreamSize("CMP-9");
  ASSERT_TRUE(ApplyAndCommit(completed).ok());  // delivered again: one effect
  EXPECT_EQ(StreamSize("CMP-9"), once);
  EXPECT_EQ(app_->GetSerialHistory("CMP-9", "S-1")->current_place(), "consumed:J2");
  EXPECT_EQ(StockAt("CMP-9", "VAN-7").on_hand(), 1);  // nothing invented for ZZ-9
  auto zz = app_->GetSerialHistory("CMP-9", "ZZ-9");
  ASSERT_TRUE(zz.ok()) << zz.status();
  ASSERT_EQ(zz->entries_size(), 1);
  const pb::UsedSerialUnaccounted& u = zz->entries(0).inventory().used_serial_unaccounted();
  EXPECT_EQ(u.job_id(), "J2");
  EXPECT_EQ(u.location_id(), "VAN-7");
  EXPECT_THAT(u.reason(), ::testing::HasSubstr("never received"));
  EXPECT_EQ(zz->current_place(), "");
  // It is in the van's ledger too.
  auto ledger = app_->GetLocationLedger("VAN-7", kStart - absl::Hours(1), kStart + absl::Hours(1));
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_TRUE(ledger->entries(ledger->entries_size() - 1).inventory().has_used_serial_unaccounted());
}

TEST_F(ReactionsAppTest, AUseBeyondTheStockBooksWhatExistsAndRecordsTheRestForTheClerk) {
  GivenStock();  // FLT-1: WH-1 10, SC-1 5, VAN-7 2, VAN-8 1 (tech-8's)
  ASSERT_TRUE(ApplyAndCommit(JobAssigned("J1", "tech-7", "VAN-7", {{"FLT-1", 2}})).ok());
  // The technician reports 20: the van's 2 held, then the 15 free at WH-1 and SC-1 are booked;
  // 3 are recorded (tech-8's van is never a source). Delivered twice: one effect.
  ApplyTwice(JobCompleted("J1", "tech-7", {{"FLT-1", 20}}));
  EXPECT_EQ(StockAt("FLT-1", "VAN-7").on_hand(), 0);
  EXPECT_EQ(StockAt("FLT-1", "WH-1").on_hand(), 0);
  EXPECT_EQ(StockAt("FLT-1", "SC-1").on_hand(), 0);
  EXPECT_EQ(StockAt("FLT-1", "VAN-8").on_hand(), 1);
  auto job = app_->GetJobParts("J1");
  ASSERT_TRUE(job.ok()) << job.status();
  int64_t consumed = 0;
  for (const pb::JobPartLine& line : job->lines()) {
    consumed += line.consumed();
    EXPECT_EQ(line.reserved(), 0) << line.location_id();
  }
  EXPECT_EQ(consumed, 17);
  // The discrepancy is in the part's ledger and the van's, once.
  auto part = app_->GetPartLedger("FLT-1", kStart - absl::Hours(1), kStart + absl::Hours(1));
  ASSERT_TRUE(part.ok()) << part.status();
  int found = 0;
  for (const auto& entry : part->entries()) {
    if (!entry.inventory().has_used_parts_unaccounted()) continue;
    ++found;
    const pb::UsedPartsUnaccounted& u = entry.inventory().used_parts_unaccounted();
    EXPECT_EQ(u.sku(), "FLT-1");
    EXPECT_EQ(u.job_id(), "J1");
    EXPECT_EQ(u.location_id(), "VAN-7");
    EXPECT_EQ(u.quantity(), 3);
    EXPECT_THAT(u.reason(), ::testing::HasSubstr("3 pcs could not be booked"));
    EXPECT_THAT(u.reason(), ::testing::Not(::testing::HasSubstr("VAN-8")));
  }
  EXPECT_EQ(found, 1);
  auto van = app_->GetLocationLedger("VAN-7", kStart - absl::Hours(1), kStart + absl::Hours(1));
  ASSERT_TRUE(van.ok()) << van.status();
  found = 0;
  for (const auto& entry : van->entries()) found += entry.inventory().has_used_parts_unaccounted();
  EXPECT_EQ(found, 1);
}

TEST_F(ReactionsAppTest, ASerialisedUseBeyondTheStockStillBooksTheReportedUnits) {
  Location("VAN-7", LocationKind::kVan, "tech-7");
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "VAN-7", 2, {"S-1", "S-2"});
  ASSERT_TRUE(ApplyAndCommit(TechnicianRegistered("tech-7", "VAN-7")).ok());
  // S-1 reported, 3 more without a serial: S-2 is the only other unit → 2 recorded.
  const EventEnvelope completed = JobCompletedWithSerials("J3", "tech-7", "CMP-9", {"S-1"}, 4);
  ASSERT_TRUE(ApplyAndCommit(completed).ok());
  const size_t once = StreamSize("CMP-9");
  ASSERT_TRUE(ApplyAndCommit(completed).ok());
  EXPECT_EQ(StreamSize("CMP-9"), once);
  EXPECT_EQ(app_->GetSerialHistory("CMP-9", "S-1")->current_place(), "consumed:J3");
  EXPECT_EQ(app_->GetSerialHistory("CMP-9", "S-2")->current_place(), "consumed:J3");
  EXPECT_EQ(StockAt("CMP-9", "VAN-7").on_hand(), 0);
  auto events = store_->ReadStream({"Part", "CMP-9"});
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE(events->back().inventory().has_used_parts_unaccounted());
  EXPECT_EQ(events->back().inventory().used_parts_unaccounted().quantity(), 2);
}

TEST_F(ReactionsAppTest, ASerialisedPartIsReservedAndReleasedByHandUnitByUnit) {
  Location("WH-1", LocationKind::kWarehouse);
  Part("CMP-9", /*serialised=*/true);
  Receive("CMP-9", "WH-1", 3, {"S-1", "S-2", "S-3"});
  ASSERT_TRUE(app_->ReserveStock(Meta("r1"), {.sku = "CMP-9",
                                              .location_id = "WH-1",
                                              .job_id = "J1",
                                              .quantity = 1,
                                              .serials = {"S-3"}})
                  .ok());
  const size_t before = StreamSize("CMP-9");
  // S-3 is taken: another job cannot hold it, and nothing is written.
  auto taken = app_->ReserveStock(Meta("r2"), {.sku = "CMP-9",
                                               .location_id = "WH-1",
                                               .job_id = "J2",
                                               .quantity = 1,
                                               .serials = {"S-3"}});
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FieldOf(taken.status()).value_or(""), "serials");
  auto not_held = app_->ReleaseStock(Meta("r3"), {.sku = "CMP-9", .job_id = "J1",
                                                  .serials = {"S-1"}});
  EXPECT_EQ(not_held.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StreamSize("CMP-9"), before);
  ASSERT_TRUE(app_->ReleaseStock(Meta("r4"), {.sku = "CMP-9", .job_id = "J1",
                                              .serials = {"S-3"}})
                  .ok());
  ASSERT_TRUE(app_->ReleaseStock(Meta("r4"), {.sku = "CMP-9", .job_id = "J1",
                                              .serials = {"S-3"}})
                  .ok());  // a retry
  EXPECT_EQ(StreamSize("CMP-9"), before + 1);
  EXPECT_EQ(StockAt("CMP-9", "WH-1").reserved(), 0);
  auto history = app_->GetSerialHistory("CMP-9", "S-3");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->entries_size(), 3);  // received, held, released
}

}  // namespace
}  // namespace fieldline::inventory
