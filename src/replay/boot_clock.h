// The boot an event of one host belongs to, as its boot markers (Boot
// events, and process creations that are also boots) replay in time order.
#pragma once

#include "normalize/normalized_event.h"

namespace replay {

// Boot markers closer than this to the previous marker belong to the same boot.
constexpr normalize::Ticks kBootMarkerSpread = 5 * 60 * normalize::kTicksPerSecond;

// The boot an event belongs to: one boot leaves several markers (Kernel-General
// 12, services.exe, 4608, 6005) within seconds; its time is the services.exe
// start, as the seed query takes it, or else the first marker.
class BootClock {
 public:
  // Returns true when the marker is the first of a new boot.
  bool on_marker(const normalize::NormalizedEvent& ev) {
    bool same_boot = last_marker_.known() && ev.timestamp() - last_marker_.i <= kBootMarkerSpread;
    bool services = ev.boot == normalize::BootMarker::ServicesStarted;
    if (!same_boot || (services && !has_services_)) last_boot_ = normalize::FieldValue::time(ev.timestamp());
    has_services_ = (same_boot && has_services_) || services;
    last_marker_ = normalize::FieldValue::time(ev.timestamp());
    return !same_boot;
  }
  const normalize::FieldValue& last_boot() const { return last_boot_; }

 private:
  normalize::FieldValue last_boot_, last_marker_;
  bool has_services_ = false;
};

}  // namespace replay
