// Decides the local side of inbound Sysmon 3 connections (Sysmon's layout
// changed between versions: older ones wrote the local endpoint as Source,
// newer ones as Destination), from the evidence of the connection itself and
// of the host's other events.
//
// Evidence, strongest first:
//   1. a multicast or broadcast address is the group that received the
//      packet, never the remote sender;
//   2. the other side of the connection in this host's own logs: an outbound
//      connection (Sysmon 3 or 5156) with the same two endpoints written
//      within 10 s (a loopback connection, or the host talking to itself);
//   3. Source/DestinationHostname naming the Computer, for a side whose
//      address is not a loopback one (a loopback address resolves to the
//      host's own name and proves nothing);
//   4. the host's own addresses: local addresses of its outbound connections,
//      WFP rows, listens and binds (never loopback, multicast, broadcast or
//      unspecified ones);
//   5. the layout of the same log: the other inbound connections of that
//      Sysmon log (same protocol) decided by 1-4 all put the local endpoint on
//      one side; else the same for all of the host's Sysmon logs;
//   6. a port the process listens on (5154, inbound 5156, or inbound Sysmon 3
//      decided by 1-4; never a 5158 bind);
//   7. a service port (< 1024) facing an ephemeral one;
//   8. a port outside the dynamic range 49152-65535 that Windows takes client
//      ports from, facing one inside it.
// A decided event keeps the evidence in direction_evidence; an undecided one
// says so and keeps Source as local.
//
// The resolver sees a host's events three times, in any order within a pass:
// observe() all of them, then learn_layout() all of them, then decide() each.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "normalize/normalized_event.h"

namespace normalize {

class DirectionResolver {
 public:
  // Pass 1: the host's own addresses, listens and connections to itself.
  void observe(const NormalizedEvent& ev);
  // Pass 2: what evidence 1-4 decides, per log and per host (evidence 5),
  // and the listens it proves (evidence 6).
  void learn_layout(const NormalizedEvent& ev);
  // Pass 3: decides a pending inbound event (others are left as they are).
  void decide(NormalizedEvent& ev) const;

 private:
  enum class Side : uint8_t { Undecided, Source, Destination };
  struct Layout {
    uint64_t source_local = 0, destination_local = 0;
  };
  struct Outbound {
    Ticks written;
    std::string record;  // file#record, to cite
  };

  Side strong_evidence(const NormalizedEvent& ev, std::string& why) const;
  Side layout_evidence(const NormalizedEvent& ev, std::string& why) const;
  Side port_evidence(const NormalizedEvent& ev, std::string& why) const;
  const Outbound* outbound_peer(const NormalizedEvent& ev, bool from_source) const;
  void add_listen(const NormalizedEvent& ev, bool source_local);

  std::set<std::string> own_ips_;
  std::map<std::string, std::vector<Outbound>> self_outbound_;  // connection key -> records
  std::set<std::pair<std::string, int64_t>> listening_;         // (process file name, local port)
  std::map<std::string, Layout> layouts_;                       // by log and protocol, and "*" by protocol
};

}  // namespace normalize
