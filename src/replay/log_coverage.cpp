#include "replay/log_coverage.h"

#include <algorithm>

namespace replay {

LogCoverage::LogCoverage(const pipeline::Evidence& evidence, const pipeline::Host& host) {
  for (uint32_t id : host.computer_ids) {
    auto it = evidence.files_of_computer.find(std::string(evidence.store.pool().at(id)));
    if (it == evidence.files_of_computer.end()) continue;
    for (auto [file, computer] : it->second) {
      const pipeline::FileInfo& f = evidence.files[file];
      for (const std::string& channel : f.channels) {
        std::vector<int64_t>& h = hours_[channel];
        for (const auto& [hour, n] : f.computers[computer].hours)
          if (n > 0) h.push_back(hour);
      }
    }
  }
  for (auto& [channel, h] : hours_) {
    std::sort(h.begin(), h.end());
    h.erase(std::unique(h.begin(), h.end()), h.end());
  }
}

void LogCoverage::add(const std::string& channel, int64_t hour) {
  std::vector<int64_t>& h = hours_[channel];
  h.insert(std::upper_bound(h.begin(), h.end(), hour), hour);
  h.erase(std::unique(h.begin(), h.end()), h.end());
}

std::optional<int64_t> LogCoverage::empty_hour(std::string_view channel, normalize::Ticks from,
                                               normalize::Ticks to) const {
  auto it = hours_.find(channel);
  if (it == hours_.end() || to <= from) return std::nullopt;
  const std::vector<int64_t>& h = it->second;
  int64_t first = from / pipeline::kTicksPerHour + 1, last = to / pipeline::kTicksPerHour;  // hours strictly between
  if (first >= last) return std::nullopt;
  auto begin = std::lower_bound(h.begin(), h.end(), first);
  auto end = std::lower_bound(begin, h.end(), last);
  if (end - begin == last - first) return std::nullopt;  // every hour between has records
  int64_t expect = first;
  for (auto i = begin; i != end && *i == expect; ++i) ++expect;
  return expect;
}

}  // namespace replay
