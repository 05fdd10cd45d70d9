#include "sim/emulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "sim/emulator_impl.hpp"
#include "sim/path_bounds.hpp"

namespace l2vpn::sim {

namespace {

// Tracker::retire: every 100 ms of virtual time, the frames sent more than
// 2 s + twice the in-flight bound ago (memory independent of the duration).
constexpr uint64_t kRetireEveryNs = 100'000'000;
constexpr uint64_t kRetireAfterNs = 2'000'000'000;

}  // namespace

// ------------------------------------------------------------ the run
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

}  // namespace l2vpn::sim
