#include "pipeline/host_stream.h"

#include <queue>
#include <string>
#include <unordered_set>
#include <vector>

namespace pipeline {
namespace {

using normalize::Field;

// An event moved later in time, waiting for its turn.
struct Deferred {
  store::EventHeader header;  // Timestamp as decided
  std::string raw;            // its bytes (the cursor's are gone by then)
  std::shared_ptr<normalize::NormalizedEvent> norm;
};

struct DeferredLater {
  bool operator()(const Deferred& a, const Deferred& b) const { return store::key_less(b.header, a.header); }
};

}  // namespace

HostStream::HostStream(const Evidence& evidence, const Host& host) : evidence_(evidence), host_(host) {
  // The two passes only look at each event (the observers copy what they
  // keep): one event decoded into again and again.
  normalize::NormalizedEvent ev;
  store::EventStore::Cursor pass1 = evidence.store.open(host.computer_ids);
  while (pass1.next()) {
    store::EventHeader h = store::header_of(pass1.event());
    if (!(h.flags & (store::kNetworkEvent | store::kProcessEvent))) continue;
    ev.clear();
    decode_into(pass1.event(), ev);
    starts_.observe(ev);
    directions_.observe(ev);
  }
  store::EventStore::Cursor pass2 = evidence.store.open(host.computer_ids);
  while (pass2.next()) {
    store::EventHeader h = store::header_of(pass2.event());
    if (!(h.flags & store::kNetworkEvent)) continue;
    ev.clear();
    decode_into(pass2.event(), ev);
    directions_.learn_layout(ev);
  }
}

void HostStream::decode_into(const uint8_t* raw, normalize::NormalizedEvent& ev) const {
  store::EventView view(raw, evidence_.store.pool());
  view.decode_normalized(ev, evidence_.store.file(view.header().file_id));
  ev[Field::DeviceId].s = host_.key;
  ev.origin = {view.header().file_id, view.header().ordinal};
}

std::shared_ptr<normalize::NormalizedEvent> HostStream::decode(const uint8_t* raw) const {
  auto ev = std::make_shared<normalize::NormalizedEvent>();
  decode_into(raw, *ev);
  return ev;
}

uint64_t HostStream::for_each(const std::function<void(const StreamEvent&)>& fn) const {
  uint64_t duplicates = 0;
  int64_t window_time = 0;
  std::unordered_set<uint64_t> window;  // content hashes of the events handed out at window_time
  auto emit = [&](const uint8_t* raw, const store::EventHeader& h, std::shared_ptr<normalize::NormalizedEvent> ev) {
    if (h.timestamp != window_time || window.empty()) {
      window.clear();
      window_time = h.timestamp;
    }
    if (!window.insert(h.content_hash).second) {
      ++duplicates;
      return;
    }
    if (ev) directions_.decide(*ev);
    fn(StreamEvent{raw, h, std::move(ev)});
  };

  std::priority_queue<Deferred, std::vector<Deferred>, DeferredLater> deferred;
  auto release_until = [&](const store::EventHeader* before) {
    while (!deferred.empty() && (!before || store::key_less(deferred.top().header, *before))) {
      Deferred d = std::move(const_cast<Deferred&>(deferred.top()));
      deferred.pop();
      emit(reinterpret_cast<const uint8_t*>(d.raw.data()), d.header, std::move(d.norm));
    }
  };

  store::EventStore::Cursor cursor = evidence_.store.open(host_.computer_ids);
  while (cursor.next()) {
    const uint8_t* raw = cursor.event();
    store::EventHeader h = store::header_of(raw);
    std::shared_ptr<normalize::NormalizedEvent> ev;
    if (h.flags & store::kHasNormalized) {
      ev = decode(raw);
      if (starts_.check(*ev)) {
        h.timestamp = ev->timestamp();
        deferred.push(Deferred{h, std::string(reinterpret_cast<const char*>(raw), h.size), std::move(ev)});
        continue;
      }
    }
    release_until(&h);
    emit(raw, h, std::move(ev));
  }
  release_until(nullptr);
  return duplicates;
}

std::vector<normalize::NormalizedEvent> normalized_events(const Evidence& evidence) {
  std::vector<normalize::NormalizedEvent> out;
  for (const Host& host : evidence.hosts)
    HostStream(evidence, host).for_each([&](const StreamEvent& e) {
      if (e.norm) out.push_back(*e.norm);
    });
  return out;
}

}  // namespace pipeline
