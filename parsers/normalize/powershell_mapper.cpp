// PowerShell script block logging: 4104 (Microsoft-Windows-PowerShell
// /Operational). A long script is logged in parts (MessageNumber of
// MessageTotal); each part is its own event. The process that ran it is the
// record's Execution ProcessID (phish_windows_credentials_powershell_scriptblockLog_4104
// #1122: ProcessID 5500), its account the record's Security UserID; replay's
// process table names the process.
#include "normalize/mapper_parts.h"
#include "normalize/mapping_util.h"

namespace normalize {

void map_powershell_script_block(const RecordAccess& rec, NormalizedEvent& out) {
  NormalizedEvent ev = start_event(Table::Script, rec, "ScriptBlockLogged");
  copy_string(ev, Field::ScriptBlockText, rec, "ScriptBlockText");
  const evtx::RecordFields& f = rec.fields();
  if (auto pid = value_integer(f[evtx::SystemField::ProcessId]); pid && *pid > 0)
    ev[Field::InitiatingProcessId] = FieldValue::integer(*pid);
  if (f[evtx::SystemField::UserId].type != 0) {
    std::string sid = value_text(f[evtx::SystemField::UserId]);
    if (!is_placeholder(sid)) ev[Field::AccountSid] = FieldValue::str(std::move(sid));
  }
  out = std::move(ev);
}

}  // namespace normalize
