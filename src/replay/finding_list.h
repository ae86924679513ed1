// Any list of findings read in order, one at a time: a vector, or a scan's
// findings partly kept in files (scan_findings.h). What the summary, the
// pivots and the outputs read.
#pragma once

#include <functional>
#include <vector>

#include "replay/finding.h"

namespace replay {

class FindingList {
 public:
  virtual ~FindingList() = default;
  virtual size_t size() const = 0;
  bool empty() const { return size() == 0; }
  // Each finding in the list's order.
  virtual void for_each(const std::function<void(const Finding&)>& fn) const = 0;
};

class FindingVector : public FindingList {
 public:
  explicit FindingVector(const std::vector<Finding>& v) : v_(v) {}
  size_t size() const override { return v_.size(); }
  void for_each(const std::function<void(const Finding&)>& fn) const override {
    for (const Finding& f : v_) fn(f);
  }

 private:
  const std::vector<Finding>& v_;
};

}  // namespace replay
