// Links the two ends of a movement between hosts: a target-side finding
// (a DCOM server started for another address) and a source-side finding (a
// process on another host reaching that host) become each other's `links`
// when what each host saw of the other agrees and their times are close.
//
// Hosts are recognised by the addresses their own events show them using
// (the local side of their connections), and by their names. Evidence, best
// first:
//   connection  the source's connection and the target's inbound one have
//               the same four endpoints (address and port, both sides);
//   address     the target saw the source host's address, and the source's
//               peer address (or the name in its script) is the target host's;
//   one side    only one of those is known, the other is not contradicted.
// A pair is only made within kLinkWindow of event time, so clocks of the two
// hosts may differ by that much; the offset is reported. A target finding is
// linked to the best source finding of each source rule (a script and the
// connections it made are two views of one movement), chosen among the
// kMaxLinkCandidates source findings nearest in time.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "replay/finding.h"

namespace replay {

// What the evidence shows of one host.
struct HostIdentity {
  std::string device_id;            // the host key findings carry (Finding::device_id)
  std::vector<std::string> names;   // its computer names as written
  std::set<std::string> addresses;  // its own unicast addresses
};

inline constexpr normalize::Ticks kLinkWindow = 5 * 60 * normalize::kTicksPerSecond;
// Bounds that keep linking near-linear whatever the findings: a target end is
// compared with at most this many source ends, the nearest in time first...
inline constexpr size_t kMaxLinkCandidates = 1000;
// ...and a finding lists at most this many other ends (a note counts the rest).
inline constexpr size_t kMaxLinksPerFinding = 16;

// Fills Finding::links (and a note) of the findings that have a link end.
void link_findings(std::vector<Finding>& findings, const std::vector<HostIdentity>& hosts);

}  // namespace replay
