#pragma once

#include <ostream>

#include "tools/fieldlinectl/client.h"

namespace fieldline::ctl {

// Loads the demo city: a central warehouse, two service centres, twenty technicians with vans
// and skills, a parts catalogue with stock, and a hundred open tickets from two hundred
// customers around Qingdao. Every command has a fixed request id, so running it twice changes
// nothing. Returns a process exit code.
int SeedDemo(client::Clients& clients, std::ostream& out);

// Takes one new ticket through the whole flow (open → job → assign → start → complete → ticket
// completed, parts reserved and consumed, callback due), printing each step.
int RunDemoFlow(client::Clients& clients, std::ostream& out);

}  // namespace fieldline::ctl
