// Decides the local side of inbound Sysmon 3 connections the mapper could not
// decide from hostnames (Sysmon's layout changed between versions: older ones
// wrote the local endpoint as Source, newer ones as Destination).
#pragma once

#include <vector>

#include "normalize/normalized_event.h"

namespace norm {

// events: all normalized events of ONE host. Evidence, in order: the host's
// own addresses (local side of its outbound connections, listens and inbound
// connections already decided), the ports its processes listen on, then a
// service port (< 1024) facing an ephemeral one. Each decided event keeps the
// evidence in direction_evidence; an undecided one says so and keeps Source
// as local.
void resolve_directions(std::vector<NormalizedEvent*>& events);

}  // namespace norm
