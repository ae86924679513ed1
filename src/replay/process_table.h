// The process instances of one host, built while its events replay in time
// order. An instance is one run of one process: Sysmon's ProcessGuid when the
// log has one, else an id synthesized from host, PID and creation time. A new
// creation with a PID still live ends the older instance (PID reuse); Sysmon 5
// and Security 4689 end instances. A process logged by both Sysmon 1 and
// Security 4688 (same PID and image, times within 1 s) is one instance.
//
// The table fills what an event does not say itself from what the logs showed
// earlier: the initiating process's command line, unique id and parent. A
// value the logs never showed stays unknown.
//
// A parent found by PID alone (no Sysmon ProcessGuid) must be plausible: a
// process the logs saw start is taken as the one running under its PID only
// while nothing says otherwise. Not when the event names another image for
// it (then another process holds the PID: the instance ends), not after a
// boot (a boot's first marker ends every instance started before it), and
// not across a clock hour in which the instance's log (the channel of its
// creation record) shows no record of the host (log_coverage.h): a PID is
// reused within minutes, and a gap in the log may hide that. The event then
// has no initiating process from the table, and says why (parent_note).
//
// Bounded memory: an instance that ended (by its end event, the reuse of its
// PID, or a boot) is forgotten an hour of event time later, so the table
// holds the running processes and the recently ended ones, not the host's
// history.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "normalize/normalized_event.h"
#include "replay/log_coverage.h"

namespace replay {

// Processes of a new boot start seconds before its first marker (smss.exe,
// csrss.exe and wininit.exe before services.exe): older ones ran before it.
constexpr normalize::Ticks kBootStartSlack = 2 * 60 * normalize::kTicksPerSecond;

struct ProcessInstance {
  std::string unique_id;  // canonical id of the instance
  int64_t pid = -1;
  normalize::Ticks start = 0;
  bool ended = false;
  normalize::FieldValue file_name, folder_path, command_line;
  normalize::FieldValue parent_pid, parent_file_name;  // its initiating process
  bool sysmon = false;                                 // seen in a Sysmon 1 (else a 4688)
  std::string channel;                                 // the log of its creation record
  std::vector<std::string> aliases;                    // other ids of this instance (alias_ keys)
};

class ProcessTable {
 public:
  // coverage: the host's logs (null: no gap is known).
  explicit ProcessTable(std::string host, const LogCoverage* coverage = nullptr)
      : host_(std::move(host)), coverage_(coverage) {}

  // A process creation. Returns false when it is the second record of an
  // instance already known (Sysmon 1 + 4688 of the same run, or a Sysmon 1
  // of a ProcessGuid already known): the caller then does not feed it to the
  // rules again. Sets ProcessUniqueId and fills
  // the Initiating* fields from the parent's instance.
  bool on_created(normalize::NormalizedEvent& ev);
  // A process end: marks the instance ended. Returns its canonical id, or "".
  std::string on_ended(const normalize::NormalizedEvent& ev);
  // An event a process caused (a connection, a script block): fills the
  // initiating process's id, image, command line and parent.
  void on_initiated(normalize::NormalizedEvent& ev);
  // The first marker of a boot: every instance started earlier (by more
  // than kBootStartSlack) ran in an earlier boot, and has ended.
  void on_boot(normalize::Ticks first_marker);
  // The instance with this id (any id it is known by), or nullptr.
  const ProcessInstance* instance(const std::string& id) const;

 private:
  ProcessInstance* find_by_id(const std::string& id);
  ProcessInstance* live_pid(int64_t pid, normalize::Ticks at);
  // The live instance of an event's initiating PID when it can be the event's
  // initiating process (see above); else nullptr and ev.parent_note says why.
  ProcessInstance* plausible_pid(normalize::NormalizedEvent& ev);
  void end(ProcessInstance& p, normalize::Ticks at);
  // Forgets instances that ended long enough before `now`.
  void expire(normalize::Ticks now);
  // Fills InitiatingProcess* of ev from the instance `parent` (may be null).
  void enrich_initiating(normalize::NormalizedEvent& ev, const ProcessInstance* parent);
  ProcessInstance* initiating_instance(normalize::NormalizedEvent& ev);
  std::string canonical(const std::string& id) const;

  std::string host_;
  const LogCoverage* coverage_;
  std::unordered_map<std::string, ProcessInstance> by_id_;  // canonical id -> instance
  std::unordered_map<std::string, std::string> alias_;      // Sysmon ProcessGuid merged into a 4688 instance, or back
  std::unordered_map<int64_t, std::string> live_by_pid_;    // PID -> canonical id of its running instance
  std::deque<std::pair<normalize::Ticks, std::string>> ended_;  // (end time, id), oldest first
};

}  // namespace replay
