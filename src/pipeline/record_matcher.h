// Rules tested on each record where it is read, in the parallel workers (the
// Sigma rule set implements it): the readers stay free of any rule engine,
// and what matched travels with the event (store/event_codec.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "evtx/record_fields.h"
#include "normalize/record_access.h"

namespace pipeline {

class RecordMatcher {
 public:
  virtual ~RecordMatcher() = default;
  // One worker thread's matching state.
  struct Scratch {
    virtual ~Scratch() = default;
  };
  virtual std::unique_ptr<Scratch> scratch() const = 0;
  // The rules matching a record (`matched`), and those that wait for the
  // replay (`deferred`); both cleared first.
  virtual void match(const normalize::RecordAccess& rec, Scratch& scratch, std::vector<uint32_t>& matched,
                     std::vector<uint32_t>& deferred) const = 0;
};

}  // namespace pipeline
