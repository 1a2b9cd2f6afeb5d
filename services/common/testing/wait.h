#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace fieldline::testing {

// Polls `condition` until it holds or `timeout` passes. Tests wait on conditions, never on
// fixed sleeps. Returns whether the condition held.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30),
                    std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace fieldline::testing
