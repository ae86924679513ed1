// --format ecs (src/output/ecs_writer.h) of timeline, search and scan on
// samples/triage, checked against the Elastic Common Schema's own field list
// (../shared/ecs/ecs_flat.yml): every field written outside winlog.* and
// evtxhunt.* is an ECS field, its JSON value of the field's ECS type; the
// index template (docs/ecs-index-template.json) maps each with that type and
// covers every one written; and the values say who, what, where.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/lines.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path kSource = EVTXHUNT_SOURCE_DIR;
const std::string kTriage = (kSource / "samples" / "triage").string();

// ECS field name -> type, from the schema's flat list.
const std::map<std::string, std::string>& ecs_types() {
  static const std::map<std::string, std::string> types = [] {
    std::map<std::string, std::string> out;
    YAML::Node flat = YAML::LoadFile(EVTXHUNT_ECS_FLAT);
    for (const auto& field : flat) out[field.first.as<std::string>()] = field.second["type"].as<std::string>();
    return out;
  }();
  return types;
}

// Leaf paths of a document ("process.parent.pid") with their values; an
// array's elements each under the array's path.
void leaves(const json& j, const std::string& path, std::vector<std::pair<std::string, json>>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) leaves(v, path.empty() ? k : path + "." + k, out);
  } else if (j.is_array()) {
    for (const json& v : j) leaves(v, path, out);
  } else {
    out.emplace_back(path, j);
  }
}

bool ours(const std::string& path) { return path.rfind("winlog.", 0) == 0 || path.rfind("evtxhunt.", 0) == 0; }

// Whether a JSON value fits an ECS type as Elasticsearch would index it.
bool fits(const std::string& type, const json& v) {
  if (type == "keyword" || type == "wildcard" || type == "match_only_text" || type == "text" ||
      type == "constant_keyword")
    return v.is_string();
  if (type == "long" || type == "integer" || type == "short" || type == "byte" || type == "unsigned_long")
    return v.is_number_integer();
  if (type == "float" || type == "double" || type == "scaled_float") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "ip") {
    if (!v.is_string()) return false;
    unsigned char buf[16];
    std::string s = v.get<std::string>();
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
  }
  if (type == "date") return v.is_string() && v.get<std::string>().size() >= 20 && v.get<std::string>()[10] == 'T';
  return false;
}

std::vector<json> ecs_lines(const std::string& args) {
  support::CommandResult r = support::run_evtxhunt(args + " -q -f ecs " + support::shell_quote(kTriage));
  EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
  std::vector<json> out;
  for (const std::string& line : support::split_lines(r.out))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// The ECS fields a template maps, with their types.
void template_fields(const json& props, const std::string& path, std::map<std::string, std::string>& out) {
  for (const auto& [k, v] : props.items()) {
    std::string p = path.empty() ? k : path + "." + k;
    if (v.contains("properties"))
      template_fields(v["properties"], p, out);
    else
      out[p] = v.value("type", "");
  }
}

TEST(EcsOutput, EveryFieldIsEcsOfItsTypeAndTheTemplateMapsIt) {
  std::map<std::string, std::string> mapped;
  json tmpl = json::parse(std::ifstream(kSource / "docs" / "ecs-index-template.json"));
  template_fields(tmpl["template"]["mappings"]["properties"], "", mapped);
  for (const auto& [path, type] : mapped) {
    if (ours(path)) continue;
    auto it = ecs_types().find(path);
    ASSERT_NE(it, ecs_types().end()) << "the template maps " << path << ", not an ECS field";
    EXPECT_EQ(type, it->second) << path;
  }
  std::set<std::string> written;
  for (const char* command : {"timeline", "scan", "search -k cmd.exe"}) {
    std::vector<json> docs = ecs_lines(command);
    ASSERT_FALSE(docs.empty()) << command;
    for (const json& d : docs) {
      std::vector<std::pair<std::string, json>> fields;
      leaves(d, "", fields);
      for (const auto& [path, value] : fields) {
        if (path.rfind("winlog.event_data.", 0) == 0) {
          EXPECT_TRUE(value.is_string()) << path;  // Winlogbeat's: text
          continue;
        }
        if (ours(path)) continue;
        written.insert(path);
        auto it = ecs_types().find(path);
        ASSERT_NE(it, ecs_types().end()) << command << " wrote " << path << ", not an ECS field";
        EXPECT_TRUE(fits(it->second, value)) << command << ": " << path << " (" << it->second << ") = " << value;
      }
      EXPECT_TRUE(d.contains("@timestamp") && d.contains("event") && d.contains("host")) << d.dump();
    }
  }
  for (const std::string& path : written) EXPECT_TRUE(mapped.count(path)) << path << " is written but not mapped";
  for (const char* path : {"process.command_line", "process.parent.pid", "source.ip", "destination.port", "user.name",
                           "rule.id", "event.severity", "threat.technique.id", "network.transport", "log.level"})
    EXPECT_TRUE(written.count(path)) << path << " never written on samples/triage";
}

TEST(EcsOutput, FindingsAreAlertsThatSayWhoWhatWhere) {
  std::vector<json> alerts = ecs_lines("scan");
  const json* mmc = nullptr;
  for (const json& a : alerts) {
    EXPECT_EQ(a["event"]["kind"], "alert");
    if (a["rule"]["id"] == "dcom-mmc20-application") mmc = &a;
  }
  ASSERT_NE(mmc, nullptr);
  const json& a = *mmc;
  EXPECT_EQ(a["host"]["name"], "WS01.corp.local");
  EXPECT_EQ(a["event"]["severity"], 73);  // high
  EXPECT_EQ(a["threat"]["technique"]["id"], json::array({"T1021.003"}));
  EXPECT_EQ(a["threat"]["tactic"]["name"], json::array({"lateral-movement"}));
  EXPECT_EQ(a["rule"]["name"], "DCOM lateral movement through MMC20.Application");
  // The first evidence: mmc.exe -Embedding, PID 4416, under the DCOM launcher.
  EXPECT_EQ(a["process"]["name"], "mmc.exe");
  EXPECT_EQ(a["process"]["pid"], 4416);
  EXPECT_NE(a["process"]["command_line"].get<std::string>().find("-Embedding"), std::string::npos);
  EXPECT_EQ(a["process"]["parent"]["name"], "svchost.exe");
  ASSERT_FALSE(a["evtxhunt"]["evidence"].empty());
  for (const json& e : a["evtxhunt"]["evidence"]) {
    EXPECT_TRUE(e["record_id"].is_number_integer());
    EXPECT_NE(e["source_file"].get<std::string>().find("samples/triage/WS01/"), std::string::npos);
  }
}

TEST(EcsOutput, EventsCarryTheRecordAsWinlogbeatDoes) {
  std::vector<json> events = ecs_lines("timeline");
  size_t sysmon1 = 0, tagged = 0;
  for (const json& e : events) {
    EXPECT_EQ(e["event"]["kind"], "event");
    EXPECT_EQ(e["winlog"]["event_id"], e["event"]["code"]);
    EXPECT_EQ(e["winlog"]["computer_name"], e["host"]["name"]);
    if (e["event"]["provider"] == "Microsoft-Windows-Sysmon" && e["event"]["code"] == "1") {
      ++sysmon1;
      EXPECT_EQ(e["process"]["command_line"], e["winlog"]["event_data"]["CommandLine"]);
      EXPECT_EQ(std::to_string(e["process"]["pid"].get<int64_t>()), e["winlog"]["event_data"]["ProcessId"]);
    }
    if (e["evtxhunt"].contains("findings")) ++tagged;
  }
  EXPECT_GT(sysmon1, 10u);
  EXPECT_GT(tagged, 0u);
  for (const json& e : ecs_lines("search -k whoami"))
    EXPECT_NE(std::find(e["tags"].begin(), e["tags"].end(), "search"), e["tags"].end());
}

}  // namespace

namespace {

// source.* is the side that opened the connection, as the normalized row
// decides it (parsers/normalize: Local/Remote and ActionType), on real Sysmon
// 3 records: outbound, inbound over loopback, and NetBIOS datagrams whose
// SourceIp is the broadcast group that received them (the sender is the
// host: its address is source.ip, not Sysmon's SourceIp).
TEST(EcsOutput, SourceIsTheSideThatOpenedTheConnectionOnRealRecords) {
  fs::path file = fs::path(EVTXHUNT_CORPUS) / "evtx-attack-samples" / "Command and Control" /
                  "tunna_iis_rdp_smb_tunneling_sysmon_3.evtx";
  std::map<std::string, json> rows;  // record id -> timeline jsonl row
  for (const std::string& line :
       support::split_lines(support::run_evtxhunt("timeline -q -f jsonl " + support::shell_quote(file)).out))
    if (!line.empty()) {
      json r = json::parse(line);
      rows[std::to_string(r["EventRecordID"].get<int64_t>())] = r;
    }
  size_t inbound = 0, broadcast = 0, outbound = 0;
  for (const std::string& line :
       support::split_lines(support::run_evtxhunt("timeline -q -f ecs " + support::shell_quote(file)).out)) {
    if (line.empty()) continue;
    json e = json::parse(line);
    if (e["event"]["code"] != "3") continue;
    const json& row = rows.at(e["winlog"]["record_id"].get<std::string>());
    bool in = row["ActionType"] == "InboundConnectionAccepted";
    EXPECT_EQ(e["source"]["ip"], row[in ? "RemoteIP" : "LocalIP"]) << line;
    EXPECT_EQ(e["destination"]["ip"], row[in ? "LocalIP" : "RemoteIP"]) << line;
    EXPECT_EQ(e["source"]["port"], row[in ? "RemotePort" : "LocalPort"]) << line;
    in ? ++inbound : ++outbound;
    if (e["winlog"]["event_data"]["SourceIp"] == "10.255.255.255") {
      ++broadcast;
      EXPECT_EQ(e["source"]["ip"], "10.0.2.15");
      EXPECT_EQ(e["destination"]["ip"], "10.255.255.255");
      EXPECT_EQ(e["network"]["transport"], "udp");
    }
  }
  EXPECT_EQ(inbound, 6u);
  EXPECT_EQ(outbound, 6u);
  EXPECT_EQ(broadcast, 2u);
}

}  // namespace
