// What a run found: Emulator::Impl::report (flows, event windows and their
// losses, services, links, flooding costs) and Report::ok / problems.
// Formatting a Report (JSON, text) is sim/emulator_report.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "dataplane/counters.hpp"
#include "sim/emulator_impl.hpp"

namespace l2vpn::sim {

// ------------------------------------------------------------ report
Report Emulator::Impl::report(double wall) const {
  Report r;
  const cp::Topology& t = net->topology();
  r.topology = t.name.empty() ? t.source : t.name;
  r.seed = opt.seed;
  r.duration_ms = ms(opt.duration_ns);
  r.end_ms = ms(bb->now());
  r.drained = drained;
  r.warmup_ms = ms(opt.workload.warmup_ns);
  r.real_time = opt.real_time;
  r.lfa = opt.lfa;
  r.control_plane_delay_ms = ms(opt.control_plane_delay_ns);
  r.wall_seconds = wall;
  auto& hs = hosts->hosts();

  // Event windows: a frame sent from `max_path_ns` before an event belongs
  // to it (it may have been on the failed wire).
  const EventWindows windows = window_starts();
  std::vector<EventRow> rows;
  for (auto& e : events) rows.push_back(e.row);
  std::vector<uint64_t> first(rows.size(), UINT64_MAX), last(rows.size(), 0);
  // What the tracker retired during the run (Tracker::retire).
  const RetiredLosses& gone = tracker.retired();
  r.totals.lost_outside_events += gone.lost_outside;
  for (size_t i = 0; i < gone.lost.size() && i < rows.size(); ++i) {
    rows[i].lost += gone.lost[i];
    first[i] = gone.first[i];
    last[i] = gone.last[i];
  }
  // CSIT's blocked time over the flows an event hit: their lost frames over
  // their offered rate (worst receiver of each flow).
  std::vector<double> hit_lost(rows.size(), 0), hit_rate(rows.size(), 0);

  r.services.resize(services.size());
  const std::vector<cp::PwStatus> pws = pw_view();
  for (uint32_t s = 0; s < services.size(); ++s) {
    auto& row = r.services[s];
    row.kind = services[s].kind;
    row.name = services[s].name;
    row.unresolved = unresolved[s];
    if (removed[s]) {
      row.state = "removed";
    } else {
      // A standby spoke (H-VPLS) is down by design: not a fault.
      unsigned standby = 0;
      row.state.clear();
      for (auto& pw : pws) {
        if (pw.service != row.name || pw.up) continue;
        if (pw.down_reason == cp::pw_down::standby) {
          ++standby;
        } else if (row.state.empty()) {
          row.state = fmt::format("down ({}: {})", pw.router, pw.down_reason);
        }
      }
      if (row.state.empty()) row.state = standby ? fmt::format("up ({} standby)", standby) : "up";
    }
    auto& lat = tracker.latency(s);
    row.latency_p50_us = us(lat.quantile(0.5));
    row.latency_p99_us = us(lat.quantile(0.99));
    row.latency_max_us = us(lat.max());
    row.latency_min_us = us(lat.min());
  }
  for (auto& sh : hosts->sites())
    if (!sh.hosts.empty()) r.services[hs[sh.hosts[0]].service].flood_seen += sh.flood_seen;

  for (auto& f : tracker.flows()) {
    if (f.receivers.empty()) continue;
    auto& row = r.services[f.service];
    FlowRow fr;
    fr.id = f.id;
    fr.kind = std::string(to_string(f.kind));
    fr.service = services[f.service].name;
    fr.src = hs[f.src].name;
    fr.dst = f.dst < 0 ? "*" : hs[size_t(f.dst)].name;
    fr.sent = f.sent();
    fr.misdelivered = f.misdelivered;
    uint64_t lat_min = UINT64_MAX, lat_max = 0;
    // Per event window: frames sent and lost (worst receiver), for the outage.
    std::vector<uint64_t> sent_in(rows.size() + 1, 0), lost_in(rows.size() + 1, 0);
    if (f.sent_in.size() == sent_in.size()) sent_in = f.sent_in;  // retired
    const uint64_t flight = f.flight_ns();
    auto window_of = [&](uint64_t send) -> int { return Tracker::window_of(send, windows, flight); };
    for (uint64_t i = 0; i < f.send_ns.size(); ++i) sent_in[size_t(window_of(f.send_ns[i]) + 1)]++;
    for (auto& rc : f.receivers) {
      fr.expected += f.sent();
      fr.received += rc.received;
      fr.duplicated += rc.duplicated;
      fr.reordered += rc.reordered;
      if (rc.received) {
        lat_min = std::min(lat_min, rc.lat_min);
        lat_max = std::max(lat_max, rc.lat_max);
      }
      std::vector<uint64_t> lost_rc(rows.size() + 1, 0);
      if (rc.lost_in.size() == lost_rc.size()) lost_rc = rc.lost_in;  // retired
      for (uint64_t i = 0; i < f.send_ns.size(); ++i) {
        if (seen(rc, i)) continue;
        const int w = window_of(f.send_ns[i]);
        lost_rc[size_t(w + 1)]++;
        if (w < 0) {
          ++r.totals.lost_outside_events;
        } else {
          rows[size_t(w)].lost++;
          first[size_t(w)] = std::min(first[size_t(w)], f.send_ns[i]);
          last[size_t(w)] = std::max(last[size_t(w)], f.send_ns[i]);
        }
      }
      for (size_t i = 0; i < lost_in.size(); ++i) lost_in[i] = std::max(lost_in[i], lost_rc[i]);
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!lost_in[i + 1]) continue;
      rows[i].flows_hit++;
      // The span a window's frames were sent in: from its event to the next.
      const uint64_t w_start = windows.at[i];
      const uint64_t w_end = std::max(i + 1 < rows.size() ? windows.at[i + 1] : opt.duration_ns, w_start + 1);
      hit_lost[i] += double(lost_in[i + 1]);
      hit_rate[i] += double(sent_in[i + 1]) / double(w_end - w_start);  // frames per ns
    }
    fr.lost = fr.expected - fr.received;
    fr.latency_min_us = lat_min == UINT64_MAX ? 0 : us(lat_min);
    fr.latency_max_us = us(lat_max);
    row.flows++;
    row.sent += fr.sent;
    row.expected += fr.expected;
    row.received += fr.received;
    row.lost += fr.lost;
    row.duplicated += fr.duplicated;
    row.reordered += fr.reordered;
    row.misdelivered += fr.misdelivered;
    r.flows.push_back(std::move(fr));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (hit_rate[i] > 0) rows[i].outage_ms = hit_lost[i] / hit_rate[i] / 1e6;
    if (first[i] != UINT64_MAX) {
      rows[i].first_loss_ms = ms(first[i]);
      rows[i].last_loss_ms = ms(last[i]);
    }
  }
  // Copies a spoke switchover delivered: to a host behind the MTU-s that
  // switched, sent before the switch and received after it.
  for (auto& dup : tracker.duplicates()) {
    const std::string& pe = t.sites[hs[dup.host].site].pe;
    for (auto& sw : switchovers) {
      if (sw.mtu_s != pe || dup.send_ns >= sw.at_ns || dup.recv_ns < sw.at_ns) continue;
      for (size_t i = 0; i < events.size(); ++i)
        if (&events[i].row == sw.row) rows[i].duplicated_at_switchover++;
      r.totals.duplicated_at_switchover++;
      break;
    }
  }
  r.events = std::move(rows);

  for (auto& s : r.services) {
    r.totals.sent += s.sent;
    r.totals.expected += s.expected;
    r.totals.received += s.received;
    r.totals.lost += s.lost;
    r.totals.duplicated += s.duplicated;
    r.totals.reordered += s.reordered;
    r.totals.misdelivered += s.misdelivered;
    r.totals.unresolved += s.unresolved;
  }
  for (auto& h : hs) {
    r.totals.arp_requests += h.arp_requests;
    r.totals.arp_replies += h.arp_replies;
  }
  r.totals.stray_frames = hosts->stray_frames();
  r.totals.unknown_trailers = tracker.unknown_frames();
  r.totals.packet_hops = bb->packet_hops();
  for (auto& pw : pws) {
    r.totals.pw_down_at_end += !pw.up && pw.down_reason != cp::pw_down::standby;
    r.totals.pw_misconfigured_at_end +=
        !pw.up && (pw.down_reason == cp::pw_down::mtu_mismatch || pw.down_reason == cp::pw_down::type_mismatch);
  }

  const double dur = double(std::max<uint64_t>(opt.duration_ns, 1));
  for (auto& l : bb->links()) {
    auto& tl = t.links[l.link];
    for (auto [from, to, dir] : {std::tuple{tl.a, tl.b, l.a_to_b.get()}, std::tuple{tl.b, tl.a, l.b_to_a.get()}}) {
      auto& st = dir->stats();
      r.links.push_back(LinkRow{from, to, st.frames, st.bytes, double(st.busy_ns) / dur,
                                st.queue_drops, st.loss_drops, st.down_drops});
    }
  }
  flooding(r);
  dp::RouterStats all;
  for (auto& rt : bb->routers()) all += rt->stats();
  if (oam) r.oam = oam->results();
  if (oam) r.bfd = oam->bfd_rows(bb->now());
  r.publish_errors = publish_errors;
  for (size_t i = 0; i < dp::kDropReasonCount; ++i)
    if (all.drops[i]) r.router_drops[std::string(dp::kDropReasonNames[i])] = all.drops[i];
  r.routers = router_rows(bb->routers());
  return r;
}

// BUM frames each PE's sites sent into each VPLS instance, priced under
// both modes with the plans made at setup.
void Emulator::Impl::flooding(Report& r) const {
  const cp::Topology& t = net->topology();
  auto& hs = hosts->hosts();
  for (auto& p : flood_plans) {
    FloodRow f;
    f.service = p.service;
    f.pe = p.pe;
    f.mode = p.p2mp ? "p2mp_tree" : "ingress_replication";
    f.peers = uint32_t(p.peers.size());
    f.ir_links = p.ir_links;
    f.tree_edges = p.tree_edges;
    uint32_t svc = UINT32_MAX;
    for (uint32_t i = 0; i < services.size(); ++i)
      if (services[i].kind == "vpls" && services[i].name == p.service) svc = i;
    if (svc == UINT32_MAX) continue;
    // As the PW carries them: a service-delimiting VLAN tag is not.
    auto carried = [](size_t l2_payload, bool vlan) {
      return uint64_t(std::max<size_t>(14 + (vlan ? 4 : 0) + l2_payload, 60) - (vlan ? 4 : 0));
    };
    for (auto& h : hs) {
      if (h.service != svc || t.sites[h.site].pe != p.pe || !h.arp_requests) continue;
      f.frames += h.arp_requests;  // broadcast
      f.bytes += h.arp_requests * carried(28 + kTrailerLen, h.vlan != 0);
    }
    for (auto& e : events) {
      if (e.spec.kind != EventKind::mac_flood || e.site >= t.sites.size() || t.sites[e.site].pe != p.pe) continue;
      auto& ss = services[svc].sites;
      if (std::find(ss.begin(), ss.end(), e.site) == ss.end()) continue;
      f.frames += e.row.frames;  // unknown unicast (random MACs)
      f.bytes += e.row.frames * carried(46, t.sites[e.site].vlan != 0);
    }
    f.ingress_replication_bytes = p.ir_bytes(f.frames, f.bytes);
    f.p2mp_tree_bytes = p.tree_bytes(f.frames, f.bytes);
    for (auto& rt : bb->routers()) {
      if (p.p2mp || rt->name() != p.pe) continue;
      for (auto& pw : net->state().pseudowires)
        if (pw.service == p.service && pw.router == p.pe && pw.kind == cp::PwKind::vpls_mesh)
          f.pe_flooded = std::max(f.pe_flooded,
                                  rt->bd_member_stats(p.service, "pw:" + std::to_string(pw.id)).tx_flood);
    }
    r.flooding.push_back(std::move(f));
  }
}

namespace {
// Data (not ARP) flows and what they sent: a run with data flows that sent
// no data frame checked nothing.
std::pair<size_t, uint64_t> data_sent(const Report& r) {
  size_t flows = 0;
  uint64_t sent = 0;
  for (auto& f : r.flows)
    if (f.kind != "arp") ++flows, sent += f.sent;
  return {flows, sent};
}
}  // namespace

bool Report::ok() const {
  auto [data_flows, sent] = data_sent(*this);
  return totals.duplicated == totals.duplicated_at_switchover && totals.misdelivered == 0 &&
         totals.lost_outside_events == 0 && totals.stray_frames == 0 && totals.unknown_trailers == 0 && drained &&
         (data_flows == 0 || sent > 0) && publish_errors.empty() && totals.pw_misconfigured_at_end == 0;
}

std::string Report::problems() const {
  std::string out;
  auto add = [&](std::string line) { out += line + "\n"; };
  if (auto [data_flows, sent] = data_sent(*this); data_flows && !sent) {
    if (warmup_ms >= duration_ms || !totals.unresolved)
      add(fmt::format("no data was sent: the traffic runs {:.3f} ms, data starts after a warm-up of {:.3f} ms "
                      "(ARP over the longest service path)",
                      duration_ms, warmup_ms));
    else
      add(fmt::format("no data was sent: after the warm-up of {:.3f} ms no host had resolved its peer "
                      "({} frames not sent)",
                      warmup_ms, totals.unresolved));
  }
  if (!drained)
    add(fmt::format("the network had not drained {:.3f} ms after the traffic stopped: frames still queued "
                    "(a link too slow for its load?) count as lost",
                    end_ms - duration_ms));
  if (totals.lost_outside_events) {
    std::string why;
    for (auto& [reason, n] : router_drops) why += fmt::format("{}{} {}", why.empty() ? "" : ", ", reason, n);
    add(fmt::format("{} frames lost outside every event window{}", totals.lost_outside_events,
                    why.empty() ? "" : " (routers dropped: " + why + ")"));
  }
  if (totals.pw_misconfigured_at_end)
    add(fmt::format("{} pseudowires down at the end because their ends disagree (MTU or PW type): the "
                    "configuration's fault, not the network's",
                    totals.pw_misconfigured_at_end));
  // The likely cause when frames were lost or a PW is misconfigured: the
  // services down at the end, so the user looks at the right object.
  if (totals.lost_outside_events || totals.pw_misconfigured_at_end)
    for (auto& s : services)
      if (s.state.rfind("down", 0) == 0)
        add(fmt::format("  {} {} is {}: {} of its frames lost, {} not sent (peer unresolved)", s.kind, s.name,
                        s.state, s.lost, s.unresolved));
  if (totals.duplicated > totals.duplicated_at_switchover)
    add(fmt::format("{} frames duplicated{}", totals.duplicated - totals.duplicated_at_switchover,
                    totals.duplicated_at_switchover ? " (besides the copies of spoke switchovers)" : ""));
  if (totals.misdelivered) add(fmt::format("{} frames misdelivered", totals.misdelivered));
  if (totals.stray_frames) add(fmt::format("{} stray frames (matched no site)", totals.stray_frames));
  if (totals.unknown_trailers) add(fmt::format("{} frames with an unknown trailer", totals.unknown_trailers));
  for (auto& e : publish_errors) add("tables BFD changed, not published: " + e);
  return out;
}

}  // namespace l2vpn::sim
