// One host's events in their final order, each with its normalized columns
// decided. Before the first event is handed out, two passes over the host's
// events gather what the decisions need (normalize/event_time.h: process
// starts; normalize/direction.h: the host's addresses, listens, connections to
// itself, and the layout of its Sysmon logs). Then, in time order:
//   - a Sysmon event whose UtcTime is before its process started moves to its
//     record's TimeCreated (later), and is handed out there;
//   - an exact duplicate of an event already handed out (the same record read
//     from two copies of a log: same content, same time) is dropped;
//   - an inbound connection gets its local side decided.
// Iterating again gives the same events in the same order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "normalize/direction.h"
#include "normalize/event_time.h"
#include "normalize/normalized_event.h"
#include "pipeline/evidence.h"

namespace pipeline {

struct StreamEvent {
  const uint8_t* raw;         // the encoded event (store/event_codec.h); valid during the callback
  store::EventHeader header;  // its header, Timestamp as decided
  std::shared_ptr<normalize::NormalizedEvent> norm;  // decided columns; null for an unmapped event
};

class HostStream {
 public:
  HostStream(const Evidence& evidence, const Host& host);
  // Calls fn for each event in order; returns the number of duplicates dropped.
  uint64_t for_each(const std::function<void(const StreamEvent&)>& fn) const;
  const Host& host() const { return host_; }
  const Evidence& evidence() const { return evidence_; }

 private:
  std::shared_ptr<normalize::NormalizedEvent> decode(const uint8_t* raw) const;
  void decode_into(const uint8_t* raw, normalize::NormalizedEvent& ev) const;

  const Evidence& evidence_;
  const Host& host_;
  normalize::ProcessStarts starts_;
  normalize::DirectionResolver directions_;
};

// Every normalized event of the evidence, host by host (in key order), each in
// its final order: for tests and small inputs (it holds them all).
std::vector<normalize::NormalizedEvent> normalized_events(const Evidence& evidence);

}  // namespace pipeline
