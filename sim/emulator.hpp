#pragma once
// The emulator's run loop: the control plane (cp::Network), the backbone
// (every router's real fast path, link models), the hosts of every site and
// their workloads, and a timeline of events, in virtual time (deterministic:
// the same seed gives the same report, frame for frame, as fast as the CPU
// allows) or in real time (the clock follows the wall clock).
//
// One step: t = the earliest of (next host action, next link arrival, next
// event); the backbone advances to t (delivering only what arrives at t);
// events and host actions due at t run; the backbone settles (routers
// forward, links take what was sent); the hosts read what reached them,
// stamped with t. See docs/emulator.md.

#include <rte_mempool.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "contract/result.hpp"
#include "controlplane/pseudowire.hpp"
#include "controlplane/topology.hpp"
#include "dataplane/rcu.hpp"
#include "sim/backbone.hpp"
#include "sim/oam_report.hpp"
#include "sim/router_counters.hpp"
#include "sim/step_profile.hpp"

namespace l2vpn::cp {
class Network;
}

namespace l2vpn::sim {

// ------------------------------------------------------------ events
enum class EventKind : uint8_t {
  link_down, link_up, router_down, router_up, service_remove, service_add, mac_flood
};
std::string_view to_string(EventKind k);

struct EventSpec {
  uint64_t at_ns = 0;
  EventKind kind = EventKind::link_down;
  std::string a, b;     // link ends; router; service; site (mac-flood)
  uint64_t count = 0;   // mac-flood: frames
  std::string text;     // as given
};

// "0.3s link-down p1:p2", "300ms router-up p2", "1s service-remove cache",
// "1s service-add cache", "0.5s mac-flood dc1-cache 5000". Units: ns, us,
// ms, s. Names are checked against the topology by the emulator.
Result<EventSpec> parse_event(std::string_view text);
// The forms Emulator::inject takes (an event without its time).
inline constexpr const char* kInjectForms =
    "link-down A:B, link-up A:B, router-down R, router-up R, service-remove S, service-add S, mac-flood SITE N";
// "1s", "250ms", "10us", "5ns", "0.5" (seconds) -> nanoseconds.
Result<uint64_t> parse_duration(std::string_view text);

// ------------------------------------------------------------ options
struct Workload {
  unsigned hosts_per_site = 2;
  // Hosts ARP for their peers; data starts after this, or after three times
  // the longest PE-to-PE delay if that is later.
  uint64_t warmup_ns = 20'000'000;
  // memcached (every VPLS with two sites or more): the server is the first
  // host of the first site, every host of the other sites is a client.
  double memcached_rps = 2000;  // requests per second per client (Poisson)
  double memcached_set_ratio = 0.1;
  double memcached_hit_ratio = 0.9;
  uint32_t memcached_value_cap = 16384;  // bytes; larger responses span datagrams
  double memcached_service_us = 20;      // server think time (mean, exponential)
  // redis: master = last host of the second site, replica = last host of
  // the last site; one steady bulk stream of fixed-size frames.
  double redis_mbps = 100;
  uint32_t redis_frame_bytes = 1400;
  // IMIX 7:4:1 of 64/570/1518-byte frames (with FCS), both ways on every VPWS.
  double imix_pps = 5000;
  bool imix_on_vpls = false;  // also between the first hosts of a VPLS's first two sites
  // Every host ARPs (broadcast) for its peers, one every `arp_interval`.
  uint64_t arp_interval_ns = 100'000'000;
};

// The longest run: the report keeps every frame's send time and every
// receiver's bitmap, so memory grows with the duration (Emulator::create
// refuses more).
inline constexpr uint64_t kMaxDurationNs = 1000'000'000'000ULL;  // 1000 s

struct EmulatorOptions {
  uint64_t seed = 1;
  uint64_t duration_ns = 1'000'000'000;  // traffic runs [0, duration), then the network drains
  bool real_time = false;
  Workload workload;
  std::vector<EventSpec> events;
  // Failure detection + SPF + LDP: after a link/router event the routers see
  // their ports at once (local repair), the recomputed tables arrive this
  // much later. 0: at once.
  uint64_t control_plane_delay_ns = 50'000'000;
  // false: strip every LFA backup from the tables, so a failure is repaired
  // only by the recomputation.
  bool lfa = true;
  // Called about every 200 ms of wall time with (now, duration), both modes.
  std::function<void(uint64_t, uint64_t)> progress;
  // run(): the timeline must fit in the duration (an event after the end,
  // a MAC flood outlasting it, is refused). `l2vpn run` serves until
  // stopped: its events may come at any time (false).
  bool timeline_within_duration = true;
  // PE access ports bound to real interfaces (`l2vpn run`): no emulated
  // host attaches there; serve() polls them.
  RealPortMap real_ports;
  // LSP ping and trace actions (sim/oam_agent.hpp); with any, every router
  // runs an OAM responder.
  std::vector<OamActionSpec> oam;
  BfdPwOptions bfd_pw;  // BFD on every PW with the control word (sim/oam_agent.hpp)
  // run() adds where its time went (bench/sim_job_bench); nullptr: not measured.
  StepProfile* profile = nullptr;
};

// ------------------------------------------------------------ report
struct ServiceRow {
  std::string kind, name, state;
  uint64_t flows = 0;
  uint64_t sent = 0;      // tracked frames sent
  uint64_t expected = 0;  // deliveries expected (a broadcast counts once per receiving host)
  uint64_t received = 0, lost = 0, duplicated = 0, reordered = 0, misdelivered = 0;
  uint64_t unresolved = 0;  // frames a host did not send: peer's MAC unresolved
  uint64_t flood_seen = 0;  // unicast frames for another MAC seen at the service's sites
  double latency_p50_us = 0, latency_p99_us = 0, latency_max_us = 0, latency_min_us = 0;
};

struct EventRow {
  double at_ms = 0;
  std::string event;  // as given
  std::string kind;
  // What the control plane changed (when it recomputed).
  double applied_at_ms = -1;
  uint64_t routers_changed = 0, entries_changed = 0, pw_changes = 0;
  // Frames sent from this event to the next (or the end) that never arrived.
  uint64_t lost = 0;
  uint64_t flows_hit = 0;
  // CSIT's blocked time: lost frames / offered rate, over the flows hit.
  double outage_ms = 0;
  // Send times of the first and last frame lost in the window.
  double first_loss_ms = -1, last_loss_ms = -1;
  uint64_t frames = 0;  // mac-flood: frames sent
  // Copies delivered twice across an H-VPLS spoke switchover this event
  // caused (sent before the MTU-s changed hubs, received after it).
  uint64_t duplicated_at_switchover = 0;
};

struct LinkRow {
  std::string from, to;
  uint64_t frames = 0, bytes = 0;
  double utilisation = 0;  // busy time / duration
  uint64_t queue_drops = 0, loss_drops = 0, down_drops = 0;
};

// Flooding per VPLS instance and ingress PE: the broadcast/unknown-unicast
// frames the PE's sites sent into the instance (ARP requests, mac-flood
// frames) and the backbone bytes they cost under each BUM mode, from the
// LSPs and trees of the intact network (sim/flood_cost.hpp, docs/emulator.md).
struct FloodRow {
  std::string service, pe;
  std::string mode;  // what the instance ran: "ingress_replication" or "p2mp_tree"
  uint64_t frames = 0;
  uint64_t bytes = 0;  // the frames as the PW carries them (no FCS, no service VLAN tag)
  uint32_t peers = 0;       // PEs each frame goes to
  uint32_t ir_links = 0;    // links one frame crosses under ingress replication
  uint32_t tree_edges = 0;  // edges of the P2MP tree rooted at the PE
  uint64_t ingress_replication_bytes = 0, p2mp_tree_bytes = 0;
  // Dataplane cross-check (ingress replication only, else 0): frames the PE
  // flooded from its sites to a mesh PW (the most over its mesh PWs).
  uint64_t pe_flooded = 0;
};

struct FlowRow {
  uint32_t id = 0;
  std::string kind, service, src, dst;  // dst "*" for broadcast
  uint64_t sent = 0, expected = 0, received = 0, lost = 0, duplicated = 0, reordered = 0,
           misdelivered = 0;
  double latency_min_us = 0, latency_max_us = 0;
};

struct Totals {
  uint64_t sent = 0, expected = 0, received = 0, lost = 0, duplicated = 0, reordered = 0,
           misdelivered = 0, unresolved = 0;
  uint64_t lost_outside_events = 0;  // lost before the first event (should be 0)
  // Part of `duplicated`: copies of spoke switchovers (EventRow), the one
  // duplication a correct network shows (RFC 6718); the rest fail the run.
  uint64_t duplicated_at_switchover = 0;
  uint64_t arp_requests = 0, arp_replies = 0, stray_frames = 0, unknown_trailers = 0;
  uint64_t packet_hops = 0;  // frames routers took from their ports
  uint64_t pw_down_at_end = 0;
  // Part of pw_down_at_end: PWs whose ends disagree (mtu_mismatch,
  // type_mismatch). No event explains them: the run is not ok.
  uint64_t pw_misconfigured_at_end = 0;
};

struct Report {
  std::string topology;
  uint64_t seed = 0;
  double duration_ms = 0;  // traffic
  double end_ms = 0;       // virtual time when the network had drained (or the run stopped)
  // false: frames were still queued or on the wires 60 s after the traffic
  // stopped (a link far too slow for its load); they count as lost.
  bool drained = true;
  double warmup_ms = 0;  // when the data generators started (ARP first)
  bool real_time = false;
  bool lfa = true;
  double control_plane_delay_ms = 0;
  std::vector<ServiceRow> services;
  std::vector<EventRow> events;
  std::vector<LinkRow> links;
  std::vector<FloodRow> flooding;
  std::vector<FlowRow> flows;
  std::map<std::string, uint64_t> router_drops;  // by reason, all routers
  std::vector<RouterRow> routers;                // per router (router_counters.hpp)
  Totals totals;
  std::vector<OamResult> oam;  // the lsp-ping and lsp-trace actions, in the scenario's order
  std::vector<BfdPwRow> bfd;   // BFD over PWs (when enabled), per PW end
  std::vector<std::string> publish_errors;  // tables BFD's PW changes could not publish (none expected)
  // Stopped before its end (a signal): the report covers [0, cut_at_ms).
  bool cut_short = false;
  double cut_at_ms = 0;
  // Not in the JSON (they differ run to run).
  double wall_seconds = 0;
  // Every frame delivered once to where it was meant, nothing lost outside
  // an event's window, the network drained, and something was sent when
  // there were flows to send.
  bool ok() const;
  // Why not ok(), one reason a line ("" when ok).
  std::string problems() const;
};

std::string to_json(const Report& r, int indent = 2);
std::string format_report(const Report& r);  // tables for a terminal

// What serve() reports while it runs: an event was applied at its time
// (local repair), or its recomputed tables arrived (applied_at_ms >= 0).
using EventHook = std::function<void(const EventRow&, bool recomputed)>;

// ------------------------------------------------------------ emulator
class Emulator {
 public:
  // Builds the network and everything on it; EAL must be up.
  static Result<std::unique_ptr<Emulator>> create(const cp::Topology& topo, EmulatorOptions options,
                                                  rte_mempool* pool, dp::Rcu& rcu);
  ~Emulator();
  // Runs the workload and the events to the end, drains, reports. When
  // `stop` becomes true (SIGINT in `l2vpn sim`) it stops at once: the frames
  // already on the wires arrive, nothing more is sent, and the report so far
  // comes back with cut_short set.
  Result<Report> run(const std::atomic<bool>* stop = nullptr);

  // `l2vpn run`: real time until `stop` is set. Polls the real ports all
  // the time (a short pause only once nothing came in for a while and no
  // arrival or task is due), delivers link arrivals when the wall clock
  // reaches them, fires timeline and injected events. With `workload`, the
  // emulated hosts (at sites without a real interface) run their workload
  // for options.duration. Reports what a run() report would (the tracked
  // frames are the emulated hosts' only).
  Result<Report> serve(const std::atomic<bool>& stop, bool workload = false,
                       EventHook on_event = {});

  // Thread-safe (a DPDK telemetry callback calls it): parses an event
  // without its time ("link-down p1:p2", "router-up p2", "service-remove S",
  // "mac-flood SITE N"), checks its names and queues it; the run loop fires
  // it at its next step, as it fires timeline events. Returns the emulator
  // time (ms) at which it was queued.
  // An event that would change nothing (link-down of a link that is down,
  // or will be once the queued events fire) is refused with the reason.
  Result<double> inject(std::string_view text);
  // Events queued by inject() and not fired yet.
  size_t injected_pending() const;

  // What it runs on, for the caller's outputs (packet captures before run(),
  // the load drawing after it); valid while the emulator lives. Captures
  // (sim/capture.hpp) must be closed before the emulator is destroyed.
  Backbone& backbone();
  const cp::Network& network() const;
  // The PW ends as the control plane computed them, with those BFD holds
  // down (RFC 5885) down for "bfd_down": what the routers' tables say.
  // On the emulator's thread (its event hook) or outside run().
  std::vector<cp::PwStatus> pseudowires() const;

  struct Impl;

 private:
  Emulator() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace l2vpn::sim
