// Decides the local side of inbound Sysmon 3 connections (Sysmon's layout
// changed between versions: older ones wrote the local endpoint as Source,
// newer ones as Destination), from the evidence of the connection itself and
// of the host's other events.
#pragma once

#include <vector>

#include "normalize/normalized_event.h"

namespace norm {

// events: all normalized events of ONE host. Evidence, strongest first:
//   1. a multicast or broadcast address is the group that received the
//      packet, never the remote sender;
//   2. the other side of the connection in this host's own logs: an outbound
//      connection with the same two endpoints (Sysmon 3 or 5156) within
//      seconds (a loopback connection, or the host talking to itself);
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
//      decided above; never a 5158 bind);
//   7. a service port (< 1024) facing an ephemeral one;
//   8. a port outside the dynamic range 49152-65535 that Windows takes client
//      ports from, facing one inside it.
// Each decided event keeps the evidence in direction_evidence; an undecided one
// says so and keeps Source as local.
void resolve_directions(std::vector<NormalizedEvent*>& events);

}  // namespace norm
