#include "dataplane/telemetry.hpp"

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_telemetry.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "dataplane/router.hpp"
#include "dataplane/trace.hpp"

namespace l2vpn::dp {

namespace {

std::string u(uint64_t v) { return std::to_string(v); }
std::string yes(bool b) { return b ? "yes" : "no"; }

// An NHLFE's outgoing labels: "implicit-null" when it pushes none.
std::string labels_text(const std::vector<uint32_t>& labels) {
  if (labels.empty()) return std::string(kImplicitNull);
  std::string s;
  for (auto l : labels) s += (s.empty() ? "" : " ") + std::to_string(l);
  return s;
}

std::string next_hop_text(const NextHop& nh) {
  return fmt::format("{} {}", nh.kind == NextHop::Kind::nhlfe ? "nhlfe" : "ecmp", nh.id);
}

std::string op_text(const Nhlfe& n) {
  return std::string(to_string(n.op));
}

}  // namespace

size_t tel_row_bytes(const std::vector<std::string>& row) {
  size_t n = 12;  // "r123456":[ ... ],
  for (auto& v : row) {
    size_t len = std::min(v.size(), kTelMaxString);
    n += len + 3;
    for (size_t i = 0; i < len; ++i)
      if (v[i] == '"' || v[i] == '\\') ++n;
  }
  return n;
}

Status tel_check_start(const TelTable& t, size_t start) {
  if (start == 0 || start < t.rows.size()) return Status::success();
  return Error{fmt::format("START {} is past the end: the table has {} rows (0..{})", start, t.rows.size(),
                           t.rows.empty() ? 0 : t.rows.size() - 1)};
}

TelColumnType tel_column_type(std::string_view table, std::string_view column) {
  if (column == "out_labels" || column == "mesh_pseudowires" || column == "spoke_pseudowires")
    return TelColumnType::number_list;
  if (column == "attachment_circuits" || (table == "pw" && column == "out_port")) return TelColumnType::text_list;
  static constexpr std::string_view kText[] = {
      "name", "router", "peer", "out_port", "next_hop_mac", "backup", "detail", "action", "op", "transport",
      "control_word", "flow_label", "state", "down_reason", "service", "bum_mode", "bridge_domain", "member",
      "mac", "type", "up", "reason", "description", "fec", "next_hop", "stage", "text", "event"};
  for (auto t : kText)
    if (column == t) return TelColumnType::text;
  return TelColumnType::number;
}

std::string_view tel_type_name(TelColumnType t) {
  switch (t) {
    case TelColumnType::text:
      return "text";
    case TelColumnType::number:
      return "number";
    case TelColumnType::number_list:
      return "number_list";
    case TelColumnType::text_list:
      return "text_list";
    case TelColumnType::boolean:
      return "boolean";
  }
  return "text";
}

std::optional<TelColumnType> tel_type_of_name(std::string_view name) {
  for (auto t : {TelColumnType::text, TelColumnType::number, TelColumnType::number_list, TelColumnType::text_list,
                 TelColumnType::boolean})
    if (tel_type_name(t) == name) return t;
  return std::nullopt;
}

std::string tel_value_json(std::string_view table, std::string_view column, const std::string& value) {
  return tel_value_json(tel_column_type(table, column), value);
}

std::string tel_value_json(TelColumnType type, const std::string& value) {
  using nlohmann::json;
  if (value == "-") return "null";
  auto is_number = [](std::string_view v) {
    return !v.empty() && v.size() < 20 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  auto words = [](const std::string& v) {
    std::vector<std::string> out;
    size_t b = 0;
    while (b < v.size()) {
      size_t e = v.find(' ', b);
      if (e == std::string::npos) e = v.size();
      if (e > b) out.push_back(v.substr(b, e - b));
      b = e + 1;
    }
    return out;
  };
  switch (type) {
    case TelColumnType::boolean:
      return value == "true" || value == "yes" ? "true" : value == "false" || value == "no" ? "false" : json(value).dump();
    case TelColumnType::number:
      return is_number(value) ? json(std::stoull(value)).dump() : json(value).dump();
    case TelColumnType::text:
      return json(value).dump();
    case TelColumnType::number_list: {
      json a = json::array();
      if (value == kImplicitNull) return a.dump();
      for (auto& w : words(value)) a.push_back(is_number(w) ? json(std::stoull(w)) : json(w));
      return a.dump();
    }
    case TelColumnType::text_list: {
      json a = json::array();
      for (auto& w : words(value)) a.push_back(w);
      return a.dump();
    }
  }
  return json(value).dump();
}

size_t tel_page_end(const TelTable& t, size_t start, size_t budget) {
  size_t used = 0, end = start;
  while (end < t.rows.size() && end - start < kTelPageRows) {
    size_t b = tel_row_bytes(t.rows[end]);
    if (end > start && used + b > budget) break;
    used += b;
    ++end;
  }
  return end;
}

// ------------------------------------------------------------ tables
TelTable routers_table(const std::vector<const Router*>& routers) {
  TelTable t;
  t.table = "routers";
  t.add_columns("router", {"name", "ports", "workers", "ilm", "nhlfes", "pseudowires", "pseudowires_up",
                           "bridge_domains", "rx_packets", "forwarded", "dropped"});
  for (auto* r : routers) {
    auto lock = r->observe_lock();
    const auto& s = r->state();
    size_t up = std::count_if(s.pseudowires.begin(), s.pseudowires.end(), [](auto& p) { return p.up; });
    auto st = r->stats();
    t.rows.push_back({"router", r->name(), u(r->port_names().size()), u(r->workers()), u(s.ilm.size()),
                      u(s.nhlfes.size()), u(s.pseudowires.size()), u(up), u(s.bridge_domains.size()),
                      u(st.rx_packets), u(st.forwarded), u(st.total_drops())});
  }
  return t;
}

TelTable ilm_table(const Router& r) {
  TelTable t;
  t.router = r.name();
  t.table = "ilm";
  t.add_columns("ilm", {"label", "action", "target", "op", "out_labels", "out_port", "next_hop_mac",
                        "backup", "detail", "rx_packets", "rx_bytes"});
  t.add_columns("ftn", {"fec", "next_hop", "op", "out_labels", "out_port", "next_hop_mac"});
  auto lock = r.observe_lock();
  const auto& s = r.state();
  auto nhlfe_row = [&](const IlmEntry& e, const Nhlfe* n, std::string detail, const LabelStats& ls) {
    std::string backup = "-";
    if (n && n->backup_nhlfe)
      if (auto* b = s.find_nhlfe(*n->backup_nhlfe))
        backup = fmt::format("{} via {}", labels_text(b->labels), b->out_port);
    t.rows.push_back({"ilm", u(e.label), std::string(to_string(e.action)), u(e.target),
                      n ? op_text(*n) : "-", n ? labels_text(n->labels) : "-", n ? n->out_port : "-",
                      n ? l2vpn::to_string(n->next_hop_mac) : "-", backup, std::move(detail), u(ls.rx_packets),
                      u(ls.rx_bytes)});
  };
  for (auto& e : s.ilm) {
    auto ls = r.label_stats(e.label);
    switch (e.action) {
      case IlmAction::forward:
        nhlfe_row(e, s.find_nhlfe(e.target), fmt::format("nhlfe {}", e.target), ls);
        break;
      case IlmAction::ecmp:
        if (auto* g = s.find_ecmp(e.target)) {
          for (size_t i = 0; i < g->nhlfes.size(); ++i)
            nhlfe_row(e, s.find_nhlfe(g->nhlfes[i]),
                      fmt::format("ecmp {} path {}/{} nhlfe {}", e.target, i + 1, g->nhlfes.size(), g->nhlfes[i]),
                      ls);
        } else {
          nhlfe_row(e, nullptr, "ecmp group missing", ls);
        }
        break;
      case IlmAction::pw_disposition: {
        auto* pw = s.find_pseudowire(e.target);
        t.rows.push_back({"ilm", u(e.label), "pw_disposition", u(e.target), "pop (pw)", "-", "-", "-", "-",
                          pw ? fmt::format("pw {} pw_id {} from {}", pw->id, pw->pw_id, pw->peer) : "pw ?",
                          u(ls.rx_packets), u(ls.rx_bytes)});
        break;
      }
      case IlmAction::pop_and_lookup:
        t.rows.push_back({"ilm", u(e.label), "pop_and_lookup", u(e.target), "pop+lookup", "-", "-", "-", "-",
                          "own label", u(ls.rx_packets), u(ls.rx_bytes)});
        break;
      case IlmAction::replicate:
        if (auto* g = s.find_replication_group(e.target)) {
          for (auto id : g->nhlfes) nhlfe_row(e, s.find_nhlfe(id), fmt::format("p2mp group {} branch", e.target), ls);
          if (g->local_pseudowire)
            t.rows.push_back({"ilm", u(e.label), "replicate", u(e.target), "pop (leaf)", "-", "-", "-", "-",
                              fmt::format("p2mp group {} leaf: pw {}", e.target, *g->local_pseudowire),
                              u(ls.rx_packets), u(ls.rx_bytes)});
        } else {
          nhlfe_row(e, nullptr, "replication group missing", ls);
        }
        break;
    }
  }
  for (auto& f : s.ftn)
    for (auto* n : s.nhlfes_of(f.next_hop))
      t.rows.push_back({"ftn", f.fec, next_hop_text(f.next_hop), op_text(*n), labels_text(n->labels), n->out_port,
                        l2vpn::to_string(n->next_hop_mac)});
  return t;
}

TelTable pw_table(const Router& r) {
  TelTable t;
  t.router = r.name();
  t.table = "pw";
  t.add_columns("pw", {"id", "pw_id", "peer", "local_label", "remote_label", "transport", "out_port", "control_word",
                       "flow_label", "mtu", "state", "down_reason", "service", "rx_packets", "rx_bytes",
                       "tx_packets", "tx_bytes"});
  auto lock = r.observe_lock();
  const auto& s = r.state();
  for (auto& p : s.pseudowires) {
    std::string out_port = "-";
    if (p.transport) {
      std::string ports;
      for (auto* n : s.nhlfes_of(*p.transport)) ports += (ports.empty() ? "" : " ") + n->out_port;
      if (!ports.empty()) out_port = ports;
    }
    std::string service = "-";
    for (auto& ac : s.attachment_circuits)
      if (ac.pseudowire == p.id) service = "ac " + ac.name;
    for (auto& bd : s.bridge_domains) {
      if (std::find(bd.mesh_pseudowires.begin(), bd.mesh_pseudowires.end(), p.id) != bd.mesh_pseudowires.end())
        service = "vpls " + bd.name + " mesh";
      if (std::find(bd.spoke_pseudowires.begin(), bd.spoke_pseudowires.end(), p.id) != bd.spoke_pseudowires.end())
        service = "vpls " + bd.name + " spoke";
    }
    auto ls = r.label_stats(p.local_label);
    t.rows.push_back({"pw", u(p.id), u(p.pw_id), p.peer, u(p.local_label), u(p.remote_label),
                      p.transport ? next_hop_text(*p.transport) : "-", out_port, yes(p.control_word),
                      yes(p.flow_label), u(p.mtu), p.up ? "up" : "down", p.up ? "-" : p.down_reason, service,
                      u(ls.rx_packets), u(ls.rx_bytes), u(ls.tx_packets), u(ls.tx_bytes)});
  }
  return t;
}

namespace {
MacAddr mac_of_key(uint64_t key) {
  MacAddr m{};
  for (int i = 0; i < 6; ++i) m[size_t(i)] = uint8_t(key >> (8 * i));
  return m;
}
}  // namespace

TelTable vpls_table(const Router& r) {
  TelTable t;
  t.router = r.name();
  t.table = "vpls";
  t.add_columns("bd", {"name", "vsi_id", "bum_mode", "attachment_circuits", "mesh_pseudowires",
                       "spoke_pseudowires", "mac_limit", "aging_seconds", "macs_learned", "macs_static"});
  t.add_columns("member", {"bridge_domain", "member", "tx_flood", "learned", "split_horizon"});
  t.add_columns("mac", {"bridge_domain", "mac", "member", "type", "last_seen_s"});
  auto lock = r.observe_lock();
  const auto& s = r.state();
  for (auto& bd : s.bridge_domains) {
    const auto* mt = r.mac_table(bd.name);
    std::string acs, mesh, spokes;
    for (auto& a : bd.attachment_circuits) acs += (acs.empty() ? "" : " ") + a;
    for (auto id : bd.mesh_pseudowires) mesh += (mesh.empty() ? "" : " ") + std::to_string(id);
    for (auto id : bd.spoke_pseudowires) spokes += (spokes.empty() ? "" : " ") + std::to_string(id);
    t.rows.push_back({"bd", bd.name, u(bd.vsi_id), std::string(to_string(bd.bum_mode)), acs.empty() ? "-" : acs,
                      mesh.empty() ? "-" : mesh, spokes.empty() ? "-" : spokes, u(bd.mac_limit),
                      u(bd.aging_seconds), u(mt ? mt->learned() : 0), u(mt ? mt->statics() : 0)});
    std::vector<std::string> members;
    for (auto& a : bd.attachment_circuits) members.push_back("ac:" + a);
    for (auto id : bd.mesh_pseudowires) members.push_back("pw:" + std::to_string(id));
    for (auto id : bd.spoke_pseudowires) members.push_back("pw:" + std::to_string(id));
    for (auto& m : members) {
      auto ms = r.bd_member_stats(bd.name, m);
      t.rows.push_back({"member", bd.name, m, u(ms.tx_flood), u(ms.learned), u(ms.split_horizon)});
    }
    if (!mt) continue;
    // The entries are atomics: a snapshot while workers learn is a consistent
    // view of each entry, not of the table as a whole.
    auto snap = mt->snapshot();
    std::sort(snap.begin(), snap.end(), [](auto& a, auto& b) { return a.key < b.key; });
    for (auto& e : snap) {
      auto mac = mac_of_key(e.key);
      auto owner = r.mac_owner(bd.name, mac);
      t.rows.push_back({"mac", bd.name, l2vpn::to_string(mac), owner ? *owner : fmt::format("id {}", e.member),
                        e.is_static ? "static" : "learned", u(e.last_seen)});
    }
  }
  return t;
}

TelTable counters_table(const Router& r) {
  TelTable t;
  t.router = r.name();
  t.table = "counters";
  t.add_columns("total", {"rx_packets", "forwarded", "dropped", "lfa_used", "replicas", "to_kernel",
                          "kernel_tx_seen"});
  t.add_columns("port", {"name", "up", "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "to_kernel",
                         "kernel_tx_seen", "punted", "ftn_labelled"});
  t.add_columns("label", {"label", "action", "rx_packets", "rx_bytes"});
  t.add_columns("pw", {"id", "pw_id", "peer", "local_label", "rx_packets", "rx_bytes", "tx_packets", "tx_bytes"});
  std::vector<std::string> bd_cols{"name", "vsi_id"};
#define L2VPN_X(name, desc) bd_cols.push_back(#name);
  L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
  t.add_columns("bd", bd_cols);
  t.add_columns("drop", {"reason", "count", "description"});
  auto lock = r.observe_lock();
  auto st = r.stats();
  t.rows.push_back({"total", u(st.rx_packets), u(st.forwarded), u(st.total_drops()), u(st.lfa_used), u(st.replicas),
                    u(st.to_kernel), u(st.kernel_tx_seen)});
  for (size_t i = 0; i < r.port_names().size(); ++i) {
    auto ps = r.port_stats(uint16_t(i));
    t.rows.push_back({"port", r.port_names()[i], r.port_up(uint16_t(i)) ? "up" : "down", u(ps.rx_packets),
                      u(ps.rx_bytes), u(ps.tx_packets), u(ps.tx_bytes), u(ps.to_kernel), u(ps.kernel_tx_seen),
                      u(ps.punted), u(ps.ftn_labelled)});
  }
  const auto& s = r.state();
  for (auto& e : s.ilm) {
    auto ls = r.label_stats(e.label);
    t.rows.push_back({"label", u(e.label), std::string(to_string(e.action)), u(ls.rx_packets), u(ls.rx_bytes)});
  }
  for (auto& p : s.pseudowires) {
    auto ls = r.label_stats(p.local_label);
    t.rows.push_back({"pw", u(p.id), u(p.pw_id), p.peer, u(p.local_label), u(ls.rx_packets), u(ls.rx_bytes),
                      u(ls.tx_packets), u(ls.tx_bytes)});
  }
  for (auto& bd : s.bridge_domains) {
    auto bs = r.bd_stats(bd.name);
    std::vector<std::string> row{"bd", bd.name, u(bd.vsi_id)};
#define L2VPN_X(name, desc) row.push_back(u(bs.name));
    L2VPN_BD_COUNTERS(L2VPN_X)
#undef L2VPN_X
    t.rows.push_back(std::move(row));
  }
  for (size_t i = 0; i < kDropReasonCount; ++i)
    t.rows.push_back({"drop", std::string(kDropReasonNames[i]), u(st.drops[i]), std::string(kDropReasonDescriptions[i])});
  return t;
}

TelTable drops_table(const Router& r) {
  TelTable t;
  t.router = r.name();
  t.table = "drops";
  t.add_columns("drop", {"reason", "count", "description"});
  auto st = r.stats();
  for (size_t i = 0; i < kDropReasonCount; ++i)
    t.rows.push_back({"drop", std::string(kDropReasonNames[i]), u(st.drops[i]), std::string(kDropReasonDescriptions[i])});
  return t;
}

TelTable state_table(const Router& r) {
  TelTable t;
  t.router = r.name();
  t.table = "state";
  t.add_columns("json", {"text"});
  std::string text;
  {
    auto lock = r.observe_lock();
    text = to_json(r.state(), 0);
  }
  constexpr size_t kPiece = 100;
  for (size_t i = 0; i < text.size(); i += kPiece) t.rows.push_back({"json", text.substr(i, kPiece)});
  return t;
}

// ------------------------------------------------------------ registry
namespace {

struct Registry {
  std::mutex mu;
  std::vector<const Router*> routers;
  bool commands = false;
  bool starting = false;  // commands registered, routers not yet (telemetry_announce_starting)
};
Registry& registry() {
  static Registry r;
  return r;
}

const Router* find_locked(std::string_view name) {
  for (auto* r : registry().routers)
    if (r->name() == name) return r;
  return nullptr;
}

}  // namespace

std::vector<std::string> tel_split_params(const char* params) {
  std::vector<std::string> out;
  if (!params || !*params) return out;
  std::string_view p(params);
  size_t b = 0;
  while (true) {
    size_t e = p.find(',', b);
    out.emplace_back(p.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return out;
}

int tel_reply_error(rte_tel_data* d, const std::string& msg) {
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "error", msg.substr(0, kTelMaxString).c_str());
  return 0;
}

bool tel_parse_index(const std::string& s, size_t& out) {
  if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), ::isdigit)) return false;
  out = size_t(std::stoul(s));
  return true;
}

int tel_reply_table(const TelTable& t, size_t start, rte_tel_data* d) {
  if (auto st = tel_check_start(t, start); !st) return tel_reply_error(d, st.error().message);
  rte_tel_data_start_dict(d);
  if (!t.router.empty()) rte_tel_data_add_dict_string(d, "router", t.router.substr(0, kTelMaxString).c_str());
  rte_tel_data_add_dict_string(d, "table", t.table.c_str());
  rte_tel_data_add_dict_u64(d, "total", t.rows.size());
  start = std::min(start, t.rows.size());
  rte_tel_data_add_dict_u64(d, "start", start);
  const size_t end = tel_page_end(t, start);
  rte_tel_data_add_dict_int(d, "next", end < t.rows.size() ? int(end) : -1);
  for (auto& [kind, names] : t.columns) {
    auto* a = rte_tel_data_alloc();
    if (!a) return tel_reply_error(d, "out of memory");
    rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
    for (auto& n : names) rte_tel_data_add_array_string(a, n.c_str());
    rte_tel_data_add_dict_container(d, ("columns_" + kind).c_str(), a, 0);
  }
  for (auto& [kind, types] : t.types) {
    auto* a = rte_tel_data_alloc();
    if (!a) return tel_reply_error(d, "out of memory");
    rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
    for (auto ty : types) rte_tel_data_add_array_string(a, std::string(tel_type_name(ty)).c_str());
    rte_tel_data_add_dict_container(d, ("types_" + kind).c_str(), a, 0);
  }
  for (size_t i = start; i < end; ++i) {
    auto* a = rte_tel_data_alloc();
    if (!a) return tel_reply_error(d, "out of memory");
    rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
    for (auto& v : t.rows[i]) rte_tel_data_add_array_string(a, v.substr(0, kTelMaxString).c_str());
    rte_tel_data_add_dict_container(d, ("r" + std::to_string(i)).c_str(), a, 0);
  }
  return 0;
}

namespace {

// "ROUTER[,START]" commands.
template <TelTable (*Make)(const Router&)>
int router_cmd(const char*, const char* params, rte_tel_data* d) {
  auto p = tel_split_params(params);
  if (p.empty() || p[0].empty()) return tel_reply_error(d, "usage: <command>,ROUTER[,START]");
  size_t start = 0;
  if (p.size() > 1 && !tel_parse_index(p[1], start)) return tel_reply_error(d, "START must be a row number");
  std::lock_guard g(registry().mu);
  if (registry().starting) return tel_reply_error(d, std::string(kTelStarting));
  const Router* r = find_locked(p[0]);
  if (!r) return tel_reply_error(d, fmt::format("no router '{}' in this process (see /l2vpn/routers)", p[0]));
  return tel_reply_table(Make(*r), start, d);
}

int routers_cmd(const char*, const char* params, rte_tel_data* d) {
  auto p = tel_split_params(params);
  size_t start = 0;
  if (!p.empty() && !tel_parse_index(p[0], start)) return tel_reply_error(d, "usage: /l2vpn/routers[,START]");
  std::lock_guard g(registry().mu);
  if (registry().starting) return tel_reply_error(d, std::string(kTelStarting));
  return tel_reply_table(routers_table(registry().routers), start, d);
}

int trace_add_cmd(const char*, const char* params, rte_tel_data* d) {
  auto p = tel_split_params(params);
  auto f = parse_trace_filter(p);
  if (!f) return tel_reply_error(d, f.error().message);
  {
    std::lock_guard g(registry().mu);
    for (auto* r : registry().routers) r->prepare_trace();
  }
  if (auto st = trace_arm(*f); !st) return tel_reply_error(d, st.error().message);
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "armed", describe(*f).substr(0, kTelMaxString).c_str());
  return 0;
}

int trace_show_cmd(const char*, const char* params, rte_tel_data* d) {
  auto p = tel_split_params(params);
  size_t start = 0;
  if (!p.empty() && !tel_parse_index(p[0], start)) return tel_reply_error(d, "usage: /l2vpn/trace/show[,START]");
  std::lock_guard g(registry().mu);
  return tel_reply_table(trace_table(registry().routers), start, d);
}

int trace_clear_cmd(const char*, const char*, rte_tel_data* d) {
  trace_disarm();
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_string(d, "trace", "stopped and cleared");
  return 0;
}

Status register_commands() {
  struct Cmd {
    const char* name;
    telemetry_cb fn;
    const char* help;
  };
  static const Cmd cmds[] = {
      {"/l2vpn/routers", routers_cmd, "Routers in this process. Parameters: [START]"},
      {"/l2vpn/ilm", router_cmd<ilm_table>, "ILM/LFIB and FTN of a router. Parameters: ROUTER[,START]"},
      {"/l2vpn/pw", router_cmd<pw_table>, "Pseudowires, state and down reason. Parameters: ROUTER[,START]"},
      {"/l2vpn/vpls", router_cmd<vpls_table>, "VPLS instances, members, MAC tables. Parameters: ROUTER[,START]"},
      {"/l2vpn/counters", router_cmd<counters_table>,
       "Ports, labels, PWs, bridge domains, drops by reason. Parameters: ROUTER[,START]"},
      {"/l2vpn/drops", router_cmd<drops_table>, "Every drop counter with its reason. Parameters: ROUTER"},
      {"/l2vpn/state", router_cmd<state_table>, "ForwardingState JSON in 100-byte rows. Parameters: ROUTER[,START]"},
      {"/l2vpn/trace/add", trace_add_cmd,
       "Trace the next N frames. Parameters: N[,port=P][,label=L][,mac=M][,router=R]"},
      {"/l2vpn/trace/show", trace_show_cmd, "Traced frames, stage by stage. Parameters: [START]"},
      {"/l2vpn/trace/clear", trace_clear_cmd, "Stop tracing and forget the records"},
  };
  for (auto& c : cmds)
    if (rte_telemetry_register_cmd(c.name, c.fn, c.help) != 0)
      return Error{fmt::format("telemetry: cannot register {} (EAL up? --no-telemetry?)", c.name)};
  return Status::success();
}

}  // namespace

TelemetryRegistration& TelemetryRegistration::operator=(TelemetryRegistration&& o) noexcept {
  if (this != &o) {
    this->~TelemetryRegistration();
    routers_ = std::move(o.routers_);
    o.routers_.clear();
  }
  return *this;
}

TelemetryRegistration::~TelemetryRegistration() {
  if (routers_.empty()) return;
  std::lock_guard g(registry().mu);
  auto& v = registry().routers;
  for (auto* r : routers_) v.erase(std::remove(v.begin(), v.end(), r), v.end());
  routers_.clear();
}

Result<std::unique_ptr<TelemetryRegistration>> telemetry_register(std::vector<const Router*> routers) {
  std::lock_guard g(registry().mu);
  auto& reg = registry();
  if (!reg.commands) {
    if (auto st = register_commands(); !st) return st.error();
    reg.commands = true;
  }
  for (size_t i = 0; i < routers.size(); ++i) {
    if (find_locked(routers[i]->name()))
      return Error{fmt::format("telemetry: a router named '{}' is already registered", routers[i]->name())};
    for (size_t j = 0; j < i; ++j)
      if (routers[j]->name() == routers[i]->name())
        return Error{fmt::format("telemetry: router name '{}' given twice", routers[i]->name())};
  }
  for (auto* r : routers) reg.routers.push_back(r);
  reg.starting = false;
  return std::make_unique<TelemetryRegistration>(std::move(routers));
}

Status telemetry_announce_starting() {
  std::lock_guard g(registry().mu);
  auto& reg = registry();
  if (!reg.commands) {
    if (auto st = register_commands(); !st) return st.error();
    reg.commands = true;
    reg.starting = reg.routers.empty();
  }
  return Status::success();
}

void for_each_registered_router(const std::function<void(const Router&)>& fn) {
  std::lock_guard g(registry().mu);
  for (auto* r : registry().routers) fn(*r);
}

const Router* find_registered_router(std::string_view name) {
  std::lock_guard g(registry().mu);
  return find_locked(name);
}

// ------------------------------------------------------------ file prefix
std::string default_file_prefix(std::string_view what) {
  return fmt::format("l2vpn-{}-{}", what, getpid());
}

std::string telemetry_socket_path(std::string_view file_prefix) {
  // EAL's runtime directory (eal_create_runtime_dir): /var/run as root,
  // else $XDG_RUNTIME_DIR, else /tmp.
  std::string base = "/var/run";
  if (getuid() != 0) {
    const char* x = std::getenv("XDG_RUNTIME_DIR");
    base = x ? x : "/tmp";
  }
  return fmt::format("{}/dpdk/{}/dpdk_telemetry.v2", base, file_prefix);
}

std::string set_file_prefix(std::vector<std::string>& eal_args, std::string_view prefix) {
  for (size_t i = 0; i < eal_args.size(); ++i) {
    if (eal_args[i] == "--file-prefix" && i + 1 < eal_args.size()) return eal_args[i + 1];
    if (eal_args[i].rfind("--file-prefix=", 0) == 0) return eal_args[i].substr(14);
  }
  eal_args.push_back("--file-prefix");
  eal_args.emplace_back(prefix);
  return std::string(prefix);
}

void pdump_eal_args(std::vector<std::string>& a, unsigned mb, const std::string& huge_dir) {
  for (auto it = a.begin(); it != a.end();) {
    if (*it == "--no-huge" || *it == "--no-shconf" || *it == "--in-memory")
      it = a.erase(it);
    else if (*it == "-m" && it + 1 != a.end())
      it = a.erase(it, it + 2);
    else
      ++it;
  }
  a.push_back("-m");
  a.push_back(std::to_string(mb));
  if (!huge_dir.empty()) {
    a.push_back("--huge-dir");
    a.push_back(huge_dir);
  }
}

Status pdump_init() {
  if (rte_pdump_init() != 0)
    return Error{fmt::format("pdump: rte_pdump_init failed ({}): dpdk-dumpcap will not attach",
                             rte_strerror(rte_errno))};
  return Status::success();
}

}  // namespace l2vpn::dp
