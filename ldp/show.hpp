#pragma once
// `show mpls ldp neighbor|discovery|binding` in the style of FRR's ldpd
// (vtysh), as text tables and as JSON with FRR's key names, so scripts that
// read FRR's output read ours.

#include <string>

#include <nlohmann/json.hpp>

#include "ldp/engine.hpp"

namespace l2vpn::ldp {

std::string show_neighbor(const Engine& e, Time now);
std::string show_discovery(const Engine& e, Time now);
std::string show_binding(const Engine& e);
nlohmann::json neighbor_json(const Engine& e, Time now);
nlohmann::json discovery_json(const Engine& e, Time now);
nlohmann::json binding_json(const Engine& e);
// `show l2vpn`: the pseudowires (FEC 128) with both labels, status, MTUs,
// control word and the reason one is down (show_pw.cpp). The JSON is keyed
// "LSR-ID: PW-ID" with the keys of FRR's `show l2vpn atom binding json`,
// plus ours (status, reason, the PW status bits).
std::string show_l2vpn(const Engine& e);
nlohmann::json l2vpn_json(const Engine& e);
// Counters and per-state session counts as JSON (telemetry, metrics).
nlohmann::json counters_json(const Engine& e);
std::string label_text(uint32_t label);  // imp-null, exp-null, or the number
std::string uptime_text(Time since, Time now);  // HH:MM:SS, or NdHHhMMm past a day

}  // namespace l2vpn::ldp
