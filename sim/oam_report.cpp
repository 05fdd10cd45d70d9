// LSP ping and traceroute actions: checks, JSON and text (sim/oam_report.hpp).
#include "sim/oam_report.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "oam/wire.hpp"

namespace l2vpn::sim {

namespace {
using json = nlohmann::ordered_json;
double r3(double v) { return std::round(v * 1000.0) / 1000.0; }

std::string labels_text(const std::vector<uint32_t>& v) {
  if (v.empty()) return "-";
  std::string out;
  for (uint32_t l : v) out += (out.empty() ? "" : "/") + (l == 3 ? std::string("imp-null") : std::to_string(l));
  return out;
}
}  // namespace

std::optional<std::string> normalise_fec(const std::string& text) {
  std::string addr = text;
  if (auto slash = text.find('/'); slash != std::string::npos) {
    if (text.substr(slash + 1) != "32") return std::nullopt;
    addr = text.substr(0, slash);
  }
  uint32_t a = 0;
  if (!oam::parse_ipv4(addr, a)) return std::nullopt;
  return oam::ipv4_to_string(a) + "/32";
}

std::string check_oam_action(const OamActionSpec& a, const cp::Topology& topo) {
  const std::string where = topo.source.empty() ? topo.name : topo.source;
  const cp::Router* from = topo.find_router(a.router);
  if (!from) return fmt::format("no router '{}' in {}", a.router, where);
  if (from->role != cp::RouterRole::pe)
    return fmt::format("router '{}' is a P router: LSP ping and trace start at a PE (the replies come back "
                       "over the LSP to its loopback, and LDP binds labels to PE loopbacks only)",
                       a.router);
  auto fec = normalise_fec(a.fec);
  if (!fec) return fmt::format("fec '{}' is not an LDP IPv4 prefix FEC (A.B.C.D or A.B.C.D/32)", a.fec);
  const cp::Router* owner = nullptr;
  for (const cp::Router& r : topo.routers)
    if (normalise_fec(r.loopback) == fec) owner = &r;
  if (!owner) return fmt::format("fec {} is no router's loopback in {}", *fec, where);
  if (owner == from) return fmt::format("fec {} is {}'s own loopback", *fec, a.router);
  if (a.via.empty() && owner->role != cp::RouterRole::pe)
    return fmt::format("fec {} is P router {}'s loopback: LDP binds labels to PE loopbacks only (give "
                       "'via: PE' to send the request along the LSP to a PE)",
                       *fec, owner->name);
  if (!a.via.empty()) {
    if (a.kind != OamActionSpec::Kind::ping) return "'via' belongs to lsp_ping";
    const cp::Router* via = topo.find_router(a.via);
    if (!via) return fmt::format("via: no router '{}' in {}", a.via, where);
    if (via->role != cp::RouterRole::pe) return fmt::format("via: '{}' is not a PE", a.via);
    if (via == from) return fmt::format("via: '{}' is the initiator itself", a.via);
  }
  if (a.count < 1 || a.count > kMaxPingCount)
    return fmt::format("count {} is not in [1, {}]", a.count, kMaxPingCount);
  if (a.max_ttl < 1 || a.max_ttl > kMaxTraceTtl)
    return fmt::format("max_ttl {} is not in [1, {}]", a.max_ttl, kMaxTraceTtl);
  return "";
}

namespace {
json hop_json(const OamHop& h, bool trace) {
  json j;
  j[trace ? "ttl" : "seq"] = h.ttl;
  j["replied"] = h.replied;
  j["responder"] = h.responder;
  j["address"] = h.address;
  j["return_code"] = h.return_code;
  j["return_subcode"] = h.return_subcode;
  j["return_text"] = h.return_text;
  if (trace) {
    j["in_label"] = h.in_label ? json(*h.in_label) : json(nullptr);
    j["downstreams"] = json::array();
    for (auto& d : h.downstreams) j["downstreams"].push_back({{"router", d.router}, {"labels", d.labels}});
  }
  j["rtt_us"] = r3(h.rtt_us);
  return j;
}
}  // namespace

nlohmann::ordered_json bfd_to_json(const std::vector<BfdPwRow>& rows) {
  json out = json::array();
  for (const BfdPwRow& b : rows)
    out.push_back({{"router", b.router},
                   {"service", b.service},
                   {"peer", b.peer},
                   {"pw_id", b.pw_id},
                   {"interval_ms", r3(b.interval_ms)},
                   {"multiplier", b.multiplier},
                   {"configured_detect_ms", r3(b.configured_detect_ms)},
                   {"state", b.state},
                   {"first_up_ms", r3(b.first_up_ms)},
                   {"down_at_ms", r3(b.down_at_ms)},
                   {"last_rx_ms", r3(b.last_rx_ms)},
                   {"detection_ms", r3(b.detection_ms)},
                   {"ups", b.ups},
                   {"downs", b.downs},
                   {"pw_state", b.pw_state},
                   {"pw_down_ms", r3(b.pw_down_ms)},
                   {"pw_up_again_ms", r3(b.pw_up_again_ms)},
                   {"pw_downs", b.pw_downs},
                   {"reason", b.reason}});
  return out;
}

std::string detect_text(const BfdPwRow& b) {
  return fmt::format("{}x{:g}={:g} ms", b.multiplier, b.interval_ms, b.configured_detect_ms);
}

std::string format_bfd(const std::vector<BfdPwRow>& rows) {
  if (rows.empty()) return "";
  auto ms = [](double v) { return v < 0 ? std::string("-") : fmt::format("{:.3f}", v); };
  std::string out = fmt::format("\n{:<8} {:<14} {:<8} {:>6} {:>13} {:>9} {:>11} {:>12} {:>6} {:>5} {:>11}  {}\n",
                                "BFD PW", "service", "peer", "pw id", "detect", "state", "up at ms",
                                "down at ms", "took", "pw", "pw back ms", "reason");
  for (const BfdPwRow& b : rows)
    out += fmt::format("{:<8} {:<14} {:<8} {:>6} {:>13} {:>9} {:>11} {:>12} {:>6} {:>5} {:>11}  {}\n", b.router,
                       b.service, b.peer, b.pw_id, detect_text(b), b.state, ms(b.first_up_ms), ms(b.down_at_ms),
                       ms(b.detection_ms), b.pw_state, ms(b.pw_up_again_ms), b.reason);
  out += "(detect: multiplier x interval, as configured; took: from the last packet heard to the detection,\n"
         " which took the PW down (reason BFD down) until the session came back Up: pw back)\n";
  return out;
}

nlohmann::ordered_json oam_to_json(const std::vector<OamResult>& results) {
  json out = json::array();
  for (const OamResult& r : results) {
    const bool trace = r.kind == "lsp-trace";
    json j;
    j["action"] = r.action;
    j["kind"] = r.kind;
    j["at_ms"] = r3(r.at_ms);
    j["router"] = r.router;
    j["fec"] = r.fec;
    if (!r.via.empty()) j["via"] = r.via;
    if (trace) j["multipath"] = r.multipath;
    j["sent"] = r.sent;
    j["received"] = r.received;
    j["error"] = r.error;
    if (trace) {
      j["paths"] = json::array();
      for (const OamPath& p : r.paths) {
        json pj;
        pj["out_port"] = p.out_port;
        pj["out_labels"] = p.out_labels;
        pj["first_hop"] = p.first_hop;
        pj["complete"] = p.complete;
        pj["end"] = p.end;
        pj["unreached"] = {{"router", p.unreached.router}, {"labels", p.unreached.labels}};
        pj["hops"] = json::array();
        for (auto& h : p.hops) pj["hops"].push_back(hop_json(h, true));
        j["paths"].push_back(std::move(pj));
      }
    } else {
      j["replies"] = json::array();
      for (auto& h : r.replies) j["replies"].push_back(hop_json(h, false));
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::string format_oam(const std::vector<OamResult>& results) {
  if (results.empty()) return "";
  std::string out = "\nLSP ping and trace (RFC 8029)\n";
  for (const OamResult& r : results) {
    out += fmt::format("  {:.3f} ms  {} from {} to {}{}{}\n", r.at_ms, r.kind, r.router, r.fec,
                       r.via.empty() ? "" : " via " + r.via, r.multipath ? " (multipath)" : "");
    if (!r.error.empty()) out += fmt::format("    {}\n", r.error);
    if (r.kind == "lsp-ping") {
      for (auto& h : r.replies) {
        if (!h.replied) {
          out += fmt::format("    seq {:>3}  no reply\n", h.ttl);
          continue;
        }
        out += fmt::format("    seq {:>3}  {} ({})  return code {} ({})  rtt {:.3f} us\n", h.ttl, h.responder,
                           h.address, h.return_code, h.return_text, h.rtt_us);
      }
      out += fmt::format("    {} sent, {} replies\n", r.sent, r.received);
      continue;
    }
    for (size_t i = 0; i < r.paths.size(); ++i) {
      const OamPath& p = r.paths[i];
      out += fmt::format("    path {}: {} out {} label {} to {}\n", i + 1, r.router, p.out_port,
                         labels_text(p.out_labels), p.first_hop);
      for (auto& h : p.hops) {
        if (!h.replied) {
          out += fmt::format("      {:>2}  *  no reply\n", h.ttl);
          continue;
        }
        std::string ds;
        for (auto& d : h.downstreams) ds += fmt::format("{}{} label {}", ds.empty() ? " -> " : ", ", d.router,
                                                        labels_text(d.labels));
        out += fmt::format("      {:>2}  {} ({})  in label {}  rc {} ({}){}  rtt {:.3f} us\n", h.ttl, h.responder,
                           h.address, h.in_label ? std::to_string(*h.in_label) : std::string("-"),
                           h.return_code, h.return_text, ds, h.rtt_us);
      }
      out += p.complete ? "      complete\n" : fmt::format("      ended: {}\n", p.end);
    }
  }
  return out;
}

}  // namespace l2vpn::sim
