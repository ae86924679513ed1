// Which clock hours one host's logs cover: for each channel, the hours of
// TimeCreated in which the host wrote at least one record of it (counted for
// every record read, whatever the rules; pipeline::FileInfo). A process table
// entry is only evidence of a running process while its log shows the host
// logging: across a clock hour with no record of that log the machine may
// have been off, or the log cleared or rolled over, and the PID reused by a
// process the log never showed.
//
// A file holding several channels (a WEC server's ForwardedEvents) counts its
// hours for each of its channels.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "normalize/normalized_event.h"
#include "pipeline/evidence.h"

namespace replay {

class LogCoverage {
 public:
  LogCoverage() = default;
  LogCoverage(const pipeline::Evidence& evidence, const pipeline::Host& host);
  // The first clock hour strictly between the hours of `from` and `to` in
  // which the host wrote no record of `channel`; nullopt when there is none,
  // or when nothing is known of that channel. Hours are Ticks / 1 h.
  std::optional<int64_t> empty_hour(std::string_view channel, normalize::Ticks from, normalize::Ticks to) const;
  // For tests: the hours of a channel with records.
  void add(const std::string& channel, int64_t hour);

 private:
  std::map<std::string, std::vector<int64_t>, std::less<>> hours_;  // channel -> sorted distinct hours
};

}  // namespace replay
