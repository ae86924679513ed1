// Each evidence step's details (details/event_details.h): the key fields of
// its record, read from the event store after the replay, in one pass over the
// host's stored events (not decoded again), only for records some finding
// holds.
#pragma once

#include <vector>

#include "pipeline/evidence.h"
#include "replay/finding.h"

namespace replay {

// all_fields: every field of each record instead of its key fields.
void attach_details(const pipeline::Evidence& evidence, const pipeline::Host& host, std::vector<Finding>& findings,
                    bool all_fields);

}  // namespace replay
