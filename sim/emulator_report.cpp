// The emulator's report as JSON (stable field names, see docs/emulator.md)
// and as tables for a terminal.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sim/emulator.hpp"

namespace l2vpn::sim {

namespace {
using json = nlohmann::ordered_json;

// Three decimals: enough for microseconds of latency, stable to print.
double r3(double v) { return std::round(v * 1000.0) / 1000.0; }
}  // namespace

std::string to_json(const Report& r, int indent) {
  json j;
  j["topology"] = r.topology;
  j["seed"] = r.seed;
  j["real_time"] = r.real_time;
  j["lfa"] = r.lfa;
  j["control_plane_delay_ms"] = r3(r.control_plane_delay_ms);
  j["duration_ms"] = r3(r.duration_ms);
  j["end_ms"] = r3(r.end_ms);
  j["drained"] = r.drained;
  j["warmup_ms"] = r3(r.warmup_ms);
  j["ok"] = r.ok();
  j["cut_short"] = r.cut_short;
  if (r.cut_short) j["cut_at_ms"] = r3(r.cut_at_ms);
  auto& t = j["totals"];
  t["sent"] = r.totals.sent;
  t["expected"] = r.totals.expected;
  t["received"] = r.totals.received;
  t["lost"] = r.totals.lost;
  t["lost_outside_events"] = r.totals.lost_outside_events;
  t["duplicated"] = r.totals.duplicated;
  t["duplicated_at_switchover"] = r.totals.duplicated_at_switchover;
  t["reordered"] = r.totals.reordered;
  t["misdelivered"] = r.totals.misdelivered;
  t["unresolved"] = r.totals.unresolved;
  t["arp_requests"] = r.totals.arp_requests;
  t["arp_replies"] = r.totals.arp_replies;
  t["stray_frames"] = r.totals.stray_frames;
  t["unknown_trailers"] = r.totals.unknown_trailers;
  t["packet_hops"] = r.totals.packet_hops;
  t["pw_down_at_end"] = r.totals.pw_down_at_end;
  t["pw_misconfigured_at_end"] = r.totals.pw_misconfigured_at_end;
  j["services"] = json::array();
  for (auto& s : r.services)
    j["services"].push_back({{"kind", s.kind},
                             {"name", s.name},
                             {"state", s.state},
                             {"flows", s.flows},
                             {"sent", s.sent},
                             {"expected", s.expected},
                             {"received", s.received},
                             {"lost", s.lost},
                             {"duplicated", s.duplicated},
                             {"reordered", s.reordered},
                             {"misdelivered", s.misdelivered},
                             {"unresolved", s.unresolved},
                             {"flood_seen", s.flood_seen},
                             {"latency_us",
                              {{"min", r3(s.latency_min_us)},
                               {"p50", r3(s.latency_p50_us)},
                               {"p99", r3(s.latency_p99_us)},
                               {"max", r3(s.latency_max_us)}}}});
  j["events"] = json::array();
  for (auto& e : r.events)
    j["events"].push_back({{"at_ms", r3(e.at_ms)},
                           {"event", e.event},
                           {"kind", e.kind},
                           {"applied_at_ms", r3(e.applied_at_ms)},
                           {"routers_changed", e.routers_changed},
                           {"entries_changed", e.entries_changed},
                           {"pw_changes", e.pw_changes},
                           {"lost", e.lost},
                           {"flows_hit", e.flows_hit},
                           {"outage_ms", r3(e.outage_ms)},
                           {"first_loss_ms", r3(e.first_loss_ms)},
                           {"last_loss_ms", r3(e.last_loss_ms)},
                           {"frames", e.frames},
                           {"duplicated_at_switchover", e.duplicated_at_switchover}});
  j["links"] = json::array();
  for (auto& l : r.links)
    j["links"].push_back({{"from", l.from},
                          {"to", l.to},
                          {"frames", l.frames},
                          {"bytes", l.bytes},
                          {"utilisation", std::round(l.utilisation * 1e6) / 1e6},
                          {"queue_drops", l.queue_drops},
                          {"loss_drops", l.loss_drops},
                          {"down_drops", l.down_drops}});
  j["flooding"] = json::array();
  for (auto& f : r.flooding)
    j["flooding"].push_back({{"service", f.service},
                             {"pe", f.pe},
                             {"mode", f.mode},
                             {"frames", f.frames},
                             {"bytes", f.bytes},
                             {"peers", f.peers},
                             {"ir_links", f.ir_links},
                             {"tree_edges", f.tree_edges},
                             {"ingress_replication_bytes", f.ingress_replication_bytes},
                             {"p2mp_tree_bytes", f.p2mp_tree_bytes},
                             {"pe_flooded", f.pe_flooded}});
  if (!r.oam.empty()) j["oam"] = oam_to_json(r.oam);  // sim/oam_report.cpp
  if (!r.bfd.empty()) j["bfd"] = bfd_to_json(r.bfd);
  j["router_drops"] = json::object();
  for (auto& [k, v] : r.router_drops) j["router_drops"][k] = v;
  j["routers"] = json::array();
  for (auto& x : r.routers) {
    json o{{"name", x.name},       {"rx", x.rx},           {"tx", x.tx},
           {"replicas", x.replicas}, {"lfa_used", x.lfa_used}, {"oam_punted", x.oam_punted},
           {"oam_sent", x.oam_sent}, {"dropped", x.dropped},   {"drops", json::object()}};
    for (auto& [k, v] : x.drops) o["drops"][k] = v;
    o["bridge_domains"] = json::array();
    for (auto& b : x.bridge_domains)
      o["bridge_domains"].push_back({{"name", b.name},
                                     {"macs", b.macs},
                                     {"learned", b.learned},
                                     {"flooded", b.flooded},
                                     {"flood_copies", b.flood_copies}});
    j["routers"].push_back(std::move(o));
  }
  j["flows"] = json::array();
  for (auto& f : r.flows)
    j["flows"].push_back({{"id", f.id},
                          {"kind", f.kind},
                          {"service", f.service},
                          {"src", f.src},
                          {"dst", f.dst},
                          {"sent", f.sent},
                          {"expected", f.expected},
                          {"received", f.received},
                          {"lost", f.lost},
                          {"duplicated", f.duplicated},
                          {"reordered", f.reordered},
                          {"misdelivered", f.misdelivered},
                          {"latency_min_us", r3(f.latency_min_us)},
                          {"latency_max_us", r3(f.latency_max_us)}});
  return j.dump(indent);
}

std::string format_report(const Report& r) {
  std::string out;
  if (r.cut_short)
    out += fmt::format("CUT SHORT at {:.3f} ms of {} ms (stopped by a signal): the report covers the traffic "
                       "so far (frames on the wires then were delivered, nothing was sent after)\n\n",
                       r.cut_at_ms, r.duration_ms);
  out += fmt::format("{} ms of traffic on {} (seed {}, {} time, LFA {}, control-plane delay {} ms); "
                     "{} {:.3f} ms\n\n",
                     r.duration_ms, r.topology, r.seed, r.real_time ? "real" : "virtual",
                     r.lfa ? "on" : "off", r.control_plane_delay_ms,
                     r.drained ? "network drained at" : "network NOT drained (frames still queued) when stopped at",
                     r.end_ms);
  out += fmt::format("{:<5} {:<14} {:<18} {:>5} {:>8} {:>8} {:>8} {:>6} {:>5} {:>6} {:>7} {:>9} {:>9} {:>9}\n",
                     "kind", "service", "state", "flows", "sent", "expected", "received", "lost",
                     "dup", "reord", "misdel", "p50 us", "p99 us", "max us");
  for (auto& s : r.services)
    out += fmt::format("{:<5} {:<14} {:<18} {:>5} {:>8} {:>8} {:>8} {:>6} {:>5} {:>6} {:>7} {:>9.1f} {:>9.1f} {:>9.1f}\n",
                       s.kind, s.name, s.state, s.flows, s.sent, s.expected, s.received, s.lost,
                       s.duplicated, s.reordered, s.misdelivered, s.latency_p50_us,
                       s.latency_p99_us, s.latency_max_us);
  const auto& t = r.totals;
  out += fmt::format("{:<5} {:<14} {:<18} {:>5} {:>8} {:>8} {:>8} {:>6} {:>5} {:>6} {:>7}\n", "", "total", "",
                     "", t.sent, t.expected, t.received, t.lost, t.duplicated, t.reordered, t.misdelivered);
  uint64_t unresolved = 0, flood = 0;
  for (auto& s : r.services) {
    unresolved += s.unresolved;
    flood += s.flood_seen;
  }
  out += fmt::format("ARP: {} requests, {} replies; {} frames not sent (peer unresolved); {} "
                     "flooded unicast copies seen at sites (dropped by NICs)\n",
                     t.arp_requests, t.arp_replies, unresolved, flood);
  if (t.stray_frames || t.unknown_trailers)
    out += fmt::format("STRAY: {} frames left a PE port matching no site, {} unknown trailers\n",
                       t.stray_frames, t.unknown_trailers);

  if (!r.events.empty()) {
    out += fmt::format("\n{:<34} {:>10} {:>8} {:>8} {:>8} {:>6} {:>10} {:>19}\n", "event", "applied ms",
                       "routers", "entries", "lost", "flows", "outage ms", "lost sent in ms");
    for (auto& e : r.events) {
      std::string span = e.first_loss_ms < 0 ? "-" : fmt::format("{:.3f}..{:.3f}", e.first_loss_ms, e.last_loss_ms);
      std::string applied = e.applied_at_ms < 0 ? "-" : fmt::format("{:.3f}", e.applied_at_ms);
      out += fmt::format("{:<34} {:>10} {:>8} {:>8} {:>8} {:>6} {:>10.3f} {:>19}{}\n", e.event, applied,
                         e.routers_changed, e.entries_changed, e.lost, e.flows_hit, e.outage_ms, span,
                         e.kind == "mac-flood" ? fmt::format("  ({} frames)", e.frames) : "");
      if (e.duplicated_at_switchover)
        out += fmt::format("{:<34} {} frames delivered twice across an H-VPLS spoke switchover (sent before the "
                           "MTU-s changed hubs, through the old hub and again through the new: RFC 6718)\n",
                           "", e.duplicated_at_switchover);
    }
  }

  out += fmt::format("\n{:<12} {:>9} {:>12} {:>7} {:>8} {:>8} {:>8}\n", "link", "frames", "bytes", "util %",
                     "q-drops", "l-drops", "d-drops");
  for (auto& l : r.links) {
    if (!l.frames && !l.queue_drops && !l.loss_drops && !l.down_drops) continue;
    out += fmt::format("{:<12} {:>9} {:>12} {:>7.3f} {:>8} {:>8} {:>8}\n", l.from + ">" + l.to, l.frames,
                       l.bytes, l.utilisation * 100, l.queue_drops, l.loss_drops, l.down_drops);
  }
  if (!r.flooding.empty()) {
    out += fmt::format("\n{:<14} {:<8} {:<5} {:>8} {:>10} {:>5} {:>8} {:>10} {:>14} {:>14}\n", "VPLS flooding",
                       "PE", "mode", "frames", "bytes", "peers", "IR links", "tree edges",
                       "IR bytes", "P2MP bytes");
    for (auto& f : r.flooding)
      out += fmt::format("{:<14} {:<8} {:<5} {:>8} {:>10} {:>5} {:>8} {:>10} {:>13}{} {:>13}{}\n", f.service,
                         f.pe, f.mode == "p2mp_tree" ? "p2mp" : "IR", f.frames, f.bytes, f.peers,
                         f.ir_links, f.tree_edges, f.ingress_replication_bytes,
                         f.mode == "p2mp_tree" ? " " : "*", f.p2mp_tree_bytes,
                         f.mode == "p2mp_tree" ? "*" : " ");
    out += "(BUM frames the PE's sites sent and the backbone bytes they cost under ingress replication\n"
           " and under a P2MP tree from the PE; * the mode the instance ran)\n";
  }
  if (!r.router_drops.empty()) {
    out += "\nrouter drops:";
    for (auto& [k, v] : r.router_drops) out += fmt::format(" {} {}", k, v);
    out += "\n";
  }
  out += format_oam(r.oam);
  out += format_bfd(r.bfd);
  return out;
}

}  // namespace l2vpn::sim
