#include "sim/emulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <tuple>

#include "controlplane/network.hpp"
#include "dataplane/counters.hpp"
#include "sim/backbone.hpp"
#include "sim/flood_cost.hpp"
#include "sim/hosts.hpp"
#include "sim/oam_agent.hpp"
#include "sim/path_bounds.hpp"
#include "sim/traffic.hpp"

namespace l2vpn::sim {

namespace {

constexpr uint16_t kMemcachedPort = 11211;
constexpr uint16_t kRedisPort = 6379;
constexpr uint16_t kDiscardPort = 9;
constexpr size_t kMemcachedUdpHeader = 8;
// memcached's UDP datagrams carry at most 1400 bytes of payload (header included).
constexpr size_t kMemcachedDatagram = 1400 - kTrailerLen;
constexpr uint64_t kMacFloodGapNs = 10'000;  // 100,000 frames per second
constexpr uint64_t kAgeIntervalNs = 1'000'000'000;
// Tracker::retire: every 100 ms of virtual time, the frames sent more than
// 2 s + twice the in-flight bound ago (memory independent of the duration).
constexpr uint64_t kRetireEveryNs = 100'000'000;
constexpr uint64_t kRetireAfterNs = 2'000'000'000;

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double ms(uint64_t ns) { return double(ns) / 1e6; }
double us(uint64_t ns) { return double(ns) / 1e3; }

// Bytes of IPv4 + UDP + trailer around a payload, and the MAC header.
constexpr size_t kIpUdpTrailer = 20 + 8 + kTrailerLen;
size_t l2_len(const Host& h) { return 14 + (h.vlan ? 4 : 0); }

}  // namespace

// ------------------------------------------------------------ parsing
std::string_view to_string(EventKind k) {
  switch (k) {
    case EventKind::link_down: return "link-down";
    case EventKind::link_up: return "link-up";
    case EventKind::router_down: return "router-down";
    case EventKind::router_up: return "router-up";
    case EventKind::service_remove: return "service-remove";
    case EventKind::service_add: return "service-add";
    case EventKind::mac_flood: return "mac-flood";
  }
  return "?";
}

Result<uint64_t> parse_duration(std::string_view text) {
  // The unit is the trailing letters; the rest is a number (1.5, 1e3).
  size_t i = text.size();
  while (i > 0 && std::isalpha(static_cast<unsigned char>(text[i - 1]))) --i;
  const std::string number(text.substr(0, i));
  const std::string_view unit = text.substr(i);
  char* end = nullptr;
  const double v = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  const bool is_number = !number.empty() && end && !*end && std::isfinite(v) &&
                         number.find_first_of("xXpP") == std::string::npos;  // no hex floats
  if (is_number && v < 0) return Error{fmt::format("'{}': a time cannot be negative", text)};
  double scale;
  if (unit == "s" || unit.empty()) scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else return Error{fmt::format("'{}': unknown time unit '{}' (ns, us, ms, s)", text, unit)};
  if (!is_number) return Error{fmt::format("'{}': not a time (e.g. 1s, 250ms, 10us)", text)};
  if (v * scale > 1.8e19) return Error{fmt::format("'{}': too large", text)};
  return uint64_t(std::llround(v * scale));
}

Result<EventSpec> parse_event(std::string_view text) {
  std::vector<std::string> words;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  auto bad = [&](std::string_view why) {
    return Error{fmt::format(
        "event '{}': {} (forms: 'TIME link-down A:B', 'TIME link-up A:B', 'TIME router-down R', "
        "'TIME router-up R', 'TIME service-remove S', 'TIME service-add S', "
        "'TIME mac-flood SITE FRAMES')",
        text, why)};
  };
  if (words.size() < 3) return bad("too few words");
  EventSpec e;
  e.text = std::string(text);
  auto at = parse_duration(words[0]);
  if (!at) return bad(at.error().message);
  e.at_ns = *at;
  const std::string& verb = words[1];
  size_t want = 3;
  if (verb == "link-down" || verb == "link-up") {
    e.kind = verb == "link-down" ? EventKind::link_down : EventKind::link_up;
    auto ends = cp::parse_link_spec(words[2]);
    if (!ends) return bad(ends.error().message);
    e.a = ends->first;
    e.b = ends->second;
  } else if (verb == "router-down" || verb == "router-up") {
    e.kind = verb == "router-down" ? EventKind::router_down : EventKind::router_up;
    e.a = words[2];
  } else if (verb == "service-remove" || verb == "service-add") {
    e.kind = verb == "service-remove" ? EventKind::service_remove : EventKind::service_add;
    e.a = words[2];
  } else if (verb == "mac-flood") {
    e.kind = EventKind::mac_flood;
    e.a = words[2];
    want = 4;
    if (words.size() < 4) return bad("mac-flood needs a site and a frame count");
    auto [p, ec] = std::from_chars(words[3].data(), words[3].data() + words[3].size(), e.count);
    if (ec != std::errc() || p != words[3].data() + words[3].size() || e.count == 0 ||
        e.count > 10'000'000)
      return bad("frame count must be 1..10000000");
  } else {
    return bad(fmt::format("unknown event '{}'", verb));
  }
  if (words.size() != want) return bad("too many words");
  return e;
}

// ------------------------------------------------------------ the run
struct Emulator::Impl {
  EmulatorOptions opt;
  rte_mempool* pool = nullptr;
  dp::Rcu* rcu = nullptr;
  std::unique_ptr<cp::Network> net;
  std::unique_ptr<Backbone> bb;
  std::vector<ServiceInfo> services;
  std::vector<bool> removed;  // by service
  std::vector<uint64_t> unresolved;  // by service
  Tracker tracker;
  std::unique_ptr<Hosts> hosts;
  bool drained = true;        // run(): false when frames outlived the drain limit
  uint64_t max_path_ns = 0;  // a bound on any path's delay (sum of all link delays)
  std::vector<FloodPlan> flood_plans;  // the report's flooding costs, planned at setup
  std::unique_ptr<OamAgent> oam;       // lsp-ping/lsp-trace actions and the responders (or none)
  // H-VPLS spoke switchovers: an MTU-s's spoke PW to another hub came up
  // (the standby taking over, or the primary back). A frame flooded before
  // the switch can reach the MTU-s through the old hub and again through
  // the new one, in flight across it: RFC 6718's transient, not a fault.
  struct Switchover {
    std::string mtu_s;
    uint64_t at_ns = 0;
    const EventRow* row = nullptr;
  };
  std::vector<Switchover> switchovers;

  // The agenda: host actions, events, control-plane updates, in time order
  // (ties in the order they were scheduled: deterministic).
  struct Task {
    uint64_t t, order;
    std::function<void()> fn;
    bool operator>(const Task& o) const { return t != o.t ? t > o.t : order > o.order; }
  };
  std::priority_queue<Task, std::vector<Task>, std::greater<>> agenda;
  uint64_t order = 0;
  void at(uint64_t t, std::function<void()> fn) { agenda.push(Task{t, order++, std::move(fn)}); }
  // A task that schedules itself again holds a pointer to itself; one cut
  // short (a stop, serve mode) keeps that cycle, so the Impl breaks it.
  std::vector<std::shared_ptr<std::function<void()>>> recurring;
  std::shared_ptr<std::function<void()>> recurring_task() {
    return recurring.emplace_back(std::make_shared<std::function<void()>>());
  }
  ~Impl() {
    for (auto& f : recurring) *f = nullptr;
  }
  uint64_t now() const { return bb->now(); }

  // Workload state.
  std::vector<uint32_t> arp_flow;                 // by host
  std::vector<std::vector<uint32_t>> arp_peers;   // by host: whom it ARPs for, round robin
  std::vector<size_t> arp_next;                   // by host
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> mc_response_flow;  // (server, client)
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> host_by_ip;         // (service, ip)
  std::vector<uint16_t> mc_request_id;                                   // by host
  std::string buf;

  struct EventState {
    EventSpec spec;
    EventRow row;
    uint32_t service = UINT32_MAX;  // service events
    std::vector<uint32_t> links;    // link events
    uint32_t site = UINT32_MAX;     // mac-flood
  };
  // A deque: fire() and the recomputation hold pointers to rows, and
  // serve() appends injected events while earlier ones are in flight.
  std::deque<EventState> events;
  // inject() runs on another thread (telemetry): it reads only what never
  // changes after build (the topology copy, services, hosts' sites) and
  // hands resolved events over under the mutex.
  cp::Topology names;
  mutable std::mutex inject_mu;
  std::deque<EventState> injected;
  std::atomic<uint64_t> published_now{0};
  EventHook on_event;
  Result<EventState> resolve_one(const EventSpec& spec) const;
  void fire_injected();
  // What the events so far (fired or queued) made of the links, routers and
  // services, under inject_mu: an injected event that changes nothing (a
  // second link-down of a down link) is refused with the reason.
  std::vector<bool> link_down_now;
  std::set<std::string> router_down_now;
  std::vector<bool> service_removed_now;
  std::string unchanged_locked(const EventState& e);  // "" when it changes something
  void note_locked(const EventState& e);
  std::map<std::string, cp::VpwsService> saved_vpws;
  std::map<std::string, cp::VplsService> saved_vpls;

  Status build(const cp::Topology& topo);
  Status resolve_events();
  cp::NetworkState stripped(const cp::NetworkState& s) const;
  Status apply_diff(const cp::NetworkDiff& d, EventRow* row);
  // PW ends BFD holds down (RFC 5885; the agent's on_pw_state): (router,
  // peer, PW id), overlaid on the control plane's state in what routers
  // get (published) and in the report's PW states (pw_view).
  std::set<std::tuple<std::string, std::string, uint32_t>> bfd_down;
  std::vector<std::string> publish_errors;
  ForwardingState published(const ForwardingState& fs) const;
  std::vector<cp::PwStatus> pw_view() const;
  void fire(EventState& e);
  void schedule_workload();
  void on_udp(const UdpDelivery& u);
  bool send(uint32_t from, uint32_t to, uint16_t sport, uint16_t dport, uint32_t flow);
  void step(uint64_t t);
  Report report(double wall) const;
  // Event windows: a frame sent from `max_path_ns` before an event belongs
  // to it (it may have been on the failed wire). Each window's start.
  EventWindows window_starts() const {
    EventWindows w;
    for (auto& e : events) {
      w.start.push_back(e.spec.at_ns > max_path_ns ? e.spec.at_ns - max_path_ns : 0);
      w.at.push_back(e.spec.at_ns);
    }
    return w;
  }
  void run_agenda(uint64_t t);
  void step_profiled(uint64_t t);
  void flooding(Report& r) const;
};

Emulator::~Emulator() = default;

Result<std::unique_ptr<Emulator>> Emulator::create(const cp::Topology& topo,
                                                   EmulatorOptions options, rte_mempool* pool,
                                                   dp::Rcu& rcu) {
  std::unique_ptr<Emulator> e(new Emulator());
  e->impl_ = std::make_unique<Impl>();
  e->impl_->opt = std::move(options);
  e->impl_->pool = pool;
  e->impl_->rcu = &rcu;
  if (auto st = e->impl_->build(topo); !st) return st.error();
  return e;
}

Backbone& Emulator::backbone() { return *impl_->bb; }
const cp::Network& Emulator::network() const { return *impl_->net; }
std::vector<cp::PwStatus> Emulator::pseudowires() const { return impl_->pw_view(); }

cp::NetworkState Emulator::Impl::stripped(const cp::NetworkState& s) const {
  cp::NetworkState out = s;
  if (!opt.lfa)
    for (auto& [name, fs] : out.routers)
      for (auto& n : fs.nhlfes) n.backup_nhlfe.reset();
  return out;
}

Status Emulator::Impl::build(const cp::Topology& topo) {
  // The report keeps every frame's send time and every receiver's bitmap:
  // memory grows with the duration, so it has a ceiling (issue 14, failure 8).
  if (opt.duration_ns > kMaxDurationNs)
    return Error{fmt::format("duration {} s is above the maximum of {} s (the report keeps every frame's "
                             "send time: memory grows with the duration)",
                             double(opt.duration_ns) / 1e9, kMaxDurationNs / 1'000'000'000)};
  auto n = cp::Network::create(topo);
  if (!n) return n.error();
  net = std::move(*n);
  const cp::Topology& t = net->topology();
  names = t;
  auto b = Backbone::build(t, stripped(net->state()), *rcu, opt.seed, opt.real_ports);
  if (!b) return b.error();
  bb = std::move(*b);
  for (auto& r : bb->routers()) {
    r->clock().set_manual(0);
    r->set_replica_pool(pool);
  }
  // The routers' clocks (MAC learning, flood rate limit) follow the virtual
  // time: the backbone sets a router's clock to the time of the frames it
  // is about to forward, only for routers that run (not all 754 of Kdl at
  // every step).
  bb->set_virtual_clocks(true);
  services = list_services(t);
  removed.assign(services.size(), false);
  unresolved.assign(services.size(), 0);
  hosts = std::make_unique<Hosts>(t, services, *bb, pool, std::max(1u, opt.workload.hosts_per_site),
                                  tracker);
  for (auto& h : hosts->hosts()) host_by_ip[{h.service, h.ip}] = h.id;
  // Event windows reach back by the in-flight bound; data starts after the
  // hosts' ARP round trips over the paths frames really take (IGP metric,
  // H-VPLS through the hubs), once the last host's first requests are out
  // (host i sends them from i x 10 us, 1 us apart: schedule_workload).
  // sim/path_bounds.hpp.
  {
    const PathBounds pb = compute_path_bounds(t);
    max_path_ns = pb.in_flight_ns;
    size_t most_peers = 0;
    for (uint32_t svc = 0; svc < services.size(); ++svc)
      most_peers = std::max(most_peers, hosts->service_hosts(svc).size());
    const uint64_t last_request = uint64_t(hosts->hosts().size()) * 10'000 + most_peers * 1000;
    opt.workload.warmup_ns =
        std::max(opt.workload.warmup_ns, last_request + 3 * pb.longest_service_path_ns + 5'000'000);
  }
  mc_request_id.assign(hosts->hosts().size(), 0);
  for (auto& v : t.vpws) saved_vpws[v.name] = v;
  for (auto& v : t.vpls) saved_vpls[v.name] = v;
  auto fp = plan_flood_costs(t, net->state());
  if (!fp) return fp.error();
  flood_plans = std::move(*fp);
  if (!opt.oam.empty() || opt.bfd_pw.enabled) {
    auto a = OamAgent::create(*bb, t, pool, opt.oam, [this](uint64_t when, std::function<void()> fn) {
      at(std::max(when, now()), std::move(fn));
    }, opt.bfd_pw, opt.duration_ns);
    if (!a) return a.error();
    oam = std::move(*a);
    // RFC 5885: BFD takes the PW down and brings it back; the router's
    // tables are republished with the overlay at once (no control-plane
    // delay: the PE's own decision).
    oam->on_pw_state([this](const std::string& router, const std::string& peer, uint32_t pw_id, bool up) {
      if (up) bfd_down.erase({router, peer, pw_id});
      else bfd_down.insert({router, peer, pw_id});
      const ForwardingState* fs = net->state().router(router);
      dp::Router* r = bb->router(router);
      if (!fs || !r) return;
      if (auto st = r->update(published(*fs)); !st) publish_errors.push_back(st.error().message);
      r->reclaim();
    });
  }
  return resolve_events();
}

Result<Emulator::Impl::EventState> Emulator::Impl::resolve_one(const EventSpec& spec) const {
  const cp::Topology& t = names;
  auto service_index = [&](const std::string& name) {
    for (uint32_t i = 0; i < services.size(); ++i)
      if (services[i].name == name) return i;
    return UINT32_MAX;
  };
  EventState e;
  e.spec = spec;
  e.row.at_ms = ms(spec.at_ns);
  e.row.event = spec.text.empty() ? fmt::format("{} {} {}", ms(spec.at_ns), to_string(spec.kind), spec.a)
                                  : spec.text;
  e.row.kind = std::string(to_string(spec.kind));
  switch (spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up:
      for (uint32_t i = 0; i < t.links.size(); ++i) {
        auto& l = t.links[i];
        if ((l.a == spec.a && l.b == spec.b) || (l.a == spec.b && l.b == spec.a)) e.links.push_back(i);
      }
      if (e.links.empty())
        return Error{fmt::format("event '{}': no link between '{}' and '{}'", e.row.event, spec.a, spec.b)};
      break;
    case EventKind::router_down:
    case EventKind::router_up:
      if (!t.find_router(spec.a))
        return Error{fmt::format("event '{}': no router '{}'", e.row.event, spec.a)};
      break;
    case EventKind::service_remove:
    case EventKind::service_add:
      e.service = service_index(spec.a);
      if (e.service == UINT32_MAX)
        return Error{fmt::format("event '{}': no service '{}'", e.row.event, spec.a)};
      break;
    case EventKind::mac_flood: {
      for (uint32_t i = 0; i < t.sites.size(); ++i)
        if (t.sites[i].name == spec.a) e.site = i;
      if (e.site == UINT32_MAX)
        return Error{fmt::format("event '{}': no site '{}'", e.row.event, spec.a)};
      bool hosted = false;
      for (auto& s : hosts->sites()) hosted |= s.site == e.site;
      if (!hosted)
        return Error{fmt::format("event '{}': site '{}' is in no service{}", e.row.event, spec.a,
                                 t.sites[e.site].interface.empty() || !opt.real_ports.size()
                                     ? ""
                                     : " with emulated hosts (it is bound to a real interface)")};
      break;
    }
  }
  return e;
}

Status Emulator::Impl::resolve_events() {
  std::vector<EventSpec> specs = opt.events;
  std::stable_sort(specs.begin(), specs.end(),
                   [](const EventSpec& a, const EventSpec& b) { return a.at_ns < b.at_ns; });
  // A timeline that cannot run as written is refused, not cut off: an event
  // after the end, a MAC flood that would outlast the traffic, a service
  // added while present or removed while absent (issue 14, failures 8, 9).
  std::vector<std::string> errors;
  std::set<std::string> absent;  // services removed so far along the timeline
  const std::string end_text = fmt::format("{} ms", ms(opt.duration_ns));
  for (auto& spec : specs) {
    auto e = resolve_one(spec);
    if (!e) {
      errors.push_back(e.error().message);
      continue;
    }
    const std::string& name = e->row.event;
    if (opt.timeline_within_duration && spec.at_ns > opt.duration_ns)
      errors.push_back(fmt::format("event '{}': at {} ms, after the end of the traffic ({}): it would never act",
                                   name, ms(spec.at_ns), end_text));
    if (opt.timeline_within_duration && spec.kind == EventKind::mac_flood && spec.at_ns <= opt.duration_ns &&
        spec.at_ns + spec.count * kMacFloodGapNs > opt.duration_ns)
      errors.push_back(fmt::format(
          "event '{}': {} frames at 100,000 per second end at {} ms, after the end of the traffic ({}); "
          "at most {} frames fit",
          name, spec.count, ms(spec.at_ns + spec.count * kMacFloodGapNs), end_text,
          (opt.duration_ns - spec.at_ns) / kMacFloodGapNs));
    if (spec.kind == EventKind::service_add && !absent.erase(spec.a))
      errors.push_back(fmt::format("event '{}': service '{}' is already present (service-add follows a "
                                   "service-remove of it)", name, spec.a));
    if (spec.kind == EventKind::service_remove && !absent.insert(spec.a).second)
      errors.push_back(fmt::format("event '{}': service '{}' is already removed", name, spec.a));
    events.push_back(std::move(*e));
  }
  if (!errors.empty()) {
    std::string all;
    for (auto& m : errors) all += (all.empty() ? "" : "\n") + m;
    return Error{all};
  }
  return Status::success();
}

ForwardingState Emulator::Impl::published(const ForwardingState& fs) const {
  ForwardingState copy = fs;
  if (!opt.lfa)
    for (auto& n : copy.nhlfes) n.backup_nhlfe.reset();
  if (!bfd_down.empty())
    for (auto& pw : copy.pseudowires)
      if (pw.up && bfd_down.count({fs.router, pw.peer, pw.pw_id})) {
        pw.up = false;  // the LSP stays: BFD goes on over it (OamAgent::bfd_send)
        pw.down_reason = std::string(kPwDownBfd);
      }
  return copy;
}

std::vector<cp::PwStatus> Emulator::Impl::pw_view() const {
  std::vector<cp::PwStatus> out = net->state().pseudowires;
  for (auto& pw : out)
    if (pw.up && bfd_down.count({pw.router, pw.peer, pw.pw_id})) {
      pw.up = false;
      pw.down_reason = std::string(kPwDownBfd);
    }
  return out;
}

Status Emulator::Impl::apply_diff(const cp::NetworkDiff& d, EventRow* row) {
  const auto& state = net->state();
  for (auto& [name, rd] : d.routers) {
    auto* fs = state.router(name);
    auto* r = bb->router(name);
    if (!fs || !r) continue;  // a router that is down keeps its tables; its links are down
    if (auto st = r->update(published(*fs)); !st) return st;
  }
  for (auto& r : bb->routers()) r->reclaim();  // what earlier updates retired
  if (row) {
    row->applied_at_ms = ms(now());
    row->routers_changed += d.routers.size();
    row->entries_changed += d.size();
    row->pw_changes += d.pw_changes.size();
    for (auto& pc : d.pw_changes) {
      if (pc.kind != cp::PwKind::vpls_spoke || !pc.up) continue;
      for (auto& v : net->topology().vpls)
        for (auto& sp : v.spokes)
          if (v.name == pc.service && sp.mtu_s == pc.router) switchovers.push_back({pc.router, now(), row});
    }
  }
  return Status::success();
}

std::string Emulator::Impl::unchanged_locked(const EventState& e) {
  link_down_now.resize(names.links.size(), false);
  service_removed_now.resize(services.size(), false);
  switch (e.spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up: {
      const bool down = e.spec.kind == EventKind::link_down;
      for (auto l : e.links)
        if (link_down_now[l] != down) return "";
      return fmt::format("link {} -- {} is already {}", e.spec.a, e.spec.b, down ? "down" : "up");
    }
    case EventKind::router_down:
      return router_down_now.count(e.spec.a) ? fmt::format("router {} is already down", e.spec.a) : "";
    case EventKind::router_up:
      return router_down_now.count(e.spec.a) ? "" : fmt::format("router {} is up already", e.spec.a);
    case EventKind::service_remove:
      return service_removed_now[e.service] ? fmt::format("service {} is already removed", e.spec.a) : "";
    case EventKind::service_add:
      return service_removed_now[e.service] ? "" : fmt::format("service {} is there already", e.spec.a);
    case EventKind::mac_flood:
      return "";
  }
  return "";
}

void Emulator::Impl::note_locked(const EventState& e) {
  link_down_now.resize(names.links.size(), false);
  service_removed_now.resize(services.size(), false);
  switch (e.spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up:
      for (auto l : e.links) link_down_now[l] = e.spec.kind == EventKind::link_down;
      break;
    case EventKind::router_down: router_down_now.insert(e.spec.a); break;
    case EventKind::router_up: router_down_now.erase(e.spec.a); break;
    case EventKind::service_remove:
    case EventKind::service_add:
      service_removed_now[e.service] = e.spec.kind == EventKind::service_remove;
      break;
    case EventKind::mac_flood: break;
  }
}

void Emulator::Impl::fire(EventState& e) {
  {
    std::lock_guard lock(inject_mu);
    note_locked(e);
  }
  EventRow* row = &e.row;
  auto recompute = [this, row](std::function<Result<cp::NetworkDiff>()> change, uint64_t delay) {
    at(now() + delay, [this, row, change = std::move(change)] {
      auto d = change();
      if (!d) {
        row->kind += fmt::format(" (control plane: {})", d.error().message);
        return;
      }
      if (auto st = apply_diff(*d, row); !st) row->kind += fmt::format(" (apply: {})", st.error().message);
      if (on_event) on_event(*row, true);
    });
  };
  const uint64_t delay = opt.control_plane_delay_ns;
  switch (e.spec.kind) {
    case EventKind::link_down:
    case EventKind::link_up: {
      const bool up = e.spec.kind == EventKind::link_up;
      // The wire and both ports change at once: the routers' LFAs act now,
      // the recomputed tables arrive after the control-plane delay.
      for (auto l : e.links) bb->set_link_up(l, up);
      auto links = e.links;
      recompute(
          [this, links, up]() -> Result<cp::NetworkDiff> {
            cp::NetworkDiff all;
            for (auto l : links) {
              auto d = up ? net->link_up(l) : net->link_down(l);
              if (!d) return d.error();
              for (auto& [k, v] : d->routers) all.routers[k] = v;
              all.pw_changes.insert(all.pw_changes.end(), d->pw_changes.begin(), d->pw_changes.end());
            }
            return all;
          },
          delay);
      break;
    }
    case EventKind::router_down:
    case EventKind::router_up: {
      const bool up = e.spec.kind == EventKind::router_up;
      bb->set_router_up(e.spec.a, up);
      const std::string name = e.spec.a;
      recompute([this, name, up] { return up ? net->router_up(name) : net->router_down(name); }, delay);
      break;
    }
    case EventKind::service_remove:
    case EventKind::service_add: {
      // Configuration: no failure to detect, applied at once.
      const bool add = e.spec.kind == EventKind::service_add;
      const uint32_t svc = e.service;
      const std::string name = e.spec.a;
      const bool vpws = services[svc].kind == "vpws";
      recompute(
          [this, svc, name, add, vpws]() -> Result<cp::NetworkDiff> {
            Result<cp::NetworkDiff> d = Error{""};
            if (add) d = vpws ? net->add_vpws(saved_vpws.at(name)) : net->add_vpls(saved_vpls.at(name));
            else d = vpws ? net->remove_vpws(name) : net->remove_vpls(name);
            if (d) removed[svc] = !add;
            return d;
          },
          0);
      break;
    }
    case EventKind::mac_flood: {
      const uint32_t site = e.site;
      auto rng = std::make_shared<Rng>(opt.seed, 0x3ac0000 + e.spec.at_ns);
      auto left = std::make_shared<uint64_t>(e.spec.count);
      auto burst = recurring_task();
      *burst = [this, site, rng, left, row, burst] {
        const uint64_t r = rng->next();
        const MacAddr src{0x02, 0xff, uint8_t(r), uint8_t(r >> 8), uint8_t(r >> 16), uint8_t(r >> 24)};
        const MacAddr dst{0x02, 0xfe, uint8_t(r >> 32), uint8_t(r >> 40), uint8_t(r >> 48), uint8_t(r >> 56)};
        if (hosts->send_raw(site, dst, src, 0x88b5, 46)) ++row->frames;
        if (--*left) at(now() + kMacFloodGapNs, *burst);
        else *burst = nullptr;  // break the cycle
      };
      at(now(), *burst);
      break;
    }
  }
  if (on_event) on_event(e.row, false);
}

void Emulator::Impl::fire_injected() {
  std::deque<EventState> todo;
  {
    std::lock_guard lock(inject_mu);
    todo.swap(injected);
  }
  for (auto& e : todo) {
    // Fired now: its time is the step's, whatever it was when queued.
    e.spec.at_ns = now();
    e.row.at_ms = ms(now());
    events.push_back(std::move(e));
    fire(events.back());
  }
}

bool Emulator::Impl::send(uint32_t from, uint32_t to, uint16_t sport, uint16_t dport, uint32_t flow) {
  if (!hosts->resolved(from, to)) {
    ++unresolved[hosts->host(from).service];
    return false;
  }
  return hosts->send_udp(from, to, sport, dport, reinterpret_cast<const uint8_t*>(buf.data()),
                         buf.size(), flow);
}

void Emulator::Impl::schedule_workload() {
  const Workload& w = opt.workload;
  const uint64_t end = opt.duration_ns;
  auto& hs = hosts->hosts();
  arp_flow.resize(hs.size());
  arp_peers.resize(hs.size());
  arp_next.assign(hs.size(), 0);
  std::vector<std::vector<uint32_t>> data_peers(hs.size());

  // Broadcast (ARP) flows: every host of the service at another site must see them.
  for (auto& h : hs) {
    std::vector<uint32_t> rx;
    for (auto id : hosts->service_hosts(h.service))
      if (hs[id].site != h.site) rx.push_back(id);
    arp_flow[h.id] = tracker.add_flow(FlowKind::arp, h.service, h.id, -1, rx);
    arp_peers[h.id] = rx;
  }

  for (uint32_t svc = 0; svc < services.size(); ++svc) {
    // Hosts of the service grouped by site, in the service's site order.
    std::vector<std::vector<uint32_t>> by_site;
    for (auto site : services[svc].sites) {
      std::vector<uint32_t> v;
      for (auto& s : hosts->sites())
        if (s.site == site && !s.hosts.empty() && hs[s.hosts[0]].service == svc) v = s.hosts;
      if (!v.empty()) by_site.push_back(v);
    }
    if (by_site.size() < 2) continue;
    const uint32_t mtu = services[svc].mtu;
    const bool vpls = services[svc].kind == "vpls";

    if (vpls && w.memcached_rps > 0) {
      const uint32_t server = by_site[0][0];
      for (size_t k = 1; k < by_site.size(); ++k)
        for (uint32_t client : by_site[k]) {
          const uint32_t req = tracker.add_flow(FlowKind::memcached_request, svc, client, server, {server});
          mc_response_flow[{server, client}] =
              tracker.add_flow(FlowKind::memcached_response, svc, server, client, {client});
          data_peers[client].push_back(server);
          auto rng = std::make_shared<Rng>(opt.seed, 0x10000 + client);
          auto tick = recurring_task();
          *tick = [this, client, server, req, rng, tick, end, mtu, &w] {
            const uint64_t key = rng->below(100'000);
            const uint32_t ksize = etc_key_size(*rng);
            std::string k = fmt::format("key:{:06}:", key);
            if (k.size() < ksize) k.append(ksize - k.size(), 'k');
            const uint16_t id = mc_request_id[client]++;
            buf.assign(kMemcachedUdpHeader, '\0');
            buf[0] = char(id >> 8);
            buf[1] = char(id);
            buf[5] = 1;  // datagrams in this message
            if (rng->chance(w.memcached_set_ratio)) {
              // A SET fits one datagram (memcached takes no multi-datagram requests).
              const size_t room = std::min<size_t>(kMemcachedDatagram, mtu - kIpUdpTrailer - 2) -
                                  kMemcachedUdpHeader - k.size() - 32;
              const uint32_t n = etc_value_size(*rng, uint32_t(room));
              buf += fmt::format("set {} 0 0 {}\r\n", k, n);
              buf.append(n, 'v');
              buf += "\r\n";
            } else {
              buf += fmt::format("get {}\r\n", k);
            }
            send(client, server, uint16_t(40000 + client % 20000), kMemcachedPort, req);
            const uint64_t next = now() + std::max<uint64_t>(1, uint64_t(rng->exponential(1e9 / w.memcached_rps)));
            if (next < end) at(next, *tick);
            else *tick = nullptr;
          };
          // Nothing starts after the end (a warm-up longer than the run sends no data).
          const uint64_t first = w.warmup_ns + rng->below(uint64_t(1e9 / w.memcached_rps));
          if (first < end) at(first, *tick);
          else *tick = nullptr;
        }
    }

    if (vpls && w.redis_mbps > 0) {
      const uint32_t master = by_site[1].back();
      const uint32_t replica = by_site.size() > 2 ? by_site.back().back() : by_site[0].back();
      const uint32_t flow = tracker.add_flow(FlowKind::redis_replication, svc, master, replica, {replica});
      data_peers[master].push_back(replica);
      const uint64_t gap = std::max<uint64_t>(1, uint64_t(double(w.redis_frame_bytes) * 8e3 / w.redis_mbps));
      const size_t l2 = l2_len(hs[master]);
      const size_t payload = w.redis_frame_bytes > l2 + kIpUdpTrailer
                                 ? std::min<size_t>(w.redis_frame_bytes - l2 - kIpUdpTrailer, mtu - kIpUdpTrailer)
                                 : 0;
      auto seq = std::make_shared<uint64_t>(0);
      auto tick = recurring_task();
      *tick = [this, master, replica, flow, gap, payload, seq, tick, end] {
        // The replication stream: RESP commands, cut into frames.
        const uint64_t n = (*seq)++;
        buf = fmt::format("*3\r\n$3\r\nSET\r\n$12\r\nrepl:{:07}\r\n${}\r\n", n % 10'000'000,
                          payload > 48 ? payload - 48 : 0);
        buf.resize(payload, 'r');
        send(master, replica, kRedisPort, 50000, flow);
        if (now() + gap < end) at(now() + gap, *tick);
        else *tick = nullptr;
      };
      const uint64_t first = w.warmup_ns + Rng(opt.seed, 0x20000 + svc).below(gap);
      if (first < end) at(first, *tick);
      else *tick = nullptr;
    }

    if ((!vpls || w.imix_on_vpls) && w.imix_pps > 0) {
      const uint32_t a = by_site[0][0], b = by_site[1][0];
      for (auto ends : {std::pair{a, b}, std::pair{b, a}}) {
        // Not a structured binding: clang 14 cannot capture one (fuzz/sanitizer build).
        const uint32_t from = ends.first, to = ends.second;
        const uint32_t flow = tracker.add_flow(FlowKind::imix, svc, from, to, {to});
        data_peers[from].push_back(to);
        auto rng = std::make_shared<Rng>(opt.seed, 0x30000 + from * 1000 + to);
        const uint64_t gap = std::max<uint64_t>(1, uint64_t(1e9 / w.imix_pps));
        const size_t l2 = l2_len(hs[from]);
        auto tick = recurring_task();
        *tick = [this, from, to, flow, rng, gap, l2, tick, end, mtu] {
          // 7:4:1 of 64, 570 and 1518 bytes on the wire (FCS included).
          const uint64_t pick = rng->below(12);
          const size_t wire = pick < 7 ? 64 : pick < 11 ? 570 : 1518;
          size_t payload = wire - 4 > l2 + kIpUdpTrailer ? wire - 4 - l2 - kIpUdpTrailer : 0;
          payload = std::min<size_t>(payload, mtu - kIpUdpTrailer);
          buf.assign(payload, '\0');
          send(from, to, kDiscardPort, kDiscardPort, flow);
          if (now() + gap < end) at(now() + gap, *tick);
          else *tick = nullptr;
        };
        const uint64_t first = w.warmup_ns + rng->below(gap);
        if (first < end) at(first, *tick);
        else *tick = nullptr;
      }
    }
  }

  // ARP: at start every host resolves its data peers; then each host sends
  // one request every arp_interval for its peers in turn (broadcast
  // background, and what keeps VPLS learning from real frames).
  for (auto& h : hs) {
    const uint32_t id = h.id;
    auto& peers = data_peers[id];
    std::sort(peers.begin(), peers.end());
    peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
    uint64_t t0 = uint64_t(id) * 10'000;
    for (auto p : peers) {
      at(t0, [this, id, p] { hosts->send_arp_request(id, p, arp_flow[id]); });
      t0 += 1000;
    }
    if (!peers.empty()) arp_peers[id] = peers;
    if (w.arp_interval_ns && !arp_peers[id].empty()) {
      auto tick = recurring_task();
      *tick = [this, id, tick, end, &w] {
        auto& peers = arp_peers[id];
        hosts->send_arp_request(id, peers[arp_next[id]++ % peers.size()], arp_flow[id]);
        if (now() + w.arp_interval_ns < end) at(now() + w.arp_interval_ns, *tick);
        else *tick = nullptr;
      };
      const uint64_t first = w.warmup_ns + Rng(opt.seed, 0x40000 + id).below(w.arp_interval_ns);
      if (first < end) at(first, *tick);
      else *tick = nullptr;
    }
  }

  // MAC aging on the control thread, on the virtual clock.
  auto age = recurring_task();
  *age = [this, age, end] {
    for (auto& r : bb->routers()) {
      r->clock().set_manual(now());
      r->age_macs();
    }
    if (now() + kAgeIntervalNs < end) at(now() + kAgeIntervalNs, *age);
    else *age = nullptr;
  };
  if (kAgeIntervalNs < end) at(kAgeIntervalNs, *age);
  else *age = nullptr;

  for (auto& e : events) at(e.spec.at_ns, [this, &e] { fire(e); });
  if (oam) oam->start();
}

void Emulator::Impl::on_udp(const UdpDelivery& u) {
  const Host& h = hosts->host(u.host);
  if (u.dst_port != kMemcachedPort || u.len < kMemcachedUdpHeader) return;
  // A memcached server: answer after its service time.
  auto client_it = host_by_ip.find({h.service, u.src_ip});
  if (client_it == host_by_ip.end()) return;
  auto flow_it = mc_response_flow.find({u.host, client_it->second});
  if (flow_it == mc_response_flow.end()) return;
  const uint32_t server = u.host, client = client_it->second, flow = flow_it->second;
  const uint16_t req_id = uint16_t(u.payload[0] << 8 | u.payload[1]);
  std::string_view cmd(reinterpret_cast<const char*>(u.payload + kMemcachedUdpHeader),
                       u.len - kMemcachedUdpHeader);
  std::string reply;
  if (cmd.starts_with("get ")) {
    const auto key = cmd.substr(4, cmd.find('\r') - 4);
    const uint64_t hkey = splitmix(std::hash<std::string_view>{}(key) ^ opt.seed);
    if (double(hkey % 1000) < opt.workload.memcached_hit_ratio * 1000) {
      // The value's size is a property of the key: the same key, the same size.
      Rng vr(hkey);
      const uint32_t n = etc_value_size(vr, opt.workload.memcached_value_cap);
      reply = fmt::format("VALUE {} 0 {}\r\n", key, n);
      reply.append(n, 'v');
      reply += "\r\nEND\r\n";
    } else {
      reply = "END\r\n";
    }
  } else if (cmd.starts_with("set ")) {
    reply = "STORED\r\n";
  } else {
    reply = "ERROR\r\n";
  }
  Rng think(opt.seed ^ splitmix(uint64_t(req_id) << 32 | client));
  const uint64_t delay = 1000 + uint64_t(think.exponential(opt.workload.memcached_service_us * 1000));
  const uint32_t mtu = services[h.service].mtu;
  at(now() + delay, [this, server, client, flow, req_id, reply = std::move(reply), mtu] {
    const size_t chunk = std::min<size_t>(kMemcachedDatagram, mtu - kIpUdpTrailer) - kMemcachedUdpHeader;
    const size_t total = (reply.size() + chunk - 1) / chunk;
    for (size_t i = 0; i < total; ++i) {
      buf.assign(kMemcachedUdpHeader, '\0');
      buf[0] = char(req_id >> 8);
      buf[1] = char(req_id);
      buf[2] = char(i >> 8);
      buf[3] = char(i);
      buf[4] = char(total >> 8);
      buf[5] = char(total);
      buf.append(reply, i * chunk, chunk);
      send(server, client, kMemcachedPort, uint16_t(40000 + client % 20000), flow);
    }
  });
}

void Emulator::Impl::step(uint64_t t) {
  if (opt.profile) return step_profiled(t);
  // The routers' clocks follow the frames they forward (set_virtual_clocks).
  bb->advance_to(t);
  auto cb = [this](const UdpDelivery& u) { on_udp(u); };
  hosts->receive(cb);
  run_agenda(t);
  // The OAM agent answers what the routers punted (and sends probes' replies on).
  do bb->settle();
  while (hosts->receive(cb) > 0 || (oam && oam->poll()));
}

void Emulator::Impl::run_agenda(uint64_t t) {
  while (!agenda.empty() && agenda.top().t <= t) {
    auto fn = std::move(const_cast<Task&>(agenda.top()).fn);
    agenda.pop();
    if (fn) fn();
  }
}

// step() with its time split between the backbone and the hosts.
void Emulator::Impl::step_profiled(uint64_t t) {
  StepProfile& p = *opt.profile;
  ++p.steps;
  uint64_t t0 = StepProfile::ticks();
  bb->advance_to(t);
  uint64_t t1 = StepProfile::ticks();
  p.backbone += t1 - t0;
  auto cb = [this](const UdpDelivery& u) { on_udp(u); };
  hosts->receive(cb);
  run_agenda(t);
  for (;;) {
    t0 = StepProfile::ticks();
    p.hosts += t0 - t1;
    bb->settle();
    t1 = StepProfile::ticks();
    p.backbone += t1 - t0;
    if (hosts->receive(cb) == 0 && !(oam && oam->poll())) break;
  }
  p.hosts += StepProfile::ticks() - t1;
}

Result<Report> Emulator::run(const std::atomic<bool>* stop) {
  Impl& m = *impl_;
  auto stopped = [stop] { return stop && stop->load(std::memory_order_relaxed); };
  bool cut = false;
  const auto wall0 = std::chrono::steady_clock::now();
  auto wall_ns = [&] {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - wall0)
                         .count());
  };
  m.schedule_workload();
  // After the traffic stops the network drains; nothing may take longer.
  const uint64_t limit = m.opt.duration_ns + 60'000'000'000ULL;
  uint64_t next_progress = 200'000'000;
  uint64_t next_retire = kRetireEveryNs;
  for (;;) {
    const uint64_t t_task = m.agenda.empty() ? UINT64_MAX : m.agenda.top().t;
    const uint64_t t = std::min(t_task, m.bb->next_arrival());
    if (t == UINT64_MAX) break;
    if (t > limit) {
      m.drained = false;
      break;
    }
    if (stopped()) {
      cut = true;
      break;
    }
    if (m.opt.real_time) {
      // Follow the wall clock: sleep while the next thing is far (at most
      // 50 ms at a time, to see a stop), spin when near.
      for (uint64_t w; (w = wall_ns()) < t && !stopped();) {
        if (t - w > 300'000)
          std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<uint64_t>(t - w - 200'000, 50'000'000)));
      }
      if (stopped()) {
        cut = true;
        break;
      }
    }
    m.step(std::max(t, m.now()));
    // Memory independent of the duration: what was sent long enough ago
    // that it has landed or is lost is counted and forgotten.
    if (m.now() >= next_retire) {
      if (m.now() > kRetireAfterNs + 2 * m.max_path_ns)
        m.tracker.retire(m.now() - kRetireAfterNs - 2 * m.max_path_ns, m.window_starts());
      next_retire = m.now() + kRetireEveryNs;
    }
    if (m.opt.progress && wall_ns() >= next_progress) {
      m.opt.progress(m.now(), m.opt.duration_ns);
      next_progress = wall_ns() + 200'000'000;
    }
  }
  const double cut_at = ms(m.now());
  // Cut short: what is on the wires arrives; no host or event acts any more.
  if (cut) {
    for (unsigned i = 0; i < 10'000'000; ++i) {
      while (!m.agenda.empty()) m.agenda.pop();
      const uint64_t t = m.bb->next_arrival();
      if (t == UINT64_MAX) break;
      m.step(std::max(t, m.now()));
    }
    while (!m.agenda.empty()) m.agenda.pop();
  }
  for (auto& r : m.bb->routers()) r->reclaim_all();
  const uint64_t report0 = StepProfile::ticks();
  Report r = m.report(double(wall_ns()) / 1e9);
  if (m.opt.profile) m.opt.profile->report += StepProfile::ticks() - report0;
  r.cut_short = cut;
  r.cut_at_ms = cut ? cut_at : 0;
  return r;
}

Result<double> Emulator::inject(std::string_view text) {
  Impl& m = *impl_;
  const uint64_t now = m.published_now.load(std::memory_order_relaxed);
  // parse_event wants a time: the event happens when the loop takes it.
  auto spec = parse_event(fmt::format("0s {}", text));
  if (!spec) {
    // Its message quotes the text with the "0s " we added and lists the
    // timeline's forms: keep only why, with the forms an injected event takes.
    const std::string& msg = spec.error().message;
    const auto p = msg.find("': "), q = msg.find(" (forms:");
    const std::string why = p != std::string::npos && q != std::string::npos && q > p
                                ? msg.substr(p + 3, q - p - 3)
                                : msg;
    return Error{fmt::format("event '{}': {} ({})", text, why, kInjectForms)};
  }
  spec->text = std::string(text);
  spec->at_ns = now;
  auto e = m.resolve_one(*spec);
  if (!e) return e.error();
  std::lock_guard lock(m.inject_mu);
  if (auto why = m.unchanged_locked(*e); !why.empty())
    return Error{fmt::format("event '{}': {}: nothing changes, nothing queued", text, why)};
  m.note_locked(*e);
  m.injected.push_back(std::move(*e));
  return ms(now);
}

size_t Emulator::injected_pending() const {
  std::lock_guard lock(impl_->inject_mu);
  return impl_->injected.size();
}

Result<Report> Emulator::serve(const std::atomic<bool>& stop, bool workload, EventHook on_event) {
  Impl& m = *impl_;
  m.on_event = std::move(on_event);
  const auto wall0 = std::chrono::steady_clock::now();
  auto wall_ns = [&] {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - wall0)
                        .count());
  };
  if (workload) {
    m.schedule_workload();
  } else {
    for (auto& e : m.events) m.at(e.spec.at_ns, [&m, &e] { m.fire(e); });
    if (m.oam) m.oam->start();
  }
  // MAC aging once a second for as long as it runs (the workload's own
  // aging task stops at the end of its duration).
  auto age = m.recurring_task();
  *age = [&m, age] {
    for (auto& r : m.bb->routers()) {
      r->clock().set_manual(m.now());
      r->age_macs();
    }
    m.at(m.now() + kAgeIntervalNs, *age);
  };
  m.at(kAgeIntervalNs, *age);
  // Busy polling while frames come; after this long without any, pause
  // between polls (a real frame then waits at most kIdlePause).
  constexpr uint64_t kBusyNs = 2'000'000;
  constexpr auto kIdlePause = std::chrono::microseconds(50);
  uint64_t last_frame = 0, next_progress = 200'000'000;
  while (!stop.load(std::memory_order_relaxed)) {
    const uint64_t w = std::max(wall_ns(), m.now());
    m.published_now.store(w, std::memory_order_relaxed);
    m.bb->advance_to(w);
    m.fire_injected();
    // Tasks due (events, control-plane updates, host actions), then what
    // they and the real ports put into the PEs.
    m.step(w);
    const unsigned n = m.bb->poll_real_ports();
    if (n) {
      last_frame = w;
      m.bb->settle();  // a zero-delay link's arrivals, at once
    }
    if (m.opt.progress && w >= next_progress) {
      m.opt.progress(w, m.opt.duration_ns);
      next_progress = w + 200'000'000;
    }
    if (n || w - last_frame < kBusyNs) continue;
    // Idle: pause unless an arrival or a task is due within the pause.
    const uint64_t t_task = m.agenda.empty() ? UINT64_MAX : m.agenda.top().t;
    const uint64_t next = std::min(t_task, m.bb->next_arrival());
    if (next > w + 100'000) std::this_thread::sleep_for(kIdlePause);
  }
  *age = nullptr;
  // Let what is on the wires arrive (real hosts get their last frames).
  m.bb->run_until_idle(100'000'000);
  m.on_event = nullptr;
  for (auto& r : m.bb->routers()) r->reclaim_all();
  return m.report(double(wall_ns()) / 1e9);
}

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
  for (auto& pw : pws)
    r.totals.pw_down_at_end += !pw.up && pw.down_reason != cp::pw_down::standby;

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
         (data_flows == 0 || sent > 0) && publish_errors.empty();
}

std::string Report::problems() const {
  std::string out;
  auto add = [&](std::string line) { out += line + "\n"; };
  if (auto [data_flows, sent] = data_sent(*this); data_flows && !sent)
    add(fmt::format("no data was sent: the traffic runs {:.3f} ms, data starts after a warm-up of {:.3f} ms "
                    "(ARP over the longest service path)",
                    duration_ms, warmup_ms));
  if (!drained)
    add(fmt::format("the network had not drained {:.3f} ms after the traffic stopped: frames still queued "
                    "(a link too slow for its load?) count as lost",
                    end_ms - duration_ms));
  if (totals.lost_outside_events) add(fmt::format("{} frames lost outside every event window", totals.lost_outside_events));
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
