// The Elastic Common Schema form of timeline rows and findings (--format
// ecs): NDJSON as Winlogbeat writes Windows events, for Elasticsearch and
// OpenSearch (docs/ecs-index-template.json maps it). Every field outside
// `winlog.*` (Winlogbeat's: channel, computer_name, record_id, event_data)
// and `evtxhunt.*` (what ECS has no field for: the source file, a finding's
// evidence chain and confidence) is an ECS field of its ECS type, checked in
// tests against ECS's own field list.
#pragma once

#include <string>

#include "output/event_row.h"
#include "replay/finding.h"

namespace output {

// One event: event.kind "event", its record's fields under winlog.*, the
// normalized ones as process.*, user.*, source.* / destination.*, network.*,
// the findings it is evidence of under evtxhunt.findings (and their rules'
// tags in tags). With its line break.
void append_ecs_event(std::string& out, const EventRow& row);

// One finding: event.kind "alert", rule.*, event.severity, threat.technique.id
// and threat.tactic.name from its ATT&CK tags, the first evidence's process,
// user and addresses, the whole chain under evtxhunt.*. With its line break.
void append_ecs_finding(std::string& out, const replay::Finding& f);

// event.severity of a level: informational 1, low 21, medium 47, high 73,
// critical 99 (Elastic Security's risk scores of its four severities).
int ecs_severity(rules::Level level);

}  // namespace output
