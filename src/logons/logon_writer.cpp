#include "logons/logon_writer.h"

#include "evtx/value.h"
#include "pipeline/event_writer.h"

namespace logons {
namespace {

void json_text(std::string& out, const char* key, const std::string& v) {
  out += ",\"";
  out += key;
  out += "\":";
  if (v.empty())
    out += "null";
  else
    evtx::append_json_string(out, v);
}

// The table's last column: how, from where, for what, and why it failed.
std::string details(const LogonFacts& f) {
  std::string s = f.logon_type;
  auto add = [&s](const std::string& part) {
    if (!part.empty()) (s.empty() ? s : s += ' ') += part;
  };
  if (!f.source_ip.empty() || !f.workstation.empty()) {
    std::string from = "from " + (f.source_ip.empty() ? f.workstation : f.source_ip);
    if (!f.source_ip.empty() && !f.workstation.empty()) from += " (" + f.workstation + ")";
    add(from);
  }
  add(f.auth_package);
  if (!f.target.empty()) add("-> " + f.target);
  if (!f.failure_reason.empty()) add("[" + f.failure_reason + "]");
  return s;
}

}  // namespace

std::string logons_text(const std::vector<LogonRow>& rows, output::Format format, const output::TableStyle& style) {
  std::string out;
  if (format == output::Format::Csv)
    out =
        "Count,Host,EventID,Event,Result,Account,LogonType,SourceIP,SourceWorkstation,AuthPackage,Target,FailureReason,"
        "FirstTime,LastTime,FirstFile,FirstRecordID\n";
  if (format == output::Format::Table) {
    output::append_cell(out, "Count", 7);
    output::append_cell(out, "First", output::time_width());
    output::append_cell(out, "Last", output::time_width());
    output::append_cell(out, "Host", 16);
    output::append_cell(out, "Event", 22);
    output::append_cell(out, "Account", 28);
    output::append_cell(out, "Details", 20, true);
    out += '\n';
  }
  for (const LogonRow& r : rows) {
    const LogonFacts& f = r.facts;
    switch (format) {
      case output::Format::Csv:
        out += std::to_string(r.count);
        for (const std::string& cell :
             {r.host, std::to_string(r.event_id), std::string(f.action), std::string(result_name(f.result)), f.account,
              f.logon_type, f.source_ip, f.workstation, f.auth_package, f.target, f.failure_reason}) {
          out += ',';
          pipeline::append_csv_cell(out, cell);
        }
        out += ',';
        output::append_time(out, r.first);
        out += ',';
        output::append_time(out, r.last);
        out += ',';
        pipeline::append_csv_cell(out, r.first_file);
        out += ',' + std::to_string(r.first_record) + '\n';
        break;
      case output::Format::Table:
        output::append_cell(out, std::to_string(r.count), 7);
        output::append_cell(out, output::format_time(r.first), output::time_width());
        output::append_cell(out, output::format_time(r.last), output::time_width());
        output::append_cell(out, r.host, 16);
        output::append_cell(out, std::string(f.action) + (f.result == Result::Failure ? " !" : ""), 22);
        output::append_cell(out, f.account, 28);
        output::append_cell(out, details(f), style.width > 140 ? style.width - 120 : 20, true);
        out += '\n';
        break;
      default:
        out += "{\"count\":" + std::to_string(r.count);
        json_text(out, "host", r.host);
        out += ",\"event_id\":" + std::to_string(r.event_id);
        json_text(out, "event", f.action);
        json_text(out, "result", result_name(f.result));
        json_text(out, "account", f.account);
        json_text(out, "logon_type", f.logon_type);
        json_text(out, "source_ip", f.source_ip);
        json_text(out, "source_workstation", f.workstation);
        json_text(out, "auth_package", f.auth_package);
        json_text(out, "target", f.target);
        json_text(out, "failure_reason", f.failure_reason);
        json_text(out, "first_time", output::format_time(r.first));
        json_text(out, "last_time", output::format_time(r.last));
        json_text(out, "first_file", r.first_file);
        out += ",\"first_record_id\":" + std::to_string(r.first_record) + "}\n";
    }
  }
  return out;
}

}  // namespace logons
