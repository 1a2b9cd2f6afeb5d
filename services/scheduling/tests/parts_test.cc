// Waiting for parts: inventory's PartsBackordered → JobWaitingForParts, PartsReserved of an owed
// part → JobPartsReady (domain given/when/then, and the reaction through SchedulingApp::Apply on a
// real EventStore with envelopes as inventory sends them, delivered twice → one effect).

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "fieldline/inventory/v1/events.pb.h"
#include "services/common/core/clock.h"
#include "services/common/core/errors.h"
#include "services/common/core/ids.h"
#include "services/common/store/event_store.h"
#include "services/common/testing/temp_dir.h"
#include "services/scheduling/adapters/event_codec.h"
#include "services/scheduling/app/scheduling_app.h"
#include "services/scheduling/domain/job.h"

namespace fieldline::scheduling {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

JobState AssignedJob() {
  JobState job;
  job = Evolve(job, JobCreated{.job_id = "J-1", .ticket_id = "T-1", .required_skill = "boiler"});
  job = Evolve(job, JobAssigned{.job_id = "J-1", .ticket_id = "T-1", .technician_id = "T-7"});
  return job;
}

TEST(WaitingForPartsTest, BackorderedPartsMakeTheJobWait) {
  const JobState job = AssignedJob();
  auto events = Decide(job, MarkWaitingForParts{.job_id = "J-1", .parts = {{"VALVE-1", 2}}}, kNow);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(std::get<JobWaitingForParts>((*events)[0]),
            (JobWaitingForParts{.job_id = "J-1", .ticket_id = "T-1", .technician_id = "T-7",
                                .parts = {{"VALVE-1", 2}}}));
  const JobState waiting = Evolve(job, (*events)[0]);
  EXPECT_TRUE(waiting.waiting_for_parts);
  EXPECT_THAT(waiting.parts_missing, ElementsAre(PartLine{"VALVE-1", 2}));
  // More of the same part owed: added up.
  const JobState more = Evolve(waiting, JobWaitingForParts{.job_id = "J-1", .parts = {{"VALVE-1", 1}}});
  EXPECT_THAT(more.parts_missing, ElementsAre(PartLine{"VALVE-1", 3}));
}

TEST(WaitingForPartsTest, ReservedOwedPartsEndTheWaitWhenNothingIsOwed) {
  JobState job = Evolve(AssignedJob(), JobWaitingForParts{.job_id = "J-1",
                                                          .parts = {{"VALVE-1", 2}, {"PUMP", 1}}});
  auto part = Decide(job, MarkPartsReady{.job_id = "J-1", .sku = "VALVE-1", .quantity = 5}, kNow);
  ASSERT_TRUE(part.ok()) << part.status();
  ASSERT_EQ(part->size(), 1u);
  EXPECT_EQ(std::get<JobPartsReady>((*part)[0]),
            (JobPartsReady{.job_id = "J-1", .ticket_id = "T-1", .technician_id = "T-7",
                           .sku = "VALVE-1", .quantity = 2, .all_ready = false}));
  job = Evolve(job, (*part)[0]);
  EXPECT_TRUE(job.waiting_for_parts);
  EXPECT_THAT(job.parts_missing, ElementsAre(PartLine{"PUMP", 1}));
  auto last = Decide(job, MarkPartsReady{.job_id = "J-1", .sku = "PUMP", .quantity = 1}, kNow);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 1u);
  EXPECT_TRUE(std::get<JobPartsReady>((*last)[0]).all_ready);
  job = Evolve(job, (*last)[0]);
  EXPECT_FALSE(job.waiting_for_parts);
  EXPECT_THAT(job.parts_missing, IsEmpty());
}

TEST(WaitingForPartsTest, ReservationsTheJobDoesNotWaitForChangeNothing) {
  const JobState job = AssignedJob();
  auto events = Decide(job, MarkPartsReady{.job_id = "J-1", .sku = "VALVE-1", .quantity = 1}, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, IsEmpty());
  const JobState waiting = Evolve(job, JobWaitingForParts{.job_id = "J-1", .parts = {{"PUMP", 1}}});
  events = Decide(waiting, MarkPartsReady{.job_id = "J-1", .sku = "VALVE-1", .quantity = 1}, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, IsEmpty());
  // An unknown or completed job: nothing.
  events = Decide(JobState{}, MarkWaitingForParts{.job_id = "J-9", .parts = {{"PUMP", 1}}}, kNow);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, IsEmpty());
}

TEST(WaitingForPartsTest, RefusesBadLinesNamingTheField) {
  const JobState job = AssignedJob();
  EXPECT_EQ(FieldOf(Decide(job, MarkWaitingForParts{.job_id = "J-1", .parts = {}}, kNow).status()),
            "parts");
  EXPECT_EQ(FieldOf(Decide(job, MarkWaitingForParts{.job_id = "J-1", .parts = {{"", 1}}}, kNow)
                        .status()),
            "parts");
  EXPECT_EQ(FieldOf(Decide(job, MarkWaitingForParts{.job_id = "J-1", .parts = {{"P", 0}}}, kNow)
                        .status()),
            "parts");
  EXPECT_EQ(FieldOf(Decide(job, MarkPartsReady{.job_id = "J-1", .sku = "P", .quantity = 0}, kNow)
                        .status()),
            "quantity");
  EXPECT_EQ(FieldOf(Decide(job, MarkPartsReady{.job_id = "", .sku = "P", .quantity = 1}, kNow)
                        .status()),
            "job_id");
}

class WaitingForPartsAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.Sub("db")});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    app_ = std::make_unique<SchedulingApp>(*store_, clock_, ids_);
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Ticket");
    e.set_aggregate_id("T-1");
    e.set_aggregate_version(1);
    intake::v1::TicketOpened* opened = e.mutable_intake()->mutable_ticket_opened();
    opened->set_ticket_id("T-1");
    opened->set_category("boiler");
    ASSERT_TRUE(Deliver(e).ok());
    job_id_ = SchedulingApp::JobIdForTicket("T-1");
  }

  // Without the consumer's inbox: the reaction itself must recognise a re-delivery.
  absl::Status Deliver(const EventEnvelope& e) {
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(e, batch); !s.ok()) return s;
    return store_->Commit(std::move(batch));
  }

  // As the consumer delivers: skipped when the inbox shows the source version applied.
  absl::Status DeliverWithInbox(const EventEnvelope& e) {
    const AggregateKey source{e.aggregate_type(), e.aggregate_id()};
    absl::StatusOr<int64_t> inbox = store_->InboxVersion(source);
    if (!inbox.ok()) return inbox.status();
    if (*inbox >= e.aggregate_version()) return absl::OkStatus();
    Batch batch = store_->NewBatch();
    if (absl::Status s = app_->Apply(e, batch); !s.ok()) return s;
    batch.RecordInbox(source, e.aggregate_version());
    return store_->Commit(std::move(batch));
  }

  // As inventory sends them: aggregate Part/<sku>, the job in the payload.
  EventEnvelope FromInventory(int version, bool backordered, int64_t quantity) {
    EventEnvelope e;
    e.set_event_id(ids_.NewId(clock_.Now()));
    e.set_aggregate_type("Part");
    e.set_aggregate_id("VALVE-1");
    e.set_aggregate_version(version);
    e.set_correlation_id("corr-1");
    if (backordered) {
      auto* p = e.mutable_inventory()->mutable_parts_backordered();
      p->set_sku("VALVE-1");
      p->set_job_id(job_id_);
      p->set_quantity(quantity);
    } else {
      auto* p = e.mutable_inventory()->mutable_parts_reserved();
      p->set_sku("VALVE-1");
      p->set_location_id("WH-1");
      p->set_job_id(job_id_);
      p->set_quantity(quantity);
      p->set_fills_backorder(true);
    }
    return e;
  }

  v1::Job Job() {
    auto job = app_->GetJob(Actor{"d-1", "dispatcher"}, job_id_);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.value_or(v1::Job());
  }

  size_t Events() { return store_->ReadStream({"Job", job_id_})->size(); }

  testing::TempDir dir_;
  FakeClock clock_{kNow};
  UuidV7Generator ids_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SchedulingApp> app_;
  std::string job_id_;
};

TEST_F(WaitingForPartsAppTest, BackorderThenReservationDeliveredTwiceHaveOneEffectEach) {
  const EventEnvelope backordered = FromInventory(3, true, 2);
  ASSERT_TRUE(Deliver(backordered).ok());
  ASSERT_TRUE(Deliver(backordered).ok());  // re-delivered: derived ids, the append is refused
  EXPECT_TRUE(Job().waiting_for_parts());
  ASSERT_EQ(Job().parts_missing_size(), 1);
  EXPECT_EQ(Job().parts_missing(0).quantity(), 2);
  EXPECT_EQ(Events(), 2u);
  auto stream = store_->ReadStream({"Job", job_id_});
  ASSERT_TRUE(stream->back().scheduling().has_job_waiting_for_parts());
  EXPECT_EQ(stream->back().causation_id(), backordered.event_id());
  EXPECT_EQ(stream->back().correlation_id(), "corr-1");

  const EventEnvelope reserved = FromInventory(4, false, 2);
  ASSERT_TRUE(DeliverWithInbox(reserved).ok());
  ASSERT_TRUE(DeliverWithInbox(reserved).ok());
  ASSERT_TRUE(Deliver(reserved).ok());  // and past the inbox too
  EXPECT_FALSE(Job().waiting_for_parts());
  EXPECT_EQ(Job().parts_missing_size(), 0);
  EXPECT_EQ(Events(), 3u);
  stream = store_->ReadStream({"Job", job_id_});
  ASSERT_TRUE(stream->back().scheduling().has_job_parts_ready());
  EXPECT_TRUE(stream->back().scheduling().job_parts_ready().all_ready());
}

TEST_F(WaitingForPartsAppTest, OtherInventoryEventsAndUnknownJobsAreIgnored) {
  EventEnvelope released = FromInventory(3, false, 1);
  released.mutable_inventory()->mutable_reservation_released()->set_job_id(job_id_);
  ASSERT_TRUE(Deliver(released).ok());
  EventEnvelope unknown = FromInventory(4, true, 1);
  unknown.mutable_inventory()->mutable_parts_backordered()->set_job_id("no-such-job");
  ASSERT_TRUE(Deliver(unknown).ok());
  EXPECT_EQ(Events(), 1u);
  EXPECT_FALSE(Job().waiting_for_parts());
}

}  // namespace
}  // namespace fieldline::scheduling
